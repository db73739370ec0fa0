// bistro_scheduler: flag parsing and wiring only.
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <caf/all.hpp>
#include <caf/io/all.hpp>
#include <future>
#include <iostream>
#include <string>
#include <thread>

#include "actors/config_watcher/config_watcher.hpp"
#include "actors/http/http_server.hpp"
#include "actors/http/monitor_bridge.hpp"
#include "actors/http/monitor_cache.hpp"
#include "actors/nodes/nodes_actor.hpp"
#include "actors/policies/policy_registry.hpp"
#include "actors/policies/policy_switch.hpp"
#include "actors/protocol/access_token.hpp"
#include "actors/protocol/secure_transport.hpp"
#include "actors/scheduler/drained_workers_file.hpp"
#include "actors/scheduler/front_door.hpp"
#include "actors/scheduler/scheduler_actor.hpp"
#include "actors/store/data_dir_lock.hpp"
#include "actors/store/status_store_actor.hpp"
#include "actors/workers/fake_worker.hpp"
#include "actors/workers/local_worker.hpp"
#include "apps/check_config.hpp"
#include "apps/command_line.hpp"
#include "apps/flags_common.hpp"
#include "apps/unsupported_flags.hpp"

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
             "threads for the per-job work of a scheduling round (backoff "
             "expiry, candidates, the scan after a new config or tree), the "
             "scheduler's own included; picks do not depend on it"
             " [default: 2]");
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
  // The one list of policy names: the config is checked against it.
  const auto policies = policy_registry::builtin();
  if (flags.check_config)
    return check_config(flags.config_file, flags.config_max_bytes,
                        policies.catalog(), instance, std::cout, std::cerr);
  // One writer per data dir, before anything is touched: a second
  // scheduler on it must not delete or write the first one's statuses.
  auto dir_lock = data_dir_lock::take(flags.data_dir);
  if (auto* err = std::get_if<std::string>(&dir_lock)) {
    std::cerr << "bistro_scheduler: " << *err << '\n';
    return 1;
  }
  // Drained workers are the operator's word, kept whatever the statuses.
  const auto drained_path =
      flags.data_dir + "/" + std::string{drained_workers_file_name};
  auto drained = load_drained_workers(drained_path);
  if (!drained.error.empty()) {
    std::cerr << "bistro_scheduler: " << drained.error
              << " (fix or remove it: it lists the drained workers)\n";
    return 1;
  }
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
  // Whoever reaches the CAF port can save a job, whose command then runs as
  // this user: only loopback, unless TLS proves who the peer is or the
  // operator says the network is trusted.
  std::vector<std::string> server_addresses;
  std::vector<std::string> insecure_addresses;
  if (remote) {
    server_addresses = split_addresses(flags.server_address);
    const bool tls = !flags.tls.cert.empty();
    for (const auto& a : server_addresses)
      if (!is_loopback_address(a))
        insecure_addresses.push_back(a.empty() ? "(all interfaces)" : a);
    if (!insecure_addresses.empty() && !tls && !flags.allow_insecure_network) {
      std::cerr << "bistro_scheduler: --server_address=" << flags.server_address
                << " is not loopback only; without TLS anyone who reaches "
                   "the port could run commands as this user. Set "
                   "--tls_cert_file, --tls_key_file and --tls_ca_file, or "
                   "pass --allow_insecure_network\n";
      return 2;
    }
  }
  std::string http_token;
  if (!flags.http_auth_token_file.empty()) {
    auto err = read_token_file(flags.http_auth_token_file, http_token);
    if (!err.empty()) {
      std::cerr << "bistro_scheduler: --http_auth_token_file: " << err << '\n';
      return 2;
    }
  }
  // Listen before anything starts, so that a port in use stops nothing.
  std::unique_ptr<http::http_server> http_server;
  if (flags.http_server_port > 0) {
    http::http_server_options h;
    h.address = flags.http_server_address;
    h.port = static_cast<std::uint16_t>(flags.http_server_port);
    h.token = http_token;
    auto listening = http::http_server::listen(h);
    if (auto* err = std::get_if<std::string>(&listening)) {
      std::cerr << "bistro_scheduler: --http_server_port=" << h.port << ": "
                << *err << '\n';
      return 1;
    }
    http_server =
        std::move(std::get<std::unique_ptr<http::http_server>>(listening));
  }

  // Statuses come back before anything runs, so no task starts twice.
  status_store_options store_options;
  if (flags.status_sync == "nosync")
    store_options.sync = status_sync::no_sync;
  else if (flags.status_sync != "durable") {
    std::cerr << "bistro_scheduler: --status_sync must be durable or nosync\n";
    return 2;
  }
  if (auto err = enable_tls(flags, flags.tls)) {
    std::cerr << "bistro_scheduler: " << *err << '\n';
    return 2;
  }
  // Bistro's --clean_statuses: statuses live in memory only, and the store
  // on disk is not opened at all (so never changed).
  const char* memory_only = flags.clean_statuses  ? "--clean_statuses"
                            : flags.dry_run       ? "--dry_run"
                            : flags.benchmark_run ? "--benchmark_run"
                                                  : nullptr;
  if (memory_only && flags.reset_statuses) {
    std::cerr << "bistro_scheduler: --reset_statuses deletes the stored "
                 "statuses, which "
              << memory_only << " leaves alone: give one of them\n";
    return 2;
  }
  std::shared_ptr<status_store> store;
  auto restored = std::make_shared<status_batch>();
  // Remote workers that can prove who they are (their secrets' hashes).
  std::map<std::string, std::string> worker_secret_hashes;
  if (memory_only) {
    spdlog::info(
        "not reading or writing task statuses ({}): {}/statuses is left as "
        "it is",
        memory_only, flags.data_dir);
  } else {
    store_options.start_empty = flags.reset_statuses;
    if (flags.reset_statuses)
      spdlog::warn(
          "deleting the stored task statuses in {}/statuses "
          "(--reset_statuses)",
          flags.data_dir);
    auto opened =
        status_store::open(flags.data_dir + "/statuses", store_options);
    if (auto* err = std::get_if<std::string>(&opened)) {
      std::cerr << "bistro_scheduler: " << *err << '\n';
      return 1;
    }
    store = std::move(std::get<std::unique_ptr<status_store>>(opened));
    if (store->migrated_records() > 0)
      spdlog::info(
          "status store: migrated {} statuses in {}/statuses to format {} "
          "(names of any length; run history)",
          store->migrated_records(), flags.data_dir,
          status_store::format_version);
    auto loaded = store->load_all();
    if (auto* err = std::get_if<std::string>(&loaded)) {
      std::cerr << "bistro_scheduler: " << *err << '\n';
      return 1;
    }
    *restored = std::move(std::get<status_batch>(loaded));
    spdlog::info("loaded {} stored statuses from {}/statuses", restored->size(),
                 flags.data_dir);
    auto secrets = store->load_worker_secret_hashes();
    if (auto* err = std::get_if<std::string>(&secrets)) {
      std::cerr << "bistro_scheduler: " << *err << '\n';
      return 1;
    }
    worker_secret_hashes =
        std::move(std::get<std::map<std::string, std::string>>(secrets));
  }
  if (flags.prune_deleted_job_statuses && !store) {
    spdlog::warn(
        "--prune_deleted_job_statuses: no stored statuses to prune "
        "({})",
        memory_only);
  } else if (flags.prune_deleted_job_statuses) {
    auto cfg = load_config_file(flags.config_file, policies.catalog(),
                                flags.config_max_bytes);
    if (!cfg.ok()) {
      std::cerr << "bistro_scheduler: --prune_deleted_job_statuses needs a "
                   "valid config\n";
      return 1;
    }
    std::vector<std::string> keep;
    for (const auto& job : cfg.value->jobs) keep.push_back(job.name);
    if (auto err = store->prune_jobs_not_in(keep)) {
      std::cerr << "bistro_scheduler: " << *err << '\n';
      return 1;
    }
  }

  flags.add_message_types<caf::id_block::bistro>();
  // TERM and INT stop the scheduler cleanly: the status store commits
  // what it holds before the process exits.
  // Both threads hold the promise, so neither outlives it at exit.
  auto stop_signal = std::make_shared<std::promise<int>>();
  auto stop_signal_future = stop_signal->get_future().share();
  handle_stop_signals([stop_signal](int sig) { stop_signal->set_value(sig); });
  caf::actor_system sys{flags};
  auto seed = flags.seed != 0 ? static_cast<std::uint64_t>(flags.seed)
                              : static_cast<std::uint64_t>(::getpid()) ^
                                    static_cast<std::uint64_t>(time(nullptr));

  scheduler_options opts;
  auto& health = opts.health;
  health.heartbeat_grace_ms = flags.heartbeat_grace_period * 1000;
  health.healthcheck_period_ms = flags.healthcheck_period * 1000;
  health.healthcheck_grace_ms = flags.healthcheck_grace_period * 1000;
  health.lose_unhealthy_worker_after_ms =
      flags.lose_unhealthy_worker_after * 1000;
  health.worker_check_interval_ms = flags.worker_check_interval * 1000;
  health.suicide_task_kill_wait_ms = flags.suicide_task_kill_wait_ms;
  health.suicide_backoff_safety_margin_ms =
      flags.suicide_backoff_safety_margin_sec * 1000;
  opts.timeouts.heartbeat_grace_ms = health.heartbeat_grace_ms;
  opts.timeouts.healthcheck_period_ms = health.healthcheck_period_ms;
  opts.timeouts.healthcheck_grace_ms = health.healthcheck_grace_ms;
  opts.timeouts.lose_unhealthy_worker_after_ms =
      health.lose_unhealthy_worker_after_ms;
  opts.timeouts.allow_bump_unhealthy_worker = flags.allow_bump_unhealthy_worker;
  // Bistro's safe default: long enough for every worker that ran tasks
  // before a restart to heartbeat in and report them.
  opts.startup_wait_ms =
      flags.startup_wait_for_workers >= 0
          ? flags.startup_wait_for_workers * 1000
          : (remote ? health.heartbeat_period_ms + health.heartbeat_grace_ms +
                          health.worker_check_interval_ms
                    : 0);
  auto secs = [](std::int64_t ms) { return std::to_string(ms / 1000) + " s"; };
  opts.startup_wait_reason =
      flags.startup_wait_for_workers >= 0
          ? "--CAUTION_startup_wait_for_workers=" +
                std::to_string(flags.startup_wait_for_workers)
      : remote
          ? "a worker's heartbeat period " + secs(health.heartbeat_period_ms) +
                " + --heartbeat_grace_period " +
                secs(health.heartbeat_grace_ms) +
                " + --worker_check_interval " +
                secs(health.worker_check_interval_ms) +
                " (--CAUTION_startup_wait_for_workers=SECONDS sets it)"
          : "no remote workers: no wait";
  opts.task_logs_timeout_ms = flags.task_logs_timeout_ms;
  opts.drained_workers = std::move(drained.shards);
  opts.drained_workers_file = drained_path;
  opts.exit_when_done = flags.exit_when_done;
  opts.stats_interval_ms = flags.stats_interval_ms;
  opts.seed = seed;
  opts.policy = spawn_policy_switch(sys, policies, seed + 1);
  opts.restored = restored;
  opts.worker_secret_hashes = std::move(worker_secret_hashes);
  opts.config_file = flags.config_file;
  opts.round_threads = static_cast<unsigned>(flags.round_threads);
  status_store_actor store_actor;
  if (store)
    store_actor = spawn_status_store_actor(
        sys, {store, flags.status_commit_ms, flags.status_shutdown_retry_ms,
              flags.log_retention * 1000});
  opts.store = store_actor;
  auto scheduler = spawn_scheduler(sys, opts);

  front_door_actor front_door;
  if (remote) {
    front_door = spawn_front_door(sys, scheduler, http_token);
    // One listening socket per address, all on the same port and for the
    // same actor: CAF keeps one published actor per port.
    for (const auto& address : server_addresses) {
      auto port = publish_actor(sys, front_door,
                                static_cast<std::uint16_t>(flags.server_port),
                                address.empty() ? nullptr : address.c_str());
      if (!port) {
        std::cerr << "bistro_scheduler: cannot listen on --server_port="
                  << flags.server_port << " at "
                  << (address.empty() ? "all interfaces" : address) << ": "
                  << sys.render(port.error()) << '\n';
        caf::anon_send_exit(scheduler, caf::exit_reason::user_shutdown);
        caf::anon_send_exit(opts.policy, caf::exit_reason::user_shutdown);
        caf::anon_send_exit(front_door, caf::exit_reason::user_shutdown);
        return 1;
      }
    }
    if (!insecure_addresses.empty() && !sys.has_openssl_manager()) {
      std::string list;
      for (const auto& a : insecure_addresses)
        list += (list.empty() ? "" : ", ") + a;
      spdlog::warn(
          "bistro_scheduler: --allow_insecure_network: --server_port listens "
          "on {} in plain text, without TLS: whoever reaches it can register "
          "workers and {}",
          list,
          http_token.empty()
              ? "change jobs, whose commands run as this user"
              : "read the scheduler's state (mutations need the token)");
    }
    spdlog::info("bistro_scheduler: workers connect on port {} ({})",
                 flags.server_port, flags.server_address);
  }

  worker_actor worker;
  if (flags.dry_run || flags.benchmark_run) {
    fake_worker_options f;
    f.shard = host_name();
    f.sink = caf::actor_cast<task_sink_actor>(scheduler);
    f.mean_duration_ms = flags.dry_run ? 0 : flags.test_task_duration;
    f.failure_rate = flags.dry_run ? 0.0 : flags.test_failure_rate;
    f.seed = seed + 2;
    worker = spawn_fake_worker(sys, f);
  } else if (!flags.worker_command.empty()) {
    local_worker_options w;
    // As in Bistro, a local task sees the instance node as its worker.
    w.shard = instance;
    w.command = {flags.worker_command};
    w.data_dir = flags.data_dir;
    w.sink = caf::actor_cast<task_sink_actor>(scheduler);
    w.log_retention_s = flags.log_retention;
    w.log_prune_frequency_s = flags.log_prune_frequency;
    auto spawned = spawn_local_worker(sys, w);
    if (auto* err = std::get_if<std::string>(&spawned)) {
      std::cerr << "bistro_scheduler: " << *err << '\n';
      caf::anon_send_exit(scheduler, caf::exit_reason::user_shutdown);
      caf::anon_send_exit(opts.policy, caf::exit_reason::user_shutdown);
      return 1;
    }
    worker = std::get<worker_actor>(spawned);
  }
  if (worker)
    caf::anon_send(
        scheduler, join_atom_v, worker,
        flags.dry_run || flags.benchmark_run ? host_name() : instance,
        host_name());

  auto nodes_stop = std::make_shared<node_source_stop>();
  auto nodes =
      spawn_nodes_actor(sys, {instance, flags.nodes_update_ms,
                              flags.nodes_retry_ms, scheduler, nodes_stop});
  auto watcher =
      spawn_config_watcher(sys, {flags.config_file, flags.config_update_ms,
                                 nodes, scheduler, flags.config_max_bytes,
                                 static_cast<std::size_t>(flags.config_backups),
                                 policies.catalog()});
  caf::anon_send(scheduler, join_atom_v, watcher);

  if (http_server) {
    http_server->serve(http::cache_monitor(
        http::make_monitor_bridge(sys, scheduler, std::chrono::seconds(15)),
        std::chrono::milliseconds(flags.http_cache_ms)));
    auto host = flags.http_server_address.find(':') != std::string::npos
                    ? "[" + flags.http_server_address + "]"
                    : flags.http_server_address;
    spdlog::info(
        "bistro_scheduler: HTTP API and web page on http://{}:{}/{}", host,
        http_server->port(),
        http_token.empty() ? "" : " (mutating requests need the token)");
  }
  spdlog::info("bistro_scheduler: config {}, data in {}", flags.config_file,
               flags.data_dir);

  // Runs until the scheduler quits (--exit_when_done) or we are killed.
  std::thread([stop_signal, stop_signal_future, scheduler] {
    auto sig = stop_signal_future.get();
    spdlog::info("signal {}: stopping", sig);
    caf::anon_send_exit(scheduler, caf::exit_reason::user_shutdown);
  }).detach();
  caf::scoped_actor waiter{sys};
  waiter->monitor(scheduler);
  waiter->receive([](const caf::down_msg&) {});
  if (http_server) http_server->stop();
  // Kills a running node-source script: the nodes actor is detached and the
  // actor system's destructor waits for it.
  nodes_stop->request();
  for (auto a :
       {caf::actor_cast<caf::actor>(watcher),
        caf::actor_cast<caf::actor>(nodes), caf::actor_cast<caf::actor>(worker),
        caf::actor_cast<caf::actor>(front_door),
        caf::actor_cast<caf::actor>(opts.policy)})
    if (a) caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
  // The store commits what it holds before it stops; wait for that.
  int exit_code = 0;
  if (store_actor) {
    waiter->monitor(store_actor);
    caf::anon_send(store_actor, stop_atom_v);
    waiter->receive([&](const caf::down_msg& down) {
      if (down.reason) exit_code = 1;  // statuses it could not write
    });
  }
  // Everything that must outlive the scheduler has been told to stop; do
  // not wait for actors CAF's networking keeps alive for remote peers.
  sys.await_actors_before_shutdown(false);
  return exit_code;
}
