#include "actors/policies/ranked_priority_policy.hpp"

#include <algorithm>

namespace bistro {

std::size_t start_all_of(job_candidates& job, task_placer& placer) {
  std::size_t started = 0;
  while (!job.exhausted()) {
    if (try_next(job, placer) == placement_outcome::started) ++started;
  }
  return started;
}

std::size_t ranked_priority_policy::schedule(std::vector<job_candidates>& jobs,
                                             task_placer& placer,
                                             std::mt19937_64&) const {
  std::vector<job_candidates*> order;
  order.reserve(jobs.size());
  for (auto& job : jobs) order.push_back(&job);
  std::stable_sort(order.begin(), order.end(),
                   [](const job_candidates* a, const job_candidates* b) {
                     return a->priority > b->priority;
                   });
  std::size_t started = 0;
  for (auto* job : order) started += start_all_of(*job, placer);
  return started;
}

}  // namespace bistro
