// The scheduler's counters since start: rounds (how many, how long, a
// histogram of their durations), tasks started, finished and failed, and
// the rates over the last ~10 s from timed samples. They feed the stats
// line, the monitor's `status` and `metrics` (and so /metrics).
//
// Plain logic, time passed in, no CAF: the scheduler actor owns one and
// only its thread touches it (scheduler_state.hpp).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <deque>

namespace bistro {

class scheduler_metrics {
 public:
  /// Upper bounds (seconds) of the round-duration histogram's buckets; the
  /// last bucket counts everything slower.
  static constexpr std::array<double, 9> round_bucket_bounds{
      0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 2.5};
  using round_buckets_type = std::array<std::uint64_t, 10>;

  struct rates {
    double rounds_per_s = 0;
    double tasks_per_s = 0;
  };

  /// A round took `seconds` and started `starts` tasks; `split` when its
  /// plan ran by subtree on several threads.
  void round_done(double seconds, std::size_t starts, bool split = false);
  /// A run ended; `failed` when it ended error_backoff or failed.
  void task_finished(bool failed);
  /// A run that no round charged ended (it went on while the scheduler was
  /// down): finished, but not counted as an error.
  void late_task_finished() { ++tasks_finished_; }

  /// Takes a (time, rounds, finished) sample; keeps ~10 s of them.
  void sample(std::int64_t now_ms);
  /// Rounds and finished tasks per second since the oldest sample kept (0
  /// before two samples apart in time).
  rates rates_at(std::int64_t now_ms) const;

  std::uint64_t rounds() const { return rounds_; }
  /// Rounds whose plan ran by subtree on several threads.
  std::uint64_t rounds_split() const { return rounds_split_; }
  std::uint64_t tasks_started() const { return tasks_started_; }
  std::uint64_t tasks_finished() const { return tasks_finished_; }
  std::uint64_t tasks_errors() const { return tasks_errors_; }
  double round_seconds() const { return round_seconds_; }
  /// Rounds per duration bucket (not cumulative).
  const round_buckets_type& round_buckets() const { return round_buckets_; }

 private:
  struct sample_point {
    std::int64_t time_ms;
    std::uint64_t rounds;
    std::uint64_t finished;
  };
  std::uint64_t rounds_ = 0;
  std::uint64_t rounds_split_ = 0;
  std::uint64_t tasks_started_ = 0;
  std::uint64_t tasks_finished_ = 0;
  std::uint64_t tasks_errors_ = 0;
  double round_seconds_ = 0;
  round_buckets_type round_buckets_{};
  std::deque<sample_point> samples_;
};

}  // namespace bistro
