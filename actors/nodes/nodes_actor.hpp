// The nodes actor: owns the current node tree. Each configured node source
// runs in an actor of its own (node_source_actor.hpp), on its own schedule:
// `add_time` ticks when its nodes change, `script` runs again every
// `update_ms` (`retry_ms` after a failed run) in a detached actor. Whenever
// one of them reports, the nodes actor merges every entry's latest fetch
// into a new tree (merge_node_tree: in entry order, never blocking) and
// hands the scheduler (config, tree) pairs that always agree on levels; a
// slow source delays only its own nodes. A new config keeps the actors of
// entries it states as before, with their last fetch, so its tree goes out
// at once (a source that reads the outside also reads it again); the
// actors of other entries are replaced. When a merge fails
// it keeps the previous tree (with the new config, if the levels did not
// change) and reports the error.
//
// Runs detached: a merge of millions of nodes is seconds of CPU, kept off
// CAF's shared threads. Its source actors are linked to it. Whoever stops
// it requests `stop` first: a running script is then killed at once, so
// the script's actor sees the exit without waiting for the run.
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
