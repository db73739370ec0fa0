// Wall-clock time in ms since the epoch, as every actor stamps messages,
// statuses and logs. Only actors read the clock; the plain logic below them
// takes time as a parameter. Thread-safe.
//
// `actor_wall_clock` is the clock of actors whose timing decisions are
// tested deterministically (the scheduler): wall time when it was made,
// advanced by the actor system's clock. In a running system that is CAF's
// steady clock (backoffs are then immune to wall-clock jumps); under CAF's
// test coordinator it is the manual clock the test advances.
#pragma once

#include <caf/actor_clock.hpp>
#include <chrono>
#include <cstdint>

namespace bistro {

inline std::int64_t wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

class actor_wall_clock {
 public:
  actor_wall_clock() = default;
  explicit actor_wall_clock(const caf::actor_clock& clock)
      : clock_(&clock), base_ms_(wall_ms()), base_(clock.now()) {}

  std::int64_t now_ms() const {
    if (!clock_) return wall_ms();
    return base_ms_ + std::chrono::duration_cast<std::chrono::milliseconds>(
                          clock_->now() - base_)
                          .count();
  }

 private:
  const caf::actor_clock* clock_ = nullptr;
  std::int64_t base_ms_ = 0;
  caf::actor_clock::time_point base_{};
};

}  // namespace bistro
