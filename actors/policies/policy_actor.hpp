// The policy actor: runs one round's plan per message with the policy the
// round's config names (`bistro_settings.scheduler`), so the scheduler
// stays responsive while a large round is planned. It owns the random
// generator that randomized policies draw from.
//
// Event-based: planning is CPU work only, it never blocks.
#pragma once

#include <caf/actor_system.hpp>
#include <cstdint>

#include "actors/protocol/protocol.hpp"

namespace bistro {

policy_actor spawn_policy_actor(caf::actor_system& sys, std::uint64_t seed);

}  // namespace bistro
