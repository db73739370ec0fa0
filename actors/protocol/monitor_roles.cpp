#include "actors/protocol/monitor_roles.hpp"

#include <boost/json.hpp>

namespace bistro {

std::vector<std::string> mutating_handlers_in(
    std::string_view request, std::span<const monitor_role> roles) {
  std::vector<std::string> out;
  boost::system::error_code ec;
  auto doc = boost::json::parse(request, ec);
  if (ec || !doc.is_object()) return out;
  // Every key, "prefs" too: the check may refuse more than the scheduler
  // would run, never less.
  for (const auto& [key, entry] : doc.as_object()) {
    if (!entry.is_object()) continue;
    const auto* h = entry.as_object().if_contains("handler");
    if (!h || !h->is_string()) continue;
    std::string_view name = h->as_string();
    if (const auto* role = find_monitor_role(name, roles);
        role && role->mutates)
      out.emplace_back(name);
  }
  return out;
}

}  // namespace bistro
