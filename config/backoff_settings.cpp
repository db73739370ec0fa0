#include "config/backoff_settings.hpp"

#include <utility>

namespace bistro {

backoff_settings backoff_settings::bistro_default() {
  return backoff_settings{{15, 30, 60, 300, 900, 3600, 7200, 21600, 86400},
                          true};
}

backoff_settings::backoff_settings(std::vector<std::int32_t> seconds,
                                   bool repeat)
    : seconds_(std::move(seconds)), repeat_(repeat) {}

std::optional<std::int32_t> backoff_settings::wait_for_error(
    std::int32_t step) const {
  if (step < 1 || seconds_.empty()) return std::nullopt;
  auto index = static_cast<std::size_t>(step - 1);
  if (index < seconds_.size()) return seconds_[index];
  if (repeat_) return seconds_.back();
  return std::nullopt;
}

}  // namespace bistro
