// The front door: the one actor the scheduler publishes on --server_port.
// It passes workers' hellos and monitor requests to the scheduler and
// answers them itself, so the network can reach only what front_door_actor
// declares and never learns the scheduler's handle: everything a worker
// does after its hello goes through the session its welcome hands it
// (worker_session.hpp).
//
// Event-based; it holds no state but the scheduler's handle.
#pragma once

#include <caf/actor_system.hpp>

#include "actors/protocol/protocol.hpp"

namespace bistro {

front_door_actor spawn_front_door(caf::actor_system& sys,
                                  scheduler_actor scheduler);

}  // namespace bistro
