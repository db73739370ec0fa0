// The scheduler actor: the broker. It owns the current (config, node tree)
// pair, every job's status row, the incremental round state
// (round_scheduler) and the registry of running tasks. A round runs when
// something changed (a task ended, a new config or tree, a backoff expired)
// and on the `working_wait`/`idle_wait` timer, coalesced to at most one in
// flight: prepare here, plan in the policy actor, commit here, then `run`
// orders go to workers. Statuses from stale runs are ignored.
//
// The status rows live here, not yet in one actor per job: a round reads
// every job's row synchronously to keep its candidates incremental.
// ARCHITECTURE.md ("Not yet as DESIGN describes") says which half of the
// round state a job actor would take and what must be settled first.
//
// Event-based, on CAF's shared threads: it never blocks on I/O. A round's
// per-job work is spread over `round_threads` helper threads and joined
// before the policy is asked; while the policy plans, the scheduler parks
// what the policy has parked so far (sent back in batches), so a big round's
// parking runs beside its planning. Workers, the policy, the nodes actor and
// the config watcher are separate actors.
#pragma once

#include <caf/actor_system.hpp>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "actors/protocol/protocol.hpp"
#include "actors/store/status_store.hpp"
#include "actors/workers/worker_registry.hpp"

namespace bistro {

struct scheduler_options {
  /// No task starts before this many ms after start-up.
  std::int64_t startup_wait_ms = 0;
  /// Why: where the wait comes from, for the log and the monitor.
  std::string startup_wait_reason;
  /// Workers drained by an operator at the last stop, and the file that
  /// keeps them ("" = kept in memory only): drained_workers_file.hpp.
  std::set<std::string> drained_workers;
  std::string drained_workers_file;
  /// task_logs asks every worker; one that has not answered after this
  /// long is named in the reply instead of holding it up.
  std::int64_t task_logs_timeout_ms = 3000;
  /// Quit once nothing runs and nothing ever will without a change.
  bool exit_when_done = false;
  std::uint64_t seed = 0;
  /// Logs a "stats:" line this often (0 = never): counters since start.
  std::int64_t stats_interval_ms = 10000;
  /// Remote workers: the timeouts sent to them and the registry's.
  health_settings health;
  worker_timeouts timeouts;
  policy_actor policy;
  /// Where status changes go (group-committed to LMDB); null = nowhere.
  status_store_actor store;
  /// The config file's path, for the monitor ("" = none).
  std::string config_file;
  /// The statuses loaded at start-up, applied to the first config.
  std::shared_ptr<status_batch> restored;
  /// Remote workers' secret hashes (worker_secret.hpp) loaded at start-up,
  /// by shard: a worker that proves one is the same worker as before.
  std::map<std::string, std::string> worker_secret_hashes;
  /// The activity plots' sample interval; an hour of samples is kept.
  std::int64_t activity_sample_ms = 5000;
  /// Threads for the per-job work of a round (round_scheduler::set_threads):
  /// the actor's own pool thread, blocked for the round as before, plus
  /// round_threads - 1 helpers that sleep between rounds.
  unsigned round_threads = 1;
  /// The policy sends what it parks back in batches of this many while it
  /// plans, and the scheduler parks them meanwhile (round_input::park_sink);
  /// a round that parks fewer sends them with its plan.
  std::size_t park_batch_size = 16384;
  /// A round of a policy that plans by subtree with this many candidates
  /// or more is split over the round threads (round_input::
  /// min_split_candidates).
  std::size_t round_split_candidates = 65536;
};

/// Spawns the scheduler. Workers join with `join`; (config, tree) pairs
/// arrive from the nodes actor.
scheduler_actor spawn_scheduler(caf::actor_system& sys,
                                scheduler_options options);

}  // namespace bistro
