// `ranked_priority`: jobs by priority, highest first; each job starts every
// task it can before the next job gets a turn (Bistro's
// RankedPrioritySchedulerPolicy). Equal priorities keep config order.
//
// Stateless; safe to share between threads. Plain logic: no CAF include.
#pragma once

#include "actors/rounds/scheduler_policy.hpp"

namespace bistro {

class ranked_priority_policy final : public scheduler_policy {
 public:
  std::size_t schedule(std::vector<job_candidates>& jobs, task_placer& placer,
                       std::mt19937_64& rng) const override;
};

/// Starts everything `job` can start; shared by ranked and long tail.
std::size_t start_all_of(job_candidates& job, task_placer& placer);

}  // namespace bistro
