// What each job was told of the tasks its dependencies finished: for every
// job with `depends_on`, one byte per (dependency, task node) saying the
// dependency is done on that node. A job's candidates read this, never
// another job's row: a dependency's done tasks come as batches, taken
// from its row's change feed (job_status_row::take_changes) each round,
// and as a whole at a reset (`fill`), the way a job's owner tells its
// dependents.
//
// A node off the dependent's task level has no byte: it is never a task
// of the dependent. Each dependent's bytes are its own: `fill` for
// different dependents may run on different threads, and the readers
// after them; `deliver` runs where batches cross jobs (one thread). Plain
// logic: no CAF include.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "actors/jobs/job_status_row.hpp"
#include "actors/rounds/level_slots.hpp"
#include "actors/rounds/scheduler_policy.hpp"
#include "config/config.hpp"

namespace bistro {

class dependency_done {
 public:
  /// Nothing done, sized for each job's `depends_on` (by job index, as
  /// `depends_on[job]` lists them) on the tree.
  void reset(const config& cfg, std::shared_ptr<const level_slots> slots,
             const std::vector<std::vector<job_index>>& depends_on);

  /// Job `job`'s dependency number `k`: every task done in `row`, the
  /// dependency's row at a reset.
  void fill(job_index job, std::size_t k, const job_status_row& row);
  /// Job `job`'s dependency number `k` is done on `nodes`.
  void deliver(job_index job, std::size_t k, std::span<const node_id> nodes);

  /// Whether every dependency of `job` is done on `node` (true for a job
  /// without dependencies).
  bool all_done(job_index job, node_id node) const {
    const auto& deps = done_[job];
    if (deps.empty()) return true;
    if (!is_task(job, node)) return false;
    const auto slot = slots_->slot(node);
    for (const auto& done : deps)
      if (!done[slot]) return false;
    return true;
  }

  std::size_t memory_bytes() const;

 private:
  /// Whether `node` is a canonical node on `job`'s level.
  bool is_task(job_index job, node_id node) const {
    const auto& tree = slots_->tree();
    return node < tree.size() && tree.level(node) == level_[job] &&
           (!slots_->any_replicas() || slots_->canonical(node) == node);
  }

  std::shared_ptr<const level_slots> slots_;
  std::vector<level_id> level_;  // per job
  // [job][dependency number][slot on the job's level]
  std::vector<std::vector<std::vector<std::uint8_t>>> done_;
};

}  // namespace bistro
