#include "actors/policies/round_robin_policy.hpp"

namespace bistro {

std::size_t round_robin_policy::schedule(std::vector<job_candidates>& jobs,
                                         task_placer& placer,
                                         std::mt19937_64&) const {
  std::size_t started = 0;
  bool any_left = true;
  while (any_left) {
    any_left = false;
    for (auto& job : jobs) {
      // One start per job per cycle: blocked candidates are used up on the
      // way, so every cycle makes progress.
      while (!job.exhausted()) {
        if (try_next(job, placer) == placement_outcome::started) {
          ++started;
          break;
        }
      }
      any_left = any_left || !job.exhausted();
    }
  }
  return started;
}

}  // namespace bistro
