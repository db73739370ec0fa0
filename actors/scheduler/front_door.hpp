// The front door: the one actor the scheduler publishes on --server_port.
// It passes workers' hellos and monitor requests to the scheduler and
// answers them itself, so the network can reach only what front_door_actor
// declares and never learns the scheduler's handle: everything a worker
// does after its hello goes through the session its welcome hands it
// (worker_session.hpp). With a `required_token` (--http_auth_token_file) a
// monitor request naming a mutating handler must carry it (compared in
// constant time), else it is refused whole and the scheduler never sees it.
//
// Event-based; it holds no state but the scheduler's handle and the token.
#pragma once

#include <caf/actor_system.hpp>
#include <string>

#include "actors/protocol/protocol.hpp"

namespace bistro {

/// `required_token` "" = mutations need no token (the port is loopback or
/// TLS unless --allow_insecure_network).
front_door_actor spawn_front_door(caf::actor_system& sys,
                                  scheduler_actor scheduler,
                                  std::string required_token);

}  // namespace bistro
