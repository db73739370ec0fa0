// Wall-clock time in ms since the epoch, as every actor stamps messages,
// statuses and logs. Only actors read the clock; the plain logic below them
// takes time as a parameter. Thread-safe.
#pragma once

#include <chrono>
#include <cstdint>

namespace bistro {

inline std::int64_t wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace bistro
