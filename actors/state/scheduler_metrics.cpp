#include "actors/state/scheduler_metrics.hpp"

namespace bistro {

void scheduler_metrics::round_done(double seconds, std::size_t starts,
                                   bool split) {
  ++rounds_;
  if (split) ++rounds_split_;
  tasks_started_ += starts;
  round_seconds_ += seconds;
  std::size_t bucket = 0;
  while (bucket < round_bucket_bounds.size() &&
         seconds > round_bucket_bounds[bucket])
    ++bucket;
  ++round_buckets_[bucket];
}

void scheduler_metrics::task_finished(bool failed) {
  ++tasks_finished_;
  if (failed) ++tasks_errors_;
}

void scheduler_metrics::sample(std::int64_t now_ms) {
  samples_.push_back({now_ms, rounds_, tasks_finished_});
  while (samples_.size() > 2 && samples_[1].time_ms <= now_ms - 10000)
    samples_.pop_front();
}

scheduler_metrics::rates scheduler_metrics::rates_at(
    std::int64_t now_ms) const {
  rates out;
  if (samples_.empty() || now_ms <= samples_.front().time_ms) return out;
  const auto& first = samples_.front();
  double secs = static_cast<double>(now_ms - first.time_ms) / 1000.0;
  out.rounds_per_s = static_cast<double>(rounds_ - first.rounds) / secs;
  out.tasks_per_s =
      static_cast<double>(tasks_finished_ - first.finished) / secs;
  return out;
}

}  // namespace bistro
