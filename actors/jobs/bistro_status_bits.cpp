#include "actors/jobs/bistro_status_bits.hpp"

#include <string_view>

namespace bistro::status_bits {

std::uint32_t of_label(status_label label) {
  switch (label) {
    case status_label::never_started:
      return 0;
    case status_label::running:
      return running;
    case status_label::done:
      return done;
    case status_label::incomplete:
      return incomplete;
    case status_label::incomplete_backoff:
      return incomplete | uses_backoff | does_not_advance_backoff;
    case status_label::error_backoff:
      return error | uses_backoff;
    case status_label::failed:
      return failed;
    case status_label::was_not_running:
      return error | overwriteable;
    case status_label::worker_lost:
      return error | uses_backoff | has_saved_backoff | overwriteable;
  }
  return error | uses_backoff;  // a label past the enum: as apply() treats it
}

std::uint32_t in_monitor(const status_record& status, std::int64_t now_ms) {
  auto bits = of_label(status.label);
  if (bits == 0) return 0;
  if (status.backoff_until_ms <= now_ms) bits &= ~uses_backoff;
  if (status.overwriteable) bits |= overwriteable;
  return bits;
}

std::string histogram_key(std::uint32_t bits) {
  static constexpr std::string_view code =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out(1, code[bits & 63]);
  if (bits >> 6) out += code[(bits >> 6) & 63];
  return out;
}

}  // namespace bistro::status_bits
