// `randomized_priority`: draws a job with probability priority / (sum of
// priorities), tries to start one of its tasks, and repeats until no job can
// start more (Bistro's RandomizedPrioritySchedulerPolicy). Jobs of priority
// <= 0 are drawn only when every remaining job has priority <= 0, uniformly.
//
// Stateless; safe to share between threads. The draws come from the
// generator passed in, so a fixed seed gives a fixed schedule on every
// platform. Plain logic: no CAF include.
#pragma once

#include "actors/rounds/scheduler_policy.hpp"

namespace bistro {

class randomized_priority_policy final : public scheduler_policy {
 public:
  std::size_t schedule(std::vector<job_candidates>& jobs, task_placer& placer,
                       std::mt19937_64& rng) const override;
};

}  // namespace bistro
