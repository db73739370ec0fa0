// A node source's actor: runs one `nodes.node_sources` entry's fetch on the
// entry's own schedule and sends each result to the nodes actor, which
// merges every entry's latest into the tree. A source that reads the
// outside (`script`) runs detached: its runs block, bounded by its
// `timeout_ms` and the stop switch, and while one runs the other entries'
// actors go on and the nodes actor builds trees from this entry's last
// fetch, so a slow source delays only its own nodes. It fetches again every
// `update_ms` (`retry_ms` after a failed run), for the parents the nodes
// actor last asked for. Any other source is event-based: it reports the
// time at once and again whenever its nodes change by time alone
// (`add_time`: node_source::next_change_sec).
//
// Spawned linked to the nodes actor, which replaces it when its entry (or
// the levels) change. The actor reads the wall clock; the source below it
// takes time as a parameter.
#pragma once

#include <caf/local_actor.hpp>
#include <cstdint>
#include <memory>

#include "actors/nodes/node_source.hpp"
#include "actors/protocol/protocol.hpp"

namespace bistro {

struct node_source_actor_options {
  /// Names this actor in its `update`s (unique per nodes actor).
  std::uint64_t id = 0;
  /// The config holding the entry, and its index in `nodes.node_sources`.
  config_ptr cfg;
  std::size_t entry = 0;
  /// The registered source the entry names (static, never null).
  const node_source* source = nullptr;
  nodes_actor nodes;
  std::int64_t update_ms = 300000;
  std::int64_t retry_ms = 30000;
  /// Requested at shutdown so that a running script is killed at once.
  std::shared_ptr<const node_source_stop> stop;
};

/// Spawns the actor linked to `parent` (the nodes actor).
node_source_actor spawn_node_source_actor(caf::local_actor* parent,
                                          node_source_actor_options options);

}  // namespace bistro
