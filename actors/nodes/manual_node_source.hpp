// The `manual` node source: the tree written out in prefs. Each key is a
// node; its value is a list of child names, a single child name, or
// {"disabled": true, "children": [...]}. Names that are no one's child hang
// under the instance node; a name listed under two parents is a replica.
// Errors: no top-level node, or a node deeper than the configured levels.
//
// Stateless; safe from any thread. Plain logic: no CAF include.
#pragma once

#include "actors/nodes/node_source.hpp"

namespace bistro {

class manual_node_source final : public node_source {
 public:
  std::optional<std::string> add_nodes(const node_source_context& ctx,
                                       const boost::json::object& prefs,
                                       node_tree_builder& tree) const override;
};

}  // namespace bistro
