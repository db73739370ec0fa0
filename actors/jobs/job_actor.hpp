// A job's actor: the one owner of that job's task statuses. It holds the
// job's status row (statuses, backoff, previous data), its half of a round
// (actors/rounds/job_round_side.hpp: its change feed, what its dependencies
// told it, its candidates, its word on a start) and the queue of its status
// changes on their way to the status store, which it sends itself. The
// scheduler spawns one per job it sees (linked: they end together), keeps
// the actor of a job that leaves the config with its row (parked, as
// Bistro keeps a deleted job's statuses) and gives it back its statuses
// when the job returns: `update` re-indexes the row by node name.
//
// Only the scheduler talks to a job actor (protocol.hpp's job_actor): the
// round's three questions, the events of the job's tasks (results, losses,
// adoptions; sent in batches, in order), the monitor's questions about its
// statuses (counts, Bistro's histogram, failed tasks, pages of tasks,
// single tasks), and `persist` (send
// the queue to the store; with `ack`, answered once everything queued so far is
// on disk). A result's acknowledgement is the worker's request, delegated here
// by the scheduler after the result: the worker keeps it until this job's batch
// holding its status is on disk.
//
// Thread contract: an event-based actor on CAF's pool; its state is its
// own. What it is given (config, tree, the round's shared facts) is
// immutable and shared read-only.
#pragma once

#include <caf/fwd.hpp>
#include <cstdint>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "actors/jobs/job_status_row.hpp"
#include "actors/monitor/job_questions.hpp"
#include "actors/protocol/protocol.hpp"
#include "actors/rounds/job_round_side.hpp"

namespace bistro {

/// A (config, tree) for a job actor: its job's index in `cfg`, the round's
/// shared facts and the job's dependencies (job_round_side::reset), the
/// statuses loaded at start-up for it (the first snapshot only), and the
/// tasks that run now (marked running unless they are).
struct job_reset {
  job_index job = 0;
  config_ptr cfg;
  node_tree_ptr tree;
  job_round_side::facts facts;
  std::size_t num_dependencies = 0;
  bool blocked = false;
  std::vector<std::pair<node_id, status_record>> restored;
  std::vector<std::pair<node_id, std::int64_t /*start_ms*/>> running;
};

/// What the store keeps of the run a status belongs to.
struct run_note {
  std::uint64_t run_id = 0;
  std::string worker;
  std::int64_t start_ms = 0;
  std::int64_t end_ms = 0;
};

/// The round took slots for these tasks, and these runs would start them.
struct job_start_order {
  job_starts starts;
  std::vector<run_note> runs;  // by starts.nodes
};

/// A run ended with `status` (backoffs count from `now_ms`, the
/// scheduler's clock).
struct task_ended {
  node_id node = 0;
  parsed_status status;
  std::int64_t now_ms = 0;
  run_note run;
};

/// The result of a run the scheduler no longer tracks: one that went on
/// while it was down (`restored`: taken while the task still shows it
/// running) or one given up with its lost worker (taken unless the task
/// ran again or is done). `what` names the task for the log.
struct late_task_ended {
  task_ended ended;
  bool restored = false;
  std::string what;
};

/// The run's worker was lost: "worker lost", waiting at least
/// `min_wait_ms`.
struct task_lost {
  node_id node = 0;
  std::int64_t now_ms = 0;
  std::int64_t min_wait_ms = 0;
  std::string message;
  run_note run;
};

/// A worker reported a run the scheduler did not know (after a restart).
struct task_adopted {
  node_id node = 0;
  run_note run;
};

/// After the start-up wait: these tasks were running before a restart and
/// no worker reported them; they were not running.
struct runs_unconfirmed {
  std::vector<node_id> nodes;
  std::int64_t now_ms = 0;
};

/// forgive_jobs: failed and backed-off tasks may run again.
struct tasks_forgiven {};

struct job_event {
  std::variant<task_ended, late_task_ended, task_lost, task_adopted,
               runs_unconfirmed, tasks_forgiven>
      what;
};

/// The monitor's question about the job's statuses, with the exclusions of
/// the (config, tree) it was made for (shared, read-only) and the time.
struct job_monitor_question {
  job_question question;
  std::shared_ptr<const task_exclusions> exclusions;
  std::int64_t now_ms = 0;
};

struct job_actor_options {
  /// Where its statuses go (null: nothing is kept).
  status_store_actor store;
};

/// Spawns a job's actor linked to `parent` (the scheduler).
job_actor spawn_job_actor(caf::local_actor* parent, job_actor_options options);

}  // namespace bistro
