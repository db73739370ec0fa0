// The `range_label` node source: under every node of `parent_level`, one
// child per integer i in [start, end], named by `format` (default
// "{parent}__{i}"; placeholders {parent} {i} {start} {end}), all enabled or
// all disabled per `enabled` (default true). Built for scale: a million
// names cost one append each, no per-node parsing.
//
// Stateless; safe from any thread. Plain logic: no CAF include.
#pragma once

#include "actors/nodes/node_source.hpp"

namespace bistro {

class range_label_node_source final : public node_source {
 public:
  std::optional<std::string> add_nodes(const node_source_context& ctx,
                                       const boost::json::object& prefs,
                                       node_tree_builder& tree) const override;
};

}  // namespace bistro
