#include "actors/policies/builtin_policies.hpp"

#include "actors/policies/fair_share_policy.hpp"
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

std::unique_ptr<stateful_policy> make_fair_share() {
  return std::make_unique<fair_share_policy>();
}

const builtin_policy table[] = {
    {"roundrobin", &round_robin},
    {"ranked_priority", &ranked_priority},
    {"randomized_priority", &randomized_priority},
    {"long_tail", &long_tail},
    {"fair_share", nullptr, make_fair_share, check_fair_share_prefs},
};

}  // namespace

std::span<const builtin_policy> builtin_policies() { return table; }

const builtin_policy* find_builtin_policy(std::string_view name) {
  for (const auto& p : table)
    if (p.name == name) return &p;
  return nullptr;
}

const scheduler_policy* find_policy(std::string_view name) {
  const auto* p = find_builtin_policy(name);
  return p ? p->stateless : nullptr;
}

policy_catalog builtin_policy_catalog() {
  policy_catalog catalog;
  for (const auto& p : table)
    catalog.entries.push_back({std::string{p.name}, p.check_prefs});
  return catalog;
}

}  // namespace bistro
