// bistro_worker: flag parsing and wiring only.
#include <spdlog/spdlog.h>

#include <caf/all.hpp>
#include <caf/io/all.hpp>
#include <cmath>
#include <iostream>
#include <string>

#include "actors/runtime/detached_census.hpp"
#include "actors/store/data_dir_lock.hpp"
#include "actors/workers/local_worker.hpp"
#include "actors/workers/worker_link.hpp"
#include "apps/command_line.hpp"
#include "apps/flags_common.hpp"
#include "apps/unsupported_flags.hpp"

namespace {

using namespace bistro;

struct worker_flags : gflags_config {
  tls_files tls;
  std::string scheduler_host;
  std::int64_t scheduler_port = 0;
  std::string worker_command;
  std::string data_dir = "/tmp/bistro_worker";
  std::string shard_id;
  std::int64_t server_port = 0;
  std::int64_t heartbeat_period_sec = 15;
  std::int64_t log_retention = 30 * 24 * 3600;
  std::int64_t log_prune_frequency = 3600;
  std::string log_level = "info";

  worker_flags() {
    opt_group{custom_options_, "global"}
        .add(scheduler_host, "scheduler_host",
             "the scheduler's host name or address (:: = this host, IPv6)")
        .add(scheduler_port, "scheduler_port",
             "the scheduler's --server_port"
             " [default: 0]")
        .add(worker_command, "worker_command",
             "run every task with this executable (one path, not split on "
             "spaces, as in Bistro; a job's \"command\" list replaces it)")
        .add(data_dir, "data_dir",
             "task working dirs (jobs/JOB/) and task logs (task_logs/)"
             " [default: /tmp/bistro_worker]")
        .add(shard_id, "shard_id",
             "this worker's unique name (default: the hostname)")
        .add(server_port, "server_port",
             "names this worker as HOST:PORT in the scheduler's "
             "worker_resources_override, as a Bistro worker's port did "
             "(this worker listens on no port) [default: 0]")
        .add(heartbeat_period_sec, "heartbeat_period_sec",
             "how often to heartbeat to the scheduler (seconds)"
             " [default: 15]")
        .add(log_retention, "log_retention",
             "keep task logs this many seconds"
             " [default: 2592000]")
        .add(log_prune_frequency, "log_prune_frequency",
             "prune task logs every this many seconds"
             " [default: 3600]")
        .add(log_level, "log_level",
             "trace, debug, info, warn, error or off"
             " [default: info]");
    opt_group{custom_options_, "global"}
        .add(tls.cert, "tls_cert_file", tls_files::cert_help)
        .add(tls.key, "tls_key_file", tls_files::key_help)
        .add(tls.ca, "tls_ca_file", tls_files::ca_help);
    set_thread_count(*this);
    enable_networking(*this);
  }
};

}  // namespace

int main(int argc, char** argv) {
  worker_flags flags;
  if (auto exit_code = flags.read_flags(argc, argv, "bistro_worker",
                                        worker_unsupported_flags()))
    return *exit_code;
  if (!set_log_level(flags.log_level)) {
    std::cerr << "bistro_worker: --log_level: unknown level\n";
    return 2;
  }
  if (flags.scheduler_host.empty() || flags.scheduler_port <= 0 ||
      flags.scheduler_port > 65535 || flags.worker_command.empty()) {
    std::cerr << "bistro_worker: --scheduler_host, --scheduler_port and "
                 "--worker_command are required\n";
    return 2;
  }
  if (auto err = enable_tls(flags, flags.tls)) {
    std::cerr << "bistro_worker: " << *err << '\n';
    return 2;
  }
  // One writer per data dir: task logs, kept results and the secret.
  auto dir_lock = data_dir_lock::take(flags.data_dir);
  if (auto* err = std::get_if<std::string>(&dir_lock)) {
    std::cerr << "bistro_worker: " << *err << '\n';
    return 1;
  }
  flags.add_message_types<caf::id_block::bistro>();
  caf::actor_system sys{flags};
  auto shard = flags.shard_id.empty() ? host_name() : flags.shard_id;
  // "::" means this host, as in Bistro's getting-started guide.
  auto host =
      flags.scheduler_host == "::" ? std::string{"::1"} : flags.scheduler_host;

  // What this machine gives tasks: the scheduler makes it this worker's
  // limits where its config's physical_resources map it.
  auto measured = measure_usable_resources(1000);
  spdlog::info("worker {}: {}", shard, describe(measured));

  worker_link_options link_options;
  link_options.scheduler_host = host;
  link_options.scheduler_port =
      static_cast<std::uint16_t>(flags.scheduler_port);
  link_options.shard = shard;
  link_options.host = host_name();
  link_options.port = static_cast<std::int32_t>(flags.server_port);
  link_options.heartbeat_period_ms = flags.heartbeat_period_sec * 1000;
  link_options.secret_file = flags.data_dir + "/worker_secret";
  link_options.results_dir = flags.data_dir + "/results";
  link_options.physical.memory_mb = std::llround(measured.usable.memory_mb);
  link_options.physical.cpu_cores = std::llround(measured.usable.cpu_cores);
  for (const auto& gpu : measured.gpus)
    link_options.physical.gpus.push_back(
        {gpu.name, gpu.pci_bus_id, std::llround(gpu.memory_mb)});
  link_options.physical.error = measured.error;
  auto link = spawn_worker_link(sys, link_options);

  local_worker_options w;
  w.shard = shard;
  w.command = {flags.worker_command};
  w.data_dir = flags.data_dir;
  w.sink = caf::actor_cast<task_sink_actor>(link);
  w.log_retention_s = flags.log_retention;
  w.log_prune_frequency_s = flags.log_prune_frequency;
  w.measured = std::move(measured);
  auto spawned = spawn_local_worker(sys, w);
  if (auto* err = std::get_if<std::string>(&spawned)) {
    std::cerr << "bistro_worker: " << *err << '\n';
    caf::anon_send_exit(link, caf::exit_reason::user_shutdown);
    return 1;
  }
  auto worker = std::get<worker_actor>(spawned);
  caf::anon_send(link, join_atom_v, worker);
  spdlog::info("bistro_worker {}: scheduler {}:{}, data in {}", shard, host,
               flags.scheduler_port, flags.data_dir);

  // Runs until the link gives up (a scheduler of another protocol version)
  // or we are killed.
  caf::scoped_actor waiter{sys};
  waiter->monitor(link);
  waiter->receive([](const caf::down_msg&) {});
  caf::anon_send_exit(worker, caf::exit_reason::user_shutdown);
  // The task-log writer ends before the actor system stops its clock
  // (actors/runtime/detached_census.hpp).
  if (auto left = await_detached(std::chrono::seconds(10)))
    spdlog::error(
        "shutdown: {} actor(s) on threads of their own still run "
        "after 10 s",
        left);
  // Everything that must outlive the scheduler has been told to stop; do
  // not wait for actors CAF's networking keeps alive for remote peers.
  sys.await_actors_before_shutdown(false);
  return 1;
}
