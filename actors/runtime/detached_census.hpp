// The census of the project's actors that run on threads of their own
// (caf::detached: the status store, the config watcher, the nodes actor and
// its script sources, the task-log writer). A program's main waits, with a
// bound, until every counted actor has terminated before it returns.
//
// Why: at its destruction, CAF 0.17's actor system stops its clock, then
// waits for every detached actor to be destroyed. Each of these actors
// arms a timer to itself (a delayed_send), which holds a strong reference
// to it. One that is still running when the clock stops, and arms its
// timer then, leaves that reference in a queue nobody reads any more: it
// is never destroyed, and the process never exits (seen at a TERM within
// milliseconds of the start). Every counted actor has ended before the
// clock stops.
//
// Thread contract: any thread; the counter is process-wide.
#pragma once

#include <caf/fwd.hpp>
#include <chrono>
#include <cstddef>

namespace bistro {

/// Counts `self` until it terminates (call it once, as the actor starts).
void count_detached(caf::local_actor* self);

/// Counted actors that have not terminated yet.
std::size_t detached_alive();

/// Waits until every counted actor has terminated, at most `timeout`.
/// Returns how many are still alive (0: all ended).
std::size_t await_detached(std::chrono::milliseconds timeout);

}  // namespace bistro
