// `roundrobin`: cycles over the jobs in order, starting at most one task per
// job per cycle, until no job can start anything more (Bistro's
// RoundRobinSchedulerPolicy). Every job gets an equal share of free slots.
//
// Stateless; safe to share between threads. Plain logic: no CAF include.
#pragma once

#include "actors/rounds/scheduler_policy.hpp"

namespace bistro {

class round_robin_policy final : public scheduler_policy {
 public:
  std::size_t schedule(std::vector<job_candidates>& jobs, task_placer& placer,
                       std::mt19937_64& rng) const override;
};

}  // namespace bistro
