// The bridge from the HTTP threads to the scheduler: each monitor request
// is sent by a short-lived event-based actor with a finite timeout, whose
// reply (or error) is handed to a callback. Nothing waits: the HTTP thread
// returns at once and the callback runs on a CAF thread, where it must
// only post work elsewhere.
//
// `sys` must outlive the function returned (main stops the HTTP server
// before the actor system ends).
#pragma once

#include <caf/actor_system.hpp>
#include <chrono>

#include "actors/http/http_server.hpp"
#include "actors/protocol/protocol.hpp"

namespace bistro::http {

monitor_function make_monitor_bridge(caf::actor_system& sys,
                                     scheduler_actor scheduler,
                                     std::chrono::milliseconds timeout);

}  // namespace bistro::http
