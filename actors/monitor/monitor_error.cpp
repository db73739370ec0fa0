#include "actors/monitor/monitor_error.hpp"

#include <array>

namespace bistro {

namespace {

constexpr std::array<std::pair<monitor_errc, std::string_view>, 4> names{{
    {monitor_errc::bad_request, "bad_request"},
    {monitor_errc::not_found, "not_found"},
    {monitor_errc::unavailable, "unavailable"},
    {monitor_errc::internal, "internal"},
}};

}  // namespace

std::string_view to_string(monitor_errc code) {
  for (const auto& [c, name] : names)
    if (c == code) return name;
  return "bad_request";
}

std::optional<monitor_errc> monitor_errc_from_string(std::string_view name) {
  for (const auto& [c, n] : names)
    if (n == name) return c;
  return std::nullopt;
}

boost::json::object error_entry(const monitor_error& e) {
  return boost::json::object{{"error", e.message},
                             {"error_code", to_string(e.code)}};
}

std::optional<monitor_error> error_of(const boost::json::object& entry) {
  const auto* message = entry.if_contains("error");
  if (!message || !message->is_string()) return std::nullopt;
  monitor_error out{monitor_errc::bad_request,
                    std::string{message->as_string()}};
  if (const auto* code = entry.if_contains("error_code");
      code && code->is_string())
    if (auto c = monitor_errc_from_string(code->as_string())) out.code = *c;
  return out;
}

}  // namespace bistro
