// A monitor handler's role as the permission checks see it: its name and
// whether it changes something. The list of roles is derived from the one
// handler table (actors/monitor/monitor_table.hpp, `monitor_roles`) and
// passed in: actors/protocol includes no other actors/ folder. The HTTP
// server's token rule, the monitor cache's "never cache, empty the cache"
// and the CAF front door's token rule all call `mutating_handlers_in` with
// it. Plain logic: no CAF, no scheduler.
//
// Thread-safe: pure functions.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace bistro {

/// One monitor handler's name and whether it changes the scheduler's
/// state or config (and so needs the token when one is configured).
struct monitor_role {
  std::string_view name;
  bool mutates = false;
};

/// The role named `name` in `roles`, or nullptr for a handler the
/// scheduler does not have.
constexpr const monitor_role* find_monitor_role(
    std::string_view name, std::span<const monitor_role> roles) {
  for (const auto& r : roles)
    if (r.name == name) return &r;
  return nullptr;
}

/// The mutating handlers a JSON monitor request names, in its order:
/// every entry (whatever its key) that is an object whose "handler" is a
/// string naming a role of `roles` that mutates. A request that is not a
/// JSON object names none: the scheduler refuses it whole without running
/// anything.
std::vector<std::string> mutating_handlers_in(
    std::string_view request, std::span<const monitor_role> roles);

}  // namespace bistro
