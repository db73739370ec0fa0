// The policy registry: the one list of scheduling policies by name, each
// with the factory that spawns its policy actor and the check of its
// `bistro_settings.scheduler_prefs`. `builtin()` holds the shipped policies
// (builtin_policies.hpp), each behind a generic actor (policy_actor.hpp); a
// program or a test adds its own with `add`, and hands `catalog()` to the
// config parser, so a config may name exactly what is registered.
//
// A value: build it before the actor system runs, then copy it into the
// policy switch (policy_switch.hpp); not thread-safe while `add` runs.
#pragma once

#include <caf/actor_system.hpp>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "actors/protocol/protocol.hpp"
#include "config/policy_catalog.hpp"

namespace bistro {

/// Spawns one policy actor; `seed` seeds whatever randomness it uses.
using policy_factory =
    std::function<policy_actor(caf::actor_system&, std::uint64_t seed)>;

class policy_registry {
 public:
  /// The built-in policies, `roundrobin` first.
  static policy_registry builtin();

  /// Registers `name`; returns why not when it is empty or taken.
  /// `check_prefs` empty: the policy takes no scheduler_prefs.
  std::optional<std::string> add(std::string name, policy_factory spawn,
                                 policy_prefs_check check_prefs = {});

  /// The factory registered as `name`, or nullptr.
  const policy_factory* find(std::string_view name) const;
  /// Every name, in registration order.
  std::vector<std::string> names() const;
  /// What config/ needs to know: the names and the prefs checks.
  policy_catalog catalog() const;

 private:
  struct entry {
    std::string name;
    policy_factory spawn;
    policy_prefs_check check_prefs;
  };
  std::vector<entry> entries_;
};

}  // namespace bistro
