// What the config parser knows of scheduling policies: their names and how
// each checks its `bistro_settings.scheduler_prefs`. config/ does not list
// policies itself: the policy registry (actors/policies/policy_registry.hpp)
// is the one list of names and hands its catalog in, so that config/ stays
// free of actors and a new policy never touches config/.
//
// A value: build it once, share it read-only between threads (the prefs
// checks must be pure functions). No CAF include.
#pragma once

#include <boost/json/object.hpp>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace bistro {

/// What is wrong with a policy's `scheduler_prefs` ("window_sec must be an
/// integer between 1 and ..."), or nothing.
using policy_prefs_check =
    std::function<std::optional<std::string>(const boost::json::object&)>;

struct policy_catalog {
  struct entry {
    std::string name;
    /// Empty: the policy takes no prefs, and any given is an error.
    policy_prefs_check check_prefs;
  };
  std::vector<entry> entries;

  const entry* find(std::string_view name) const {
    for (const auto& e : entries)
      if (e.name == name) return &e;
    return nullptr;
  }

  /// "a, b, c", in registration order.
  std::string names() const {
    std::string out;
    for (const auto& e : entries) out += (out.empty() ? "" : ", ") + e.name;
    return out;
  }
};

}  // namespace bistro
