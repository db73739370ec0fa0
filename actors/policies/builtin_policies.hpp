// The policies bistro-caf ships, one line each in builtin_policies.cpp:
// `roundrobin` (Bistro's default, first), `ranked_priority`,
// `randomized_priority`, `long_tail` and the stateful `fair_share`. The
// policy registry (policy_registry.hpp) starts from this table and gives
// each a policy actor; adding a policy = one file pair + one line here +
// its tests.
//
// A constant table: safe to use from any thread. Plain logic: no CAF
// include.
#pragma once

#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "actors/rounds/scheduler_policy.hpp"
#include "config/policy_catalog.hpp"

namespace bistro {

struct builtin_policy {
  std::string_view name;
  /// A stateless policy: its one shared instance. Null for a stateful one.
  const scheduler_policy* stateless = nullptr;
  /// A stateful policy: a fresh instance for each policy actor. Null for a
  /// stateless one.
  std::unique_ptr<stateful_policy> (*make_stateful)() = nullptr;
  /// Checks `bistro_settings.scheduler_prefs`; null = takes none.
  std::optional<std::string> (*check_prefs)(const boost::json::object&) =
      nullptr;
};

/// Every built-in policy, in registration order.
std::span<const builtin_policy> builtin_policies();

/// The built-in policy named `name`, or nullptr.
const builtin_policy* find_builtin_policy(std::string_view name);

/// The stateless policy registered as `name`, or nullptr when there is none
/// (or it is stateful): for benchmarks and tests that run rounds in place.
const scheduler_policy* find_policy(std::string_view name);

/// The names and prefs checks of the built-in policies, for config/ (the
/// registry's catalog() adds what was registered beside them).
policy_catalog builtin_policy_catalog();

}  // namespace bistro
