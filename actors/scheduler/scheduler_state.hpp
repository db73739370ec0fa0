// The scheduler actor's state and the functions its source files share
// (scheduler_actor.cpp: snapshots, the job actors, results;
// scheduler_rounds.cpp: rounds and run orders; scheduler_workers.cpp:
// remote workers and their health; scheduler_monitor.cpp: the monitor).
// Internal to actors/scheduler/; only the scheduler actor's own thread touches
// this state.
#pragma once

#include <array>
#include <boost/json/object.hpp>
#include <caf/all.hpp>
#include <chrono>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <unordered_map>
#include <unordered_set>

#include "actors/jobs/job_actor.hpp"
#include "actors/protocol/wall_clock.hpp"
#include "actors/rounds/round_scheduler.hpp"
#include "actors/rounds/task_exclusions.hpp"
#include "actors/scheduler/scheduler_actor.hpp"
#include "actors/scheduler/worker_directory.hpp"
#include "actors/state/activity_series.hpp"
#include "actors/state/event_log.hpp"
#include "actors/state/persist_queue.hpp"
#include "actors/state/run_table.hpp"
#include "actors/state/scheduler_metrics.hpp"

namespace bistro::scheduler_detail {

struct scheduler_state {
  scheduler_options options;
  /// The scheduler's clock: every timing decision reads it (see
  /// wall_clock.hpp), so tests can run it on CAF's manual clock.
  actor_wall_clock clock;
  config_ptr cfg;
  node_tree_ptr tree;
  /// Each job's actor (actors/jobs/job_actor.hpp), by the config's job
  /// index: the owner of its statuses.
  std::vector<job_actor> jobs;
  /// The actors of jobs that left the config, by name, with their
  /// statuses: a job that comes back gets its actor back.
  std::map<std::string, job_actor> parked_jobs;
  /// Events of each job's tasks not sent to its actor yet: they go as one
  /// message before anything else the scheduler asks of it (send_told).
  std::vector<std::vector<job_event>> told;
  /// Jobs told an event since their last round (whose `feed` sends their
  /// queue to the store) or `persist`.
  std::vector<std::uint8_t> unflushed;
  /// Each job's next backoff end, as its last feed said.
  std::vector<std::optional<std::int64_t>> backoff_due;
  /// Stopping: the job actors are sending what they queued to the store.
  bool stopping = false;
  round_scheduler rounds;
  std::mt19937_64 rng;
  /// Workers by worker_index, their health, secrets, drains and early
  /// joins (worker_directory.hpp).
  worker_directory workers;
  /// Who runs what: live runs, restored and lost ones, taken results,
  /// orphans (run_table.hpp).
  run_table runs;
  /// What the store said of its commits: counters and its failing state
  /// (persist_queue.hpp; the job actors queue the statuses themselves).
  persist_queue to_persist;
  bool startup_checked = false;
  std::int64_t started_ms = 0;
  bool round_in_flight = false;
  bool dirty = false;
  bool poke_queued = false;
  std::uint64_t timer_generation = 0;
  /// When the newest timer fires (now_ms time); none pending when empty. A
  /// round arms a timer only if none is due by then: one pending timer,
  /// not one per round.
  std::optional<std::int64_t> timer_due_ms;
  std::size_t last_round_starts = 0;
  /// Rounds and tasks counted since start, and their rates
  /// (scheduler_metrics.hpp).
  scheduler_metrics metrics;
  /// Current errors by source ("config", "nodes", "persist"): message
  /// and time; a good snapshot clears "config" and "nodes".
  std::map<std::string, std::pair<std::string, std::int64_t>> errors;
  /// When the running (config, tree) snapshot arrived.
  std::int64_t snapshot_ms = 0;
  /// The nodes each job does not run on, for the monitor (built on first
  /// use after each snapshot).
  task_exclusions_cache exclusions;
  /// The config watcher, which rewrites the file for save_job/delete_job.
  config_watcher_actor watcher;
  std::chrono::steady_clock::time_point round_began;
  /// Starts, finishes and failures per job, sampled for the page's plots
  /// (scheduler_activity.cpp).
  activity_series activity;
  /// Workers joined, lost and changing health, configs, kills: the
  /// operator's event log (scheduler_activity.cpp).
  event_log events;
  static inline const char* name = "scheduler";
};

using scheduler_ptr = scheduler_actor::stateful_pointer<scheduler_state>;

inline std::int64_t now_ms(scheduler_ptr self) {
  return self->state.clock.now_ms();
}

/// Something changed: run a round soon (coalesced).
void poke(scheduler_ptr self);
/// Takes a run's result: frees its slots and tells its job, whose index it
/// returns; none when it was ignored (a stale or unknown run, or one sent
/// to another worker than `r.worker`).
std::optional<std::size_t> on_result(scheduler_ptr self, const task_result& r);
std::optional<std::size_t> job_index_of(scheduler_ptr self,
                                        const std::string& name);

/// Tells job `job`'s actor of an event of its tasks (sent with the job's
/// other events before anything else it is asked: send_told); the status
/// it sets goes to the store with the job's next batch.
void tell_job(scheduler_ptr self, std::size_t job, job_event event);
/// Sends job `job`'s actor the events told since the last time, as one
/// message.
void send_told(scheduler_ptr self, std::size_t job);
/// Every job told an event since its last batch gets it and sends its
/// queue to the store.
void flush_jobs(scheduler_ptr self);
/// Calls `done` once every status the job actors queued so far is on disk
/// (sending their queues now; at once when nothing is queued or there is
/// no store); false when a commit failed.
void after_jobs_kept(scheduler_ptr self, std::function<void(bool)> done);
/// Calls `done` once each of `jobs` has everything it queued so far on
/// disk (false when a commit failed).
void after_kept(scheduler_ptr self, const std::vector<job_actor>& jobs,
                std::function<void(bool)> done);
/// After the start-up wait: restored runs no worker reported may run again.
void settle_unconfirmed(scheduler_ptr self, std::int64_t now);
/// Kills orphaned runs whose kill_orphan_tasks_after_sec has passed.
void kill_due_orphans(scheduler_ptr self, std::int64_t now);

// scheduler_rounds.cpp
/// Runs a round now, unless one is in flight (then another follows it).
void start_round(scheduler_ptr self);
/// Logs the stats line.
void log_stats(scheduler_ptr self);

/// The job actors send what they queued to the store, then the scheduler
/// quits with `reason`.
void stop(scheduler_ptr self, caf::error reason);

// scheduler_monitor.cpp
/// Answers one monitor request (actors/protocol/monitor.md).
caf::result<std::string> on_monitor(scheduler_ptr self,
                                    const std::string& request);
/// Takes a (time, rounds, finished) sample for the monitor's rates.
void sample_rates(scheduler_ptr self, std::int64_t now);

// scheduler_task_usage.cpp
/// What worker `w`'s runs use now, as its heartbeat reported them: kept on
/// each of its runs the scheduler knows (other reports are ignored).
void note_task_usage(scheduler_ptr self, worker_index w,
                     const std::vector<running_task_report>& running);
/// The in-process worker sends no heartbeats: on the worker-health timer
/// it is asked for its runs (`list`) and their usage is noted the same way.
void poll_local_usage(scheduler_ptr self);
/// The scheduler sent a kill order for `run` now.
void note_kill_sent(scheduler_ptr self, run_info& run);
// scheduler_activity.cpp
/// Adds an event to the operator's event log (event_log.hpp), at now.
void record_event(scheduler_ptr self, std::string kind, std::string subject,
                  std::string message);
/// Closes the activity sample when it is due, with the runs going on now.
void sample_activity(scheduler_ptr self, std::int64_t now);

// scheduler_workers.cpp
void add_local_worker(scheduler_ptr self, worker_actor worker,
                      const std::string& shard, const std::string& host);
caf::result<worker_welcome> on_hello(scheduler_ptr self, worker_hello& hello);
/// A heartbeat of worker instance (shard, start_ms), with its runs and
/// what they use now.
heartbeat_reply on_heartbeat(scheduler_ptr self, const std::string& shard,
                             std::int64_t start_ms,
                             const std::vector<running_task_report>& running);
/// The worker-health timer: transitions, healthchecks, losses.
void check_workers(scheduler_ptr self);
/// Workers waiting for the first config join the round state.
void join_early_workers(scheduler_ptr self);

}  // namespace bistro::scheduler_detail
