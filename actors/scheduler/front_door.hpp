// The front door: the one actor the scheduler publishes on --server_port.
// It passes workers' hellos, heartbeats and results to the scheduler and
// nothing else, so the network can reach only what front_door_actor
// declares — never the scheduler's local snapshot messages.
//
// Event-based; it holds no state but the scheduler's handle.
#pragma once

#include <caf/actor_system.hpp>

#include "actors/protocol/protocol.hpp"

namespace bistro {

front_door_actor spawn_front_door(caf::actor_system& sys,
                                  scheduler_actor scheduler);

}  // namespace bistro
