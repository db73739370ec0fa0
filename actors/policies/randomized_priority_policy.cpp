#include "actors/policies/randomized_priority_policy.hpp"

#include <algorithm>

namespace bistro {

namespace {

// A uniform double in [0, 1) from the generator's raw bits: unlike
// std::uniform_real_distribution, the same on every standard library.
double unit_draw(std::mt19937_64& rng) {
  return static_cast<double>(rng() >> 11) * 0x1.0p-53;
}

double weight_of(const job_candidates& job, bool uniform) {
  if (job.exhausted()) return 0.0;
  return uniform ? 1.0 : std::max(job.priority, 0.0);
}

// The index of a live job drawn by weight, or jobs.size() when none is left.
std::size_t draw_job(const std::vector<job_candidates>& jobs,
                     std::mt19937_64& rng) {
  for (bool uniform : {false, true}) {
    double total = 0.0;
    for (const auto& job : jobs) total += weight_of(job, uniform);
    if (total <= 0.0) continue;
    double point = unit_draw(rng) * total;
    std::size_t last_live = jobs.size();
    for (std::size_t i = 0; i < jobs.size(); ++i) {
      double w = weight_of(jobs[i], uniform);
      if (w <= 0.0) continue;
      last_live = i;
      if (point < w) return i;
      point -= w;
    }
    return last_live;  // rounding left `point` just past the end
  }
  return jobs.size();
}

}  // namespace

std::size_t randomized_priority_policy::schedule(
    std::vector<job_candidates>& jobs, task_placer& placer,
    std::mt19937_64& rng) const {
  std::size_t started = 0;
  for (;;) {
    std::size_t i = draw_job(jobs, rng);
    if (i == jobs.size()) return started;
    auto& job = jobs[i];
    while (!job.exhausted()) {
      if (try_next(job, placer) == placement_outcome::started) {
        ++started;
        break;
      }
    }
  }
}

}  // namespace bistro
