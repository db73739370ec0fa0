// bistro_scheduler: flag parsing and wiring only.
#include <spdlog/spdlog.h>

#include <caf/all.hpp>
#include <caf/io/all.hpp>
#include <chrono>
#include <cstdlib>
#include <future>
#include <iostream>
#include <string>
#include <thread>

#include "actors/policies/policy_registry.hpp"
#include "actors/protocol/access_token.hpp"
#include "actors/protocol/secure_transport.hpp"
#include "actors/runtime/detached_census.hpp"
#include "apps/check_config.hpp"
#include "apps/command_line.hpp"
#include "apps/flags_common.hpp"
#include "apps/scheduler_system.hpp"
#include "apps/unsupported_flags.hpp"
#include "config/config.hpp"
#include "config/config_edit.hpp"

namespace {

using namespace bistro;

struct scheduler_flags : gflags_config {
  tls_files tls;
  std::string config_file;
  bool check_config = false;
  std::int64_t config_update_ms = 10000;
  std::int64_t config_max_bytes = default_config_max_bytes;
  std::string worker_command;
  std::string data_dir = "/tmp/bistro_scheduler";
  std::string instance_node_name;
  bool clean_statuses = false;
  bool reset_statuses = false;
  std::int64_t nodes_update_ms = 300000;
  std::int64_t nodes_retry_ms = 30000;
  bool dry_run = false;
  bool benchmark_run = false;
  std::int64_t test_task_duration = 1000;
  double test_failure_rate = 0.0;
  std::string log_level = "info";
  std::int64_t server_port = 0;
  std::string server_address = loopback_addresses;
  bool allow_insecure_network = false;
  std::int64_t max_server_connections = 1024;
  std::int64_t server_handshake_timeout_ms = 10000;
  std::int64_t heartbeat_grace_period = 60;
  std::int64_t healthcheck_period = 60;
  std::int64_t healthcheck_grace_period = 60;
  std::int64_t lose_unhealthy_worker_after = 500;
  std::int64_t worker_check_interval = 5;
  bool allow_bump_unhealthy_worker = false;
  std::int64_t suicide_backoff_safety_margin_sec = 60;
  std::int64_t suicide_task_kill_wait_ms = 5000;
  std::int64_t http_server_port = 0;
  std::string http_server_address = "127.0.0.1";
  std::string http_auth_token_file;
  std::int64_t http_cache_ms = 250;
  std::int64_t startup_wait_for_workers = -1;
  std::int64_t task_logs_timeout_ms = 3000;
  std::int64_t activity_sample_ms = 5000;
  std::int64_t config_backups = default_config_backups;
  bool exit_when_done = false;
  std::int64_t seed = 0;
  std::int64_t log_retention = 30 * 24 * 3600;
  std::int64_t log_prune_frequency = 3600;
  std::int64_t stats_interval_ms = 10000;
  std::string status_sync = "durable";
  std::int64_t status_commit_ms = 5;
  std::int64_t status_shutdown_retry_ms = 30000;
  bool prune_deleted_job_statuses = false;
  std::int64_t round_threads = 2;
  std::int64_t round_split_candidates = 65536;

  scheduler_flags() {
    opt_group{custom_options_, "global"}
        .add(config_file, "config_file",
             "the JSON config file (Bistro's FileConfigLoader format)")
        .add(check_config, "check_config",
             "parse --config_file, print a summary or every error, exit")
        .add(config_update_ms, "config_update_ms",
             "how often to check the config file for changes (ms)"
             " [default: 10000]")
        .add(config_max_bytes, "config_max_bytes",
             "refuse a config file larger than this (bytes), keeping the "
             "last good config [default: 16777216]")
        .add(worker_command, "worker_command",
             "run tasks locally with this executable (one path, not split "
             "on spaces, as in Bistro; a job's \"command\" list replaces "
             "it and carries arguments)")
        .add(data_dir, "data_dir",
             "task working dirs (jobs/JOB/) and task logs (task_logs/)"
             " [default: /tmp/bistro_scheduler]")
        .add(instance_node_name, "instance_node_name",
             "name of the instance node (default: the hostname)")
        .add(clean_statuses, "clean_statuses",
             "do not read or write task statuses: run on in-memory statuses "
             "only, leaving <data_dir>/statuses as it is (--dry_run and "
             "--benchmark_run imply it)")
        .add(reset_statuses, "reset_statuses",
             "delete the stored task statuses and start afresh (refused "
             "while another process uses --data_dir)")
        .add(nodes_update_ms, "nodes_update_ms",
             "how often node sources that read the outside (script) run "
             "again (ms) [default: 300000]")
        .add(nodes_retry_ms, "nodes_retry_ms",
             "how soon such a source runs again after a failed run (ms)"
             " [default: 30000]")
        .add(dry_run, "dry_run", "mark tasks done without running anything")
        .add(benchmark_run, "benchmark_run",
             "run fake tasks lasting 0..2x --test_task_duration ms, no "
             "processes")
        .add(test_task_duration, "test_task_duration",
             "mean fake task duration for --benchmark_run (ms)"
             " [default: 1000]")
        .add(test_failure_rate, "test_failure_rate",
             "probability that a fake task fails, for --benchmark_run"
             " [default: 0.0]")
        .add(log_level, "log_level",
             "trace, debug, info, warn, error or off"
             " [default: info]")
        .add(server_port, "server_port",
             "port for remote workers (the CAF front door); 0 = none"
             " [default: 0]")
        .add(server_address, "server_address",
             "comma-separated addresses to listen on for --server_port; "
             "\"\" = all interfaces. Anything but loopback needs TLS "
             "(--tls_*) or --allow_insecure_network: whoever reaches the "
             "port can run commands as this user"
             " [default: 127.0.0.1,::1]")
        .add(allow_insecure_network, "allow_insecure_network",
             "let --server_address name a non-loopback address without TLS "
             "(plain text, no peer authentication; logged as a warning)")
        .add(max_server_connections, "max_server_connections",
             "at most this many connections on --server_port at once; a "
             "new one beyond is closed at once (logged)"
             " [default: 1024]")
        .add(server_handshake_timeout_ms, "server_handshake_timeout_ms",
             "a connection on --server_port that has not completed CAF's "
             "handshake after this many ms is closed; 0 = never"
             " [default: 10000]")
        .add(heartbeat_grace_period, "heartbeat_grace_period",
             "a worker whose heartbeat is this many seconds late is "
             "unhealthy"
             " [default: 60]")
        .add(healthcheck_period, "healthcheck_period",
             "seconds between healthchecks of each worker"
             " [default: 60]")
        .add(healthcheck_grace_period, "healthcheck_grace_period",
             "a worker whose last good healthcheck was sent more than "
             "period + this many seconds ago is unhealthy"
             " [default: 60]")
        .add(lose_unhealthy_worker_after, "lose_unhealthy_worker_after",
             "seconds of being unhealthy after which a worker is lost"
             " [default: 500]")
        .add(worker_check_interval, "worker_check_interval",
             "seconds between checks of every worker's health"
             " [default: 5]")
        .add(allow_bump_unhealthy_worker, "allow_bump_unhealthy_worker",
             "a new worker with the shard id of an unhealthy one replaces it")
        .add(suicide_backoff_safety_margin_sec,
             "CAUTION_worker_suicide_backoff_safety_margin_sec",
             "extra seconds a lost worker's tasks wait before running again"
             " [default: 60]")
        .add(suicide_task_kill_wait_ms,
             "CAUTION_worker_suicide_task_kill_wait_ms",
             "ms a worker that lost the scheduler waits between TERM and "
             "KILL of its tasks"
             " [default: 5000]")
        .add(http_server_port, "http_server_port",
             "port of the HTTP API, web page and /metrics; 0 = none"
             " [default: 0]")
        .add(http_server_address, "http_server_address",
             "address the HTTP server listens on"
             " [default: 127.0.0.1]")
        .add(http_auth_token_file, "http_auth_token_file",
             "file holding a token that mutating monitor requests must carry: "
             "over HTTP as Authorization: Bearer <token>, over --server_port "
             "as bistro_shell --auth_token_file does (default: none needed)")
        .add(http_cache_ms, "http_cache_ms",
             "identical read-only HTTP requests share one scheduler answer "
             "for this long (0 = never) [default: 250]")
        .add(startup_wait_for_workers, "CAUTION_startup_wait_for_workers",
             "seconds to wait for workers to report before starting tasks "
             "(-1: derived from the health timeouts; none in local-only mode)"
             " [default: -1]")
        .add(config_backups, "config_backups",
             "save_job/delete_job keep this many earlier versions of the "
             "config file (FILE.bak newest, then FILE.bak.1, ...; 0: none)"
             " [default: 5]")
        .add(task_logs_timeout_ms, "task_logs_timeout_ms",
             "a task log query waits this long for each worker, then "
             "answers with what arrived and names the workers that did not "
             "answer [default: 3000]")
        .add(activity_sample_ms, "activity_sample_ms",
             "the page's plots: sample running tasks, starts, finishes and "
             "failures this often, keeping an hour of samples (taken at "
             "the --worker_check_interval checks) [default: 5000]")
        .add(exit_when_done, "exit_when_done",
             "exit once nothing runs and nothing more can start")
        .add(seed, "seed",
             "random seed for the policies (0: from the clock)"
             " [default: 0]")
        .add(log_retention, "log_retention",
             "keep task logs and the run history of tasks this many seconds"
             " [default: 2592000]")
        .add(log_prune_frequency, "log_prune_frequency",
             "prune task logs every this many seconds"
             " [default: 3600]")
        .add(status_sync, "status_sync",
             "durable (fsync every commit) or nosync (the OS writes back)"
             " [default: durable]")
        .add(status_commit_ms, "status_commit_ms",
             "group-commit task statuses every this many ms"
             " [default: 5]")
        .add(status_shutdown_retry_ms, "status_shutdown_retry_ms",
             "on exit, keep retrying statuses the store cannot write (a "
             "full disk) this long, then name them in the log and exit 1"
             " [default: 30000]")
        .add(prune_deleted_job_statuses, "prune_deleted_job_statuses",
             "at start-up, delete the stored statuses of jobs the config no "
             "longer has")
        .add(stats_interval_ms, "stats_interval_ms",
             "log a stats line (started, finished, rounds) this often; 0 = "
             "never"
             " [default: 10000]")
        .add(round_threads, "round_threads",
             "threads a new config or tree is taken in on (each job's "
             "filters) and a big roundrobin round is planned on, the "
             "scheduler's own included (a round's per-job work runs in the "
             "job actors, on CAF's threads); picks do not depend on it, "
             "except in a round split by --round_split_candidates"
             " [default: 2]")
        .add(round_split_candidates, "round_split_candidates",
             "a roundrobin round of this many candidates or more is planned "
             "one part of the tree at a time on the round threads (limits "
             "hold; which tasks start then depends on timing)"
             " [default: 65536]");
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
  scheduler_flags flags;
  if (auto exit_code = flags.read_flags(argc, argv, "bistro_scheduler",
                                        scheduler_unsupported_flags()))
    return *exit_code;
  if (flags.config_file.empty()) {
    std::cerr << "bistro_scheduler: --config_file is required\n";
    return 2;
  }
  if (!set_log_level(flags.log_level)) {
    std::cerr << "bistro_scheduler: --log_level: unknown level \""
              << flags.log_level << "\"\n";
    return 2;
  }
  auto instance =
      flags.instance_node_name.empty() ? host_name() : flags.instance_node_name;
  if (flags.config_max_bytes <= 0) {
    std::cerr << "bistro_scheduler: --config_max_bytes must be > 0\n";
    return 2;
  }
  if (flags.round_threads < 1 || flags.round_threads > 64) {
    std::cerr << "bistro_scheduler: --round_threads must be 1..64\n";
    return 2;
  }
  if (flags.round_split_candidates < 1) {
    std::cerr << "bistro_scheduler: --round_split_candidates must be >= 1\n";
    return 2;
  }
  // The one list of policy names: the config is checked against it.
  const auto policies = policy_registry::builtin();
  if (flags.check_config)
    return check_config(flags.config_file, flags.config_max_bytes,
                        policies.catalog(), instance, std::cout, std::cerr);
  const bool remote = flags.server_port > 0;
  if (flags.worker_command.empty() && !flags.dry_run && !flags.benchmark_run &&
      !remote) {
    std::cerr << "bistro_scheduler: give --server_port (remote workers), "
                 "--worker_command (local tasks), --dry_run or "
                 "--benchmark_run\n";
    return 2;
  }
  if (flags.server_port > 65535) {
    std::cerr << "bistro_scheduler: --server_port must be below 65536\n";
    return 2;
  }
  if (flags.config_backups < 0 || flags.config_backups > 1000) {
    std::cerr << "bistro_scheduler: --config_backups must be 0..1000\n";
    return 2;
  }
  if (flags.activity_sample_ms < 100) {
    std::cerr << "bistro_scheduler: --activity_sample_ms must be >= 100\n";
    return 2;
  }
  if (flags.task_logs_timeout_ms < 1) {
    std::cerr << "bistro_scheduler: --task_logs_timeout_ms must be >= 1\n";
    return 2;
  }
  if (flags.max_server_connections < 1) {
    std::cerr << "bistro_scheduler: --max_server_connections must be >= 1\n";
    return 2;
  }
  if (flags.server_handshake_timeout_ms < 0) {
    std::cerr << "bistro_scheduler: --server_handshake_timeout_ms must be "
                 ">= 0\n";
    return 2;
  }
  // The patched CAF's limits (patches/caf/0040-...): connections beyond
  // the cap and connections without a BASP handshake in time are closed.
  flags.set("middleman.max-connections",
            static_cast<std::size_t>(flags.max_server_connections));
  flags.set("middleman.handshake-timeout",
            caf::timespan{
                std::chrono::milliseconds{flags.server_handshake_timeout_ms}});
  if (flags.http_server_port < 0 || flags.http_server_port > 65535) {
    std::cerr << "bistro_scheduler: --http_server_port must be 0..65535\n";
    return 2;
  }
  scheduler_system_options o;
  // Whoever reaches the CAF port can save a job, whose command then runs as
  // this user: only loopback, unless TLS proves who the peer is or the
  // operator says the network is trusted.
  if (remote) {
    o.server_addresses = split_addresses(flags.server_address);
    const bool tls = !flags.tls.cert.empty();
    for (const auto& a : o.server_addresses)
      if (!is_loopback_address(a))
        o.insecure_addresses.push_back(a.empty() ? "(all interfaces)" : a);
    if (!o.insecure_addresses.empty() && !tls &&
        !flags.allow_insecure_network) {
      std::cerr << "bistro_scheduler: --server_address=" << flags.server_address
                << " is not loopback only; without TLS anyone who reaches "
                   "the port could run commands as this user. Set "
                   "--tls_cert_file, --tls_key_file and --tls_ca_file, or "
                   "pass --allow_insecure_network\n";
      return 2;
    }
  }
  if (!flags.http_auth_token_file.empty()) {
    auto err = read_token_file(flags.http_auth_token_file, o.auth_token);
    if (!err.empty()) {
      std::cerr << "bistro_scheduler: --http_auth_token_file: " << err << '\n';
      return 2;
    }
  }
  if (flags.status_sync == "nosync")
    o.store.sync = status_sync::no_sync;
  else if (flags.status_sync != "durable") {
    std::cerr << "bistro_scheduler: --status_sync must be durable or nosync\n";
    return 2;
  }
  if (auto err = enable_tls(flags, flags.tls)) {
    std::cerr << "bistro_scheduler: " << *err << '\n';
    return 2;
  }
  o.config_file = flags.config_file;
  o.config_max_bytes = flags.config_max_bytes;
  o.config_update_ms = flags.config_update_ms;
  o.config_backups = flags.config_backups;
  o.worker_command = flags.worker_command;
  o.data_dir = flags.data_dir;
  o.instance = instance;
  o.clean_statuses = flags.clean_statuses;
  o.reset_statuses = flags.reset_statuses;
  o.prune_deleted_job_statuses = flags.prune_deleted_job_statuses;
  o.dry_run = flags.dry_run;
  o.benchmark_run = flags.benchmark_run;
  o.test_task_duration_ms = flags.test_task_duration;
  o.test_failure_rate = flags.test_failure_rate;
  o.nodes_update_ms = flags.nodes_update_ms;
  o.nodes_retry_ms = flags.nodes_retry_ms;
  o.server_port = static_cast<std::uint16_t>(flags.server_port);
  o.server_address_text = flags.server_address;
  auto& health = o.health;
  health.heartbeat_grace_ms = flags.heartbeat_grace_period * 1000;
  health.healthcheck_period_ms = flags.healthcheck_period * 1000;
  health.healthcheck_grace_ms = flags.healthcheck_grace_period * 1000;
  health.lose_unhealthy_worker_after_ms =
      flags.lose_unhealthy_worker_after * 1000;
  health.worker_check_interval_ms = flags.worker_check_interval * 1000;
  health.suicide_task_kill_wait_ms = flags.suicide_task_kill_wait_ms;
  health.suicide_backoff_safety_margin_ms =
      flags.suicide_backoff_safety_margin_sec * 1000;
  o.allow_bump_unhealthy_worker = flags.allow_bump_unhealthy_worker;
  o.startup_wait_for_workers_s = flags.startup_wait_for_workers;
  o.http_server_port = static_cast<std::uint16_t>(flags.http_server_port);
  o.http_server_address = flags.http_server_address;
  o.http_cache_ms = flags.http_cache_ms;
  o.task_logs_timeout_ms = flags.task_logs_timeout_ms;
  o.activity_sample_ms = flags.activity_sample_ms;
  o.exit_when_done = flags.exit_when_done;
  o.seed = static_cast<std::uint64_t>(flags.seed);
  o.log_retention_s = flags.log_retention;
  o.log_prune_frequency_s = flags.log_prune_frequency;
  o.stats_interval_ms = flags.stats_interval_ms;
  o.status_commit_ms = flags.status_commit_ms;
  o.status_shutdown_retry_ms = flags.status_shutdown_retry_ms;
  o.round_threads = static_cast<unsigned>(flags.round_threads);
  o.round_split_candidates =
      static_cast<std::size_t>(flags.round_split_candidates);

  flags.add_message_types<caf::id_block::bistro>();
  // TERM and INT stop the scheduler cleanly: the status store commits
  // what it holds before the process exits.
  // Both threads hold the promise, so neither outlives it at exit.
  auto stop_signal = std::make_shared<std::promise<int>>();
  auto stop_signal_future = stop_signal->get_future().share();
  handle_stop_signals([stop_signal](int sig) { stop_signal->set_value(sig); });
  caf::actor_system sys{flags};
  auto started = scheduler_system::start(sys, std::move(o));
  if (auto* err = std::get_if<scheduler_start_error>(&started)) {
    std::cerr << "bistro_scheduler: " << err->message << '\n';
    return err->exit_code;
  }
  auto& system = *std::get<std::unique_ptr<scheduler_system>>(started);
  // Runs until the scheduler quits (--exit_when_done) or we are killed.
  std::thread([stop_signal, stop_signal_future,
               scheduler = system.scheduler()] {
    auto sig = stop_signal_future.get();
    spdlog::info("signal {}: stopping", sig);
    caf::anon_send_exit(scheduler, caf::exit_reason::user_shutdown);
  }).detach();
  int exit_code = system.wait();
  // Every actor on a thread of its own ends before the actor system stops
  // its clock: one that armed a timer after that would stay referenced by
  // it, and the actor system's destructor would wait for it forever (seen
  // at a TERM within milliseconds of the start; detached_census.hpp).
  if (auto left = await_detached(std::chrono::seconds(10)))
    spdlog::error(
        "shutdown: {} actor(s) on threads of their own still run "
        "after 10 s",
        left);
  // Everything that must outlive the scheduler has been told to stop; do
  // not wait for actors CAF's networking keeps alive for remote peers.
  sys.await_actors_before_shutdown(false);
  // The statuses are on disk. Should the actor system's destructor still
  // wait for a detached actor (a cause not known yet), bound that wait:
  // nothing is left to save.
  std::thread([exit_code] {
    std::this_thread::sleep_for(std::chrono::seconds(10));
    spdlog::error(
        "shutdown: the actor system still waits for its detached actors "
        "after 10 s; exiting (statuses were saved)");
    spdlog::shutdown();
    std::_Exit(exit_code);
  }).detach();
  return exit_code;
}
