// The policy switch: the one policy actor the scheduler holds. Each round
// it looks up the policy the round's config names (`bistro_settings.
// scheduler`) in its registry, spawns that policy's actor on first use and
// delegates the round to it, so the plan goes straight back to the
// scheduler. The actor is kept while the config keeps naming its policy
// (a stateful policy keeps its state across rounds); a new name replaces
// it, and one that ended is spawned again at the next round. A name the
// registry lacks (only a config built without the parser) plans with the
// first registered policy, `roundrobin` for the built-ins.
//
// Event-based: spawning and delegating never block.
#pragma once

#include <caf/actor_system.hpp>
#include <cstdint>

#include "actors/policies/policy_registry.hpp"
#include "actors/protocol/protocol.hpp"

namespace bistro {

/// `registry` must not be empty. Each policy actor it spawns gets a seed
/// derived from `seed`.
policy_actor spawn_policy_switch(caf::actor_system& sys,
                                 policy_registry registry, std::uint64_t seed);

}  // namespace bistro
