// A scheduling policy decides in which order a round tries its candidate
// tasks (Bistro's SchedulerPolicy). It sees each runnable job with the nodes
// where that job could start a task, and asks a `task_placer` to start them
// one at a time. The placer owns the resource arithmetic (a copy of the
// free-slot ledger) and the choice of worker, so a policy is only an
// ordering: a pure function of its candidates, the placer's answers and the
// random generator it is handed.
//
// A stateless policy (`scheduler_policy`) may serve any number of threads
// at once. A stateful one (`stateful_policy`: fair_share) also learns what
// each round saw before it plans, and keeps that across rounds: one
// instance per policy actor, used by that actor alone. A placer and a
// candidate list belong to one round, on one thread. Plain logic: no CAF
// include.
#pragma once

#include <cstddef>
#include <cstdint>
#include <random>
#include <span>
#include <vector>

#include "actors/nodes/node_tree.hpp"

namespace bistro {

/// Index into `config::jobs`.
using job_index = std::uint32_t;

/// What became of one attempt to start a task.
enum class placement_outcome {
  /// The task starts; its resources are taken.
  started,
  /// Not now: a slot on the node's chain or its worker is full. The
  /// candidate is used up for this round.
  blocked,
  /// Nothing of this job can start this round (instance slots or every
  /// worker are full). The candidate is kept for the next round.
  job_stalled,
};

/// The policy's one window onto resources. Implemented by the scheduler.
class task_placer {
 public:
  virtual ~task_placer() = default;
  /// Tries to start `job` on `node`; a candidate must be tried once only.
  virtual placement_outcome try_start(job_index job, node_id node) = 0;
};

/// One runnable job and the nodes it could start tasks on.
struct job_candidates {
  job_index job = 0;
  double priority = 1.0;
  /// Every candidate the job has, including those not offered this round
  /// because they wait for a slot: the long tail policy ranks by it.
  std::size_t remaining = 0;
  /// Tried from the back; a policy pops what it has tried.
  std::vector<node_id> nodes;
  /// Set by `try_next` when the job cannot start anything this round.
  bool stalled = false;

  bool exhausted() const { return stalled || nodes.empty(); }
};

/// Tries the job's next candidate (the back of `nodes`). `started` and
/// `blocked` consume it; `job_stalled` keeps it and stalls the job.
placement_outcome try_next(job_candidates& job, task_placer& placer);

class scheduler_policy {
 public:
  virtual ~scheduler_policy() = default;
  /// Starts tasks through `placer` in the policy's order until no job can
  /// start more; returns how many started. Untried nodes stay in `jobs`.
  virtual std::size_t schedule(std::vector<job_candidates>& jobs,
                               task_placer& placer,
                               std::mt19937_64& rng) const = 0;
  /// Whether the policy keeps its meaning when a big round is planned as
  /// one `schedule` per part of the tree (the subtrees under the
  /// instance's children), the parts on several threads at once and
  /// racing only for what they share: the instance's slots and the
  /// workers. True for an order that is per job and local (round robin:
  /// each part cycles over the jobs); false, the default, for a global
  /// order (ranked priority, long tail, fair share).
  virtual bool plans_by_subtree() const { return false; }
};

/// What a stateful policy learns of a round before it plans it.
struct policy_round_facts {
  const config& cfg;
  /// The scheduler's time for this round.
  std::int64_t now_ms = 0;
  /// Tasks running when the round began, indexed like `config::jobs`.
  std::span<const std::uint32_t> running_per_job;
};

/// A policy with memory across rounds. `observe` comes before each
/// `schedule`, with the same round's facts; `started` after it, with how
/// many tasks of each job (config::jobs order) the round started.
class stateful_policy : public scheduler_policy {
 public:
  virtual void observe(const policy_round_facts& round) = 0;
  virtual void started(std::span<const std::uint32_t> per_job) = 0;
};

}  // namespace bistro
