#include "actors/policies/long_tail_policy.hpp"

#include <algorithm>

#include "actors/policies/ranked_priority_policy.hpp"

namespace bistro {

std::size_t long_tail_policy::schedule(std::vector<job_candidates>& jobs,
                                       task_placer& placer,
                                       std::mt19937_64&) const {
  std::vector<job_candidates*> order;
  order.reserve(jobs.size());
  for (auto& job : jobs) order.push_back(&job);
  std::stable_sort(order.begin(), order.end(),
                   [](const job_candidates* a, const job_candidates* b) {
                     if (a->remaining != b->remaining) {
                       return a->remaining < b->remaining;
                     }
                     return a->priority > b->priority;
                   });
  std::size_t started = 0;
  for (auto* job : order) started += start_all_of(*job, placer);
  return started;
}

}  // namespace bistro
