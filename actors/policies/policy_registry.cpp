#include "actors/policies/policy_registry.hpp"

#include <utility>

#include "actors/policies/long_tail_policy.hpp"
#include "actors/policies/randomized_priority_policy.hpp"
#include "actors/policies/ranked_priority_policy.hpp"
#include "actors/policies/round_robin_policy.hpp"

namespace bistro {

namespace {

const round_robin_policy round_robin;
const ranked_priority_policy ranked_priority;
const randomized_priority_policy randomized_priority;
const long_tail_policy long_tail;

const std::pair<std::string_view, const scheduler_policy*> registry[] = {
    {"roundrobin", &round_robin},
    {"ranked_priority", &ranked_priority},
    {"randomized_priority", &randomized_priority},
    {"long_tail", &long_tail},
};

}  // namespace

const scheduler_policy* find_policy(std::string_view name) {
  for (const auto& [n, policy] : registry) {
    if (n == name) return policy;
  }
  return nullptr;
}

std::vector<std::string_view> registered_policy_names() {
  std::vector<std::string_view> names;
  for (const auto& entry : registry) names.push_back(entry.first);
  return names;
}

}  // namespace bistro
