// Dense numbering of a node tree for resource arithmetic. On each level the
// canonical nodes get slots 0..n-1 in tree order; a replica (the same name
// under another parent) shares its canonical node's slot, so both copies draw
// on one set of node-level resources. Each canonical node with replicas
// lists its copies: every copy offers its own ancestor chain.
//
// Built once per node tree, then shared read-only as
// `std::shared_ptr<const level_slots>`: safe to read from any thread.
// Plain logic: no CAF include.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <utility>
#include <vector>

#include "actors/nodes/node_tree.hpp"

namespace bistro {

class level_slots {
 public:
  explicit level_slots(std::shared_ptr<const node_tree> tree);

  const node_tree& tree() const { return *tree_; }
  /// The slot of `n` (an entry or a replica) on its level.
  std::uint32_t slot(node_id n) const { return slot_of_[n]; }
  /// The canonical node of `n`, without node_tree's search.
  node_id canonical(node_id n) const {
    return nodes_[tree_->level(n)][slot_of_[n]];
  }
  /// Number of slots (canonical nodes) on `level`.
  std::uint32_t count(level_id level) const {
    return static_cast<std::uint32_t>(nodes_[level].size());
  }
  /// The canonical node in `slot` of `level`.
  node_id node_at(level_id level, std::uint32_t slot) const {
    return nodes_[level][slot];
  }
  bool any_replicas() const { return !copies_.empty(); }
  /// Every entry of canonical node `n` (itself first), or an empty span when
  /// `n` has no replica.
  std::span<const node_id> copies(node_id n) const;
  /// The ancestor of `n` on `level` (`n` itself on its own level), or
  /// no_node when `level` is below `n`.
  node_id ancestor_at(node_id n, level_id level) const;

 private:
  std::shared_ptr<const node_tree> tree_;
  std::vector<std::uint32_t> slot_of_;
  std::vector<std::vector<node_id>> nodes_;
  // Sorted by canonical node; only nodes that have replicas.
  std::vector<std::pair<node_id, std::vector<node_id>>> copies_;
};

}  // namespace bistro
