// The `empty` node source: adds nothing. For configs that need a node
// source entry but no nodes below the instance.
//
// Stateless; safe from any thread. Plain logic: no CAF include.
#pragma once

#include "actors/nodes/node_source.hpp"

namespace bistro {

class empty_node_source final : public node_source {
 public:
  std::optional<std::string> add_nodes(const node_source_context&,
                                       const boost::json::object&,
                                       node_tree_builder&) const override {
    return std::nullopt;
  }
};

}  // namespace bistro
