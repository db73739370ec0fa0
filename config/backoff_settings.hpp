// A job's retry schedule (`backoff`): positive, strictly increasing waits in
// seconds, then either "repeat" (keep waiting the last value) or "fail".
//
// A value type: immutable once parsed, safe to share between threads.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace bistro {

class backoff_settings {
 public:
  /// Bistro's default: [15, 30, 60, 300, 900, 3600, 7200, 21600, 86400,
  /// "repeat"].
  static backoff_settings bistro_default();

  backoff_settings() = default;
  backoff_settings(std::vector<std::int32_t> seconds, bool repeat);

  /// The wait after the error number `step` (1-based), or nullopt when the
  /// task has run out of retries and becomes failed.
  std::optional<std::int32_t> wait_for_error(std::int32_t step) const;

  const std::vector<std::int32_t>& seconds() const { return seconds_; }
  bool repeat() const { return repeat_; }

  friend bool operator==(const backoff_settings&,
                         const backoff_settings&) = default;

 private:
  std::vector<std::int32_t> seconds_;
  bool repeat_ = false;
};

}  // namespace bistro
