// A node source adds one kind of nodes to the tree being built (Bistro's
// NodeFetcher): `manual`, `range_label`, `script`, `add_time`, `empty`.
// Each lives in its own file pair and is found by name in the registry
// (node_source_registry.hpp).
//
// Sources are stateless: `add_nodes` is const and may run on any thread, but
// `script` blocks on child processes, so callers run it off CAF's shared
// threads. A source that waits on anything outside the process bounds the
// wait (a timeout pref) and gives up at once when `ctx.stop` is requested.
// Plain logic: no CAF include.
#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <optional>
#include <string>

#include "actors/nodes/node_source_stop.hpp"
#include "actors/nodes/node_tree.hpp"
#include "config/config.hpp"

namespace bistro {

/// What a source needs besides its prefs.
struct node_source_context {
  const config& cfg;
  /// Seconds since the epoch; `add_time` derives its nodes from it.
  std::int64_t now_sec = 0;
  /// Requested at shutdown; null = never.
  const node_source_stop* stop = nullptr;
};

class node_source {
 public:
  virtual ~node_source() = default;
  /// Adds this source's nodes to `tree`. Returns an error message naming the
  /// offending pref, or nullopt on success.
  virtual std::optional<std::string> add_nodes(
      const node_source_context& ctx, const boost::json::object& prefs,
      node_tree_builder& tree) const = 0;
};

}  // namespace bistro
