// Sums of int64 times and durations that stop at the type's limits instead
// of overflowing (undefined behaviour): deadlines built from values a
// remote peer or a flag supplied, where "later than any clock" is the right
// answer to a sum too large to hold. Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <limits>

namespace bistro {

/// a + b, clamped to the range of std::int64_t.
constexpr std::int64_t saturating_add(std::int64_t a, std::int64_t b) {
  std::int64_t sum = 0;
  if (!__builtin_add_overflow(a, b, &sum)) return sum;
  return b > 0 ? std::numeric_limits<std::int64_t>::max()
               : std::numeric_limits<std::int64_t>::min();
}

}  // namespace bistro
