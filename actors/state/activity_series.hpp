// The scheduler's recent activity as a time series, for the web page's
// plots: every `interval_ms` a sample closes with the tasks running at that
// moment and the starts, finishes and failures counted since the previous
// sample, in total and per job. A ring of `capacity` samples (an hour of
// 5 s samples by default) keeps memory bounded whatever runs; a job appears
// in a sample only when it had something running or happening, so idle jobs
// cost nothing.
//
// Plain logic: no CAF, no clock (times are passed in). Not thread-safe: one
// owner (the scheduler actor) calls it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace bistro {

/// What one sample counts, for one job or in total.
struct activity_counts {
  /// Tasks running when the sample closed.
  std::uint32_t running = 0;
  /// Runs started, ended (any status) and ended failing (error_backoff or
  /// failed) during the sample's span.
  std::uint32_t started = 0;
  std::uint32_t finished = 0;
  std::uint32_t failed = 0;

  bool empty() const {
    return running == 0 && started == 0 && finished == 0 && failed == 0;
  }
  friend bool operator==(const activity_counts&,
                         const activity_counts&) = default;
};

struct activity_sample {
  /// When the sample closed, and how long it spans (the time since the
  /// previous one closed: longer than the interval when samples were late).
  std::int64_t time_ms = 0;
  std::int64_t span_ms = 0;
  activity_counts total;
  /// Jobs with anything to count, by name.
  std::vector<std::pair<std::string, activity_counts>> jobs;
};

class activity_series {
 public:
  /// Samples every `interval_ms` (at least 1), keeping the newest
  /// `capacity` (at least 1). The first sample spans from `start_ms`.
  activity_series(std::int64_t interval_ms = 5000, std::size_t capacity = 720,
                  std::int64_t start_ms = 0);

  /// A run of `job` started / ended now (failed: it ended error_backoff or
  /// failed).
  void started(std::string_view job);
  void finished(std::string_view job, bool failed);

  /// Whether the open sample is due to close at `now_ms`.
  bool due(std::int64_t now_ms) const {
    return now_ms - open_since_ms_ >= interval_ms_;
  }
  /// Closes the open sample at `now_ms` with the tasks running per job now,
  /// and opens the next. Does nothing before `now_ms` is past the open
  /// sample's start.
  void close(std::int64_t now_ms,
             const std::unordered_map<std::string, std::uint32_t>& running);

  /// The kept samples, oldest first, closed at `since_ms` or later.
  std::vector<const activity_sample*> samples(std::int64_t since_ms = 0) const;
  std::size_t size() const { return size_; }
  std::size_t capacity() const { return ring_.size(); }
  std::int64_t interval_ms() const { return interval_ms_; }

 private:
  struct open_counts {
    std::uint32_t started = 0, finished = 0, failed = 0;
  };
  /// Looks names up without a copy: one lookup per task start and end.
  struct name_hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const {
      return std::hash<std::string_view>{}(s);
    }
  };
  open_counts& open_for(std::string_view job);

  std::int64_t interval_ms_;
  std::int64_t open_since_ms_;
  std::unordered_map<std::string, open_counts, name_hash, std::equal_to<>>
      open_;
  open_counts open_total_;
  std::vector<activity_sample> ring_;
  std::size_t next_ = 0;  // where the next sample goes
  std::size_t size_ = 0;
};

}  // namespace bistro
