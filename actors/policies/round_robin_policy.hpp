// `roundrobin`: cycles over the jobs in order, starting at most one task per
// job per cycle, until no job can start anything more (Bistro's
// RoundRobinSchedulerPolicy). Every job gets an equal share of free slots.
// A big round is planned by subtree (plans_by_subtree): each part of the
// tree cycles over the jobs on its own thread, so each job still gets an
// equal share of every part and of what the parts share.
//
// Stateless; safe to share between threads. Plain logic: no CAF include.
#pragma once

#include "actors/rounds/scheduler_policy.hpp"

namespace bistro {

class round_robin_policy final : public scheduler_policy {
 public:
  std::size_t schedule(std::vector<job_candidates>& jobs, task_placer& placer,
                       std::mt19937_64& rng) const override;
  bool plans_by_subtree() const override { return true; }
};

}  // namespace bistro
