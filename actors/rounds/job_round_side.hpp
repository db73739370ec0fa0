// One job's half of a round: all a round asks of a job's statuses, apart
// from the slots, the workers and the wait lists, which the round engine
// keeps for all jobs. Each question takes the job's row and plain values
// and answers with plain values, so that it can become a message to the
// job's owner:
// - `take_feed`: the row's changes since the last round (which tasks turned
//   runnable, which are done, for the jobs that depend on this one);
// - `told_done`: what a dependency reported done (a batch per round; after
//   a reset, its `done_tasks` whole): a job's candidates never read another
//   job's row;
// - `scan` (after a reset) and `validate` (the tasks a round looks at
//   again): which are candidates now;
// - `accept_starts`: the round took slots for these tasks; the job marks
//   each one its row still allows running and refuses the others, whose
//   slots the round gives back.
// A (job, node) is a candidate when the job may run, the node is one of its
// tasks (a canonical node on its level_for_tasks), enabled with enabled
// ancestors that pass its filters (task_eligibility, shared read-only),
// its status is runnable now, and every depends_on job is done on it.
//
// Not thread-safe: one owner at a time; the sides of different jobs share
// nothing writable, so they may answer on different threads at once.
// Plain logic: no CAF include.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <utility>
#include <vector>

#include "actors/jobs/job_status_row.hpp"
#include "actors/rounds/level_slots.hpp"
#include "actors/rounds/resource_ledger.hpp"
#include "actors/rounds/scheduler_policy.hpp"
#include "actors/rounds/task_eligibility.hpp"
#include "config/config.hpp"

namespace bistro {

/// A round's first question to a job, at `now_ms`: its change feed; after
/// a reset (`scan`), its feed is stale (dropped) and only its done tasks
/// are asked for. `report_done`: the job has dependents, which learn its
/// done tasks from the answer.
struct job_feed_question {
  std::int64_t now_ms = 0;
  bool scan = false;
  bool report_done = false;
};

/// The answer: the tasks that turned runnable since the last feed, the
/// done ones (when asked: since the last feed, or after a reset all of
/// them), and the job's running tasks and next backoff end as it answered
/// (a stateful policy's fact; the scheduler's next wake-up).
struct job_feed {
  std::vector<node_id> runnable;
  std::vector<node_id> done;
  std::uint32_t running = 0;
  std::optional<std::int64_t> next_backoff_ms;
};

/// A round's second question, to a job with something to look at: what
/// its dependencies are done on (dependency number in depends_on order,
/// its done tasks, shared by every dependent), and the tasks to look at
/// again; after a reset (`scan`), every task.
struct job_check_question {
  std::int64_t now_ms = 0;
  bool scan = false;
  std::vector<
      std::pair<std::uint32_t, std::shared_ptr<const std::vector<node_id>>>>
      told;
  std::vector<node_id> pending;
  bool empty() const { return !scan && told.empty() && pending.empty(); }
};

/// The answer: the candidates among them (after a reset: every candidate,
/// last first) and the rest.
struct job_check {
  std::vector<node_id> candidates;
  std::vector<node_id> rest;
};

/// A round's last question: it took slots for these tasks; `records`
/// asks for each accepted start's status.
struct job_starts {
  std::int64_t now_ms = 0;
  std::vector<node_id> nodes;
  /// Where each would run (by nodes).
  std::vector<worker_index> workers;
  bool records = false;
};

/// The answer: `accepted[i]` for nodes[i]; with records, `records[i]` is
/// an accepted start's status (running, with the status before the run).
struct job_started {
  std::vector<std::uint8_t> accepted;
  std::vector<status_record> records;
};

class job_round_side {
 public:
  /// What a reset shares with every job's side, read-only.
  struct facts {
    std::shared_ptr<const level_slots> slots;
    std::shared_ptr<const task_eligibility> eligibility;
    /// Each level's task order when the config's node_order is not the
    /// tree's (empty per level otherwise).
    std::shared_ptr<const std::vector<std::vector<node_id>>> order;
  };

  /// For a new config or tree: job `job` of `cfg`, with
  /// `num_dependencies` depends_on jobs it was told nothing of yet;
  /// `blocked` (an unknown dependency) keeps it from ever running.
  void reset(job_index job, const job_config& cfg, facts shared,
             std::size_t num_dependencies, bool blocked);

  /// Whether the job has candidates at all (runnable, not blocked).
  bool may_run() const { return may_run_; }

  using feed = job_feed;
  /// The row's changes since the last take, as they stand at `now_ms`.
  feed take_feed(job_status_row& row, std::int64_t now_ms,
                 bool report_done) const;
  /// Every done task of the row: what dependents are told after a reset.
  std::vector<node_id> done_tasks(const job_status_row& row) const;
  /// Dependency number `k` (in depends_on order) is done on `nodes`.
  void told_done(std::size_t k, std::span<const node_id> nodes);

  /// After a reset: every candidate, in the job's order, last first (the
  /// back of the list is tried first).
  std::vector<node_id> scan(const job_status_row* row,
                            std::int64_t now_ms) const;
  /// Splits `nodes` into candidates (kept in `nodes`, in order) and the
  /// rest (returned).
  std::vector<node_id> validate(const job_status_row* row,
                                std::vector<node_id>& nodes,
                                std::int64_t now_ms) const;
  bool is_candidate(const job_status_row* row, node_id node,
                    std::int64_t now_ms) const;

  /// The round took slots for `nodes`: marks running each one the row
  /// still allows to start (`accepted[i]` = 1) and refuses the others.
  /// With `records`, `(*records)[i]` is an accepted start's status as it
  /// stands now (running, with the status before the run): what its run
  /// order's `prev_status` and the store need.
  void accept_starts(job_status_row& row, std::span<const node_id> nodes,
                     std::int64_t now_ms, std::vector<std::uint8_t>& accepted,
                     std::vector<status_record>* records = nullptr) const;

  /// The three questions above, answered over the job's row (null: a job
  /// without one answers that nothing is a candidate).
  job_feed answer(job_status_row& row, const job_feed_question& q) const;
  job_check answer(const job_status_row* row, job_check_question q);
  job_started answer(job_status_row& row, const job_starts& q) const;

  std::size_t memory_bytes() const;

 private:
  bool is_task(node_id node) const {
    const auto& tree = shared_.slots->tree();
    return node < tree.size() && tree.level(node) == level_ &&
           (!shared_.slots->any_replicas() ||
            shared_.slots->canonical(node) == node);
  }
  bool all_dependencies_done(node_id node) const;

  job_index job_ = 0;
  level_id level_ = 0;
  bool may_run_ = false;
  facts shared_;
  // [dependency number][slot on the job's level]: done there.
  std::vector<std::vector<std::uint8_t>> done_;
};

}  // namespace bistro
