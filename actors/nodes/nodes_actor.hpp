// The nodes actor: owns the current node tree. It rebuilds the tree when a
// new config arrives, every `update_ms`, or `retry_ms` after a failure, and
// hands the scheduler (config, tree) pairs that always agree on levels.
// When a rebuild fails it keeps the previous tree (with the new config, if
// the levels did not change) and reports the error.
//
// Runs detached: `script` node sources block on child processes (each run
// bounded by its `timeout_ms`), and no other actor waits for them. Whoever
// stops the actor requests `stop` first: a message would wait behind the
// running script, the stop does not.
#pragma once

#include <caf/actor_system.hpp>
#include <cstdint>
#include <memory>
#include <string>

#include "actors/nodes/node_source_stop.hpp"
#include "actors/protocol/protocol.hpp"

namespace bistro {

struct nodes_actor_options {
  std::string instance_name;
  std::int64_t update_ms = 300000;
  std::int64_t retry_ms = 30000;
  scheduler_actor scheduler;
  /// Requested at shutdown so that a running script is killed at once.
  std::shared_ptr<const node_source_stop> stop;
};

nodes_actor spawn_nodes_actor(caf::actor_system& sys,
                              nodes_actor_options options);

}  // namespace bistro
