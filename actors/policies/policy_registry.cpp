#include "actors/policies/policy_registry.hpp"

#include "actors/policies/builtin_policies.hpp"
#include "actors/policies/policy_actor.hpp"

namespace bistro {

policy_registry policy_registry::builtin() {
  policy_registry registry;
  for (const auto& p : builtin_policies()) {
    policy_factory spawn;
    if (p.stateless) {
      spawn = [policy = p.stateless](caf::actor_system& sys,
                                     std::uint64_t seed) {
        return spawn_stateless_policy(sys, *policy, seed);
      };
    } else {
      spawn = [make = p.make_stateful](caf::actor_system& sys,
                                       std::uint64_t seed) {
        return spawn_stateful_policy(
            sys, std::shared_ptr<stateful_policy>(make()), seed);
      };
    }
    registry.entries_.push_back(
        {std::string{p.name}, std::move(spawn), p.check_prefs});
  }
  return registry;
}

std::optional<std::string> policy_registry::add(
    std::string name, policy_factory spawn, policy_prefs_check check_prefs) {
  if (name.empty()) return std::string{"a policy needs a name"};
  if (!spawn) return "policy \"" + name + "\" has no factory";
  if (find(name)) return "policy \"" + name + "\" is already registered";
  entries_.push_back(
      {std::move(name), std::move(spawn), std::move(check_prefs)});
  return std::nullopt;
}

const policy_factory* policy_registry::find(std::string_view name) const {
  for (const auto& e : entries_)
    if (e.name == name) return &e.spawn;
  return nullptr;
}

std::vector<std::string> policy_registry::names() const {
  std::vector<std::string> out;
  for (const auto& e : entries_) out.push_back(e.name);
  return out;
}

policy_catalog policy_registry::catalog() const {
  policy_catalog catalog;
  for (const auto& e : entries_)
    catalog.entries.push_back({e.name, e.check_prefs});
  return catalog;
}

}  // namespace bistro
