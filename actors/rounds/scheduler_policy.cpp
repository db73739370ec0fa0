#include "actors/rounds/scheduler_policy.hpp"

namespace bistro {

placement_outcome try_next(job_candidates& job, task_placer& placer) {
  auto outcome = placer.try_start(job.job, job.nodes.back());
  if (outcome == placement_outcome::job_stalled) {
    job.stalled = true;
  } else {
    job.nodes.pop_back();
  }
  return outcome;
}

}  // namespace bistro
