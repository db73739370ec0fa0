// The scheduler's whole set of parts, started in a given CAF actor system
// from plain options: the data dir's lock, the drained-workers file, the
// status store and its actor, the HTTP server, the CAF front door, the
// local or fake worker, the nodes actor, the config watcher, the policy
// switch and the scheduler actor itself. bistro_scheduler's main turns
// flags into these options and waits; a test starts the same thing in its
// own process.
//
// Thread contract: start() and wait() are called from one thread (main's,
// or a test's), which wait() blocks until the scheduler actor has exited
// and the status store has committed what it held; request_stop() may be
// called from any thread (a signal handler's helper thread).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "actors/protocol/protocol.hpp"
#include "actors/store/status_store.hpp"

namespace caf {
class actor_system;
}

namespace bistro {

struct scheduler_system_options {
  std::string config_file;
  std::int64_t config_max_bytes = 16 * 1024 * 1024;
  std::int64_t config_update_ms = 10000;
  std::int64_t config_backups = 5;
  /// Run tasks locally with this executable ("" = no local worker).
  std::string worker_command;
  std::string data_dir;
  /// The instance node's name (normally the host name).
  std::string instance;
  /// Statuses in memory only (Bistro's --clean_statuses; --dry_run and
  /// --benchmark_run imply it).
  bool clean_statuses = false;
  bool reset_statuses = false;
  bool prune_deleted_job_statuses = false;
  bool dry_run = false;
  bool benchmark_run = false;
  std::int64_t test_task_duration_ms = 1000;
  double test_failure_rate = 0.0;
  std::int64_t nodes_update_ms = 300000;
  std::int64_t nodes_retry_ms = 30000;
  /// The CAF port for remote workers (0 = none) and the addresses it
  /// listens on ("" = all interfaces); `server_address_text` as the
  /// operator gave it, for the log. `insecure_addresses`: those not on
  /// loopback, which the caller allowed (TLS or --allow_insecure_network).
  std::uint16_t server_port = 0;
  std::vector<std::string> server_addresses;
  std::vector<std::string> insecure_addresses;
  std::string server_address_text;
  health_settings health;
  bool allow_bump_unhealthy_worker = false;
  /// Seconds; -1 derives it from the health settings (none without
  /// remote workers).
  std::int64_t startup_wait_for_workers_s = -1;
  std::uint16_t http_server_port = 0;
  std::string http_server_address = "127.0.0.1";
  /// What mutating monitor requests must carry ("" = nothing).
  std::string auth_token;
  std::int64_t http_cache_ms = 250;
  std::int64_t task_logs_timeout_ms = 3000;
  /// Threads for a round's per-job work, the scheduler's own included.
  unsigned round_threads = 2;
  /// A round robin round this big is planned by subtree on those threads.
  std::size_t round_split_candidates = 65536;
  /// The page's plots: one sample of the activity this often.
  std::int64_t activity_sample_ms = 5000;
  bool exit_when_done = false;
  /// 0 = from the clock and pid.
  std::uint64_t seed = 0;
  std::int64_t log_retention_s = 30 * 24 * 3600;
  std::int64_t log_prune_frequency_s = 3600;
  std::int64_t stats_interval_ms = 10000;
  status_store_options store;
  std::int64_t status_commit_ms = 5;
  std::int64_t status_shutdown_retry_ms = 30000;
};

/// Why start() failed, and the process exit code that says so.
struct scheduler_start_error {
  int exit_code = 1;
  std::string message;
};

class scheduler_system {
 public:
  /// Takes the data dir, loads statuses, listens and spawns every actor.
  /// Nothing is left running on an error.
  static std::variant<std::unique_ptr<scheduler_system>, scheduler_start_error>
  start(caf::actor_system& sys, scheduler_system_options options);

  ~scheduler_system();
  scheduler_system(const scheduler_system&) = delete;
  scheduler_system& operator=(const scheduler_system&) = delete;

  /// The scheduler actor (what the shell and the HTTP bridge talk to).
  scheduler_actor scheduler() const;
  /// The HTTP server's port (0 = none).
  std::uint16_t http_port() const;

  /// Asks the scheduler to stop (TERM, INT): wait() then returns.
  void request_stop();

  /// Blocks until the scheduler has exited (request_stop, or
  /// --exit_when_done), stops the other parts and waits for the status
  /// store's last commit. 0, or 1 when statuses could not be written.
  int wait();

 private:
  struct parts;
  explicit scheduler_system(std::unique_ptr<parts> p);
  std::unique_ptr<parts> parts_;
};

}  // namespace bistro
