// The two generic policy actors. A stateless policy (a pure function of the
// round: roundrobin, ranked_priority, ...) is wrapped by one that plans
// each round with it; a stateful policy (fair_share) by one that owns the
// instance, tells it each round's facts (`observe`) and then plans, so its
// state lives across rounds for as long as the actor does. Both own the
// random generator their policy draws from. A policy that needs more (its
// own timers, other messages) is an actor of its own, registered with a
// factory of its own (policy_registry.hpp).
//
// Event-based: planning is CPU work only, it never blocks.
#pragma once

#include <caf/actor_system.hpp>
#include <cstdint>
#include <memory>

#include "actors/protocol/protocol.hpp"
#include "actors/rounds/scheduler_policy.hpp"

namespace bistro {

/// `policy` must outlive the actor (the built-ins are static).
policy_actor spawn_stateless_policy(caf::actor_system& sys,
                                    const scheduler_policy& policy,
                                    std::uint64_t seed);

policy_actor spawn_stateful_policy(caf::actor_system& sys,
                                   std::shared_ptr<stateful_policy> policy,
                                   std::uint64_t seed);

}  // namespace bistro
