// `long_tail`: jobs with the fewest remaining candidates go first, so that
// nearly finished jobs finish; ties by priority, highest first; then each
// job starts every task it can, as in ranked_priority (Bistro's
// LongTailSchedulerPolicy).
//
// Stateless; safe to share between threads. Plain logic: no CAF include.
#pragma once

#include "actors/rounds/scheduler_policy.hpp"

namespace bistro {

class long_tail_policy final : public scheduler_policy {
 public:
  std::size_t schedule(std::vector<job_candidates>& jobs, task_placer& placer,
                       std::mt19937_64& rng) const override;
};

}  // namespace bistro
