// Which nodes each job may run tasks on, as far as the config and the tree
// decide: the node and every ancestor enabled, and passing the job's filter
// on every level from the instance down to the task's level. Filters
// (regexes included) run once per (job, node) when the config or the tree
// changes, never per round; a round tests one bit.
//
// Worker-level filters are about workers, not nodes: `allows_worker` applies
// them to a worker's host (as Bistro does), when the worker joins.
//
// Built once per (config, tree), each job's bits on one of the round's
// threads when it is given them, then read-only: safe to share between
// threads. Plain logic: no CAF include.
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "actors/nodes/node_tree.hpp"
#include "actors/rounds/round_threads.hpp"
#include "actors/rounds/scheduler_policy.hpp"
#include "config/config.hpp"

namespace bistro {

class task_eligibility {
 public:
  /// With `threads`, the jobs' filters run on them, a job per item.
  task_eligibility(const config& cfg, const node_tree& tree,
                   round_threads* threads = nullptr);

  /// Whether `job` may run on entry `n` (a replica is judged by its own
  /// ancestors). False for jobs that cannot run at all.
  bool allows(job_index job, node_id n) const {
    const auto& bits = bits_[job];
    return bits && (((*bits)[n >> 6] >> (n & 63)) & 1u);
  }

  /// Whether `job`'s worker-level filter lets a worker on `host` through.
  static bool allows_worker(const config& cfg, const job_config& job,
                            std::string_view host);

  /// Heap bytes held, for benchmarks.
  std::size_t memory_bytes() const;

 private:
  using bitset = std::vector<std::uint64_t>;
  std::vector<std::shared_ptr<const bitset>> bits_;  // per job
};

}  // namespace bistro
