// The scheduling policies by name: exactly the names `known_policy_names()`
// lists (config/config.hpp), which is what `bistro_settings.scheduler` may
// name. Adding a policy = one file pair + one line in policy_registry.cpp.
//
// The registry is a constant table: safe to use from any thread. Plain
// logic: no CAF include.
#pragma once

#include <string_view>
#include <vector>

#include "actors/policies/scheduler_policy.hpp"

namespace bistro {

/// The policy registered as `name`, or nullptr when there is none.
const scheduler_policy* find_policy(std::string_view name);

/// Every registered name, in registration order.
std::vector<std::string_view> registered_policy_names();

}  // namespace bistro
