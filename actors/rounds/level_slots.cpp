#include "actors/rounds/level_slots.hpp"

#include <algorithm>

namespace bistro {

level_slots::level_slots(std::shared_ptr<const node_tree> tree)
    : tree_(std::move(tree)) {
  const auto& t = *tree_;
  slot_of_.assign(t.size(), 0);
  nodes_.resize(static_cast<std::size_t>(t.num_levels()));
  std::vector<std::pair<node_id, node_id>> replicas;  // (canonical, copy)
  // A name reused on another level is a different node here.
  auto own_slot = [&t](node_id n) {
    node_id c = t.canonical(n);
    return c == n || t.level(c) != t.level(n);
  };
  for (level_id level = 0; level < t.num_levels(); ++level) {
    auto& slots = nodes_[level];
    for (node_id n : t.nodes_at_level(level)) {
      if (own_slot(n)) {
        slot_of_[n] = static_cast<std::uint32_t>(slots.size());
        slots.push_back(n);
      }
    }
    // A second pass: a replica's canonical entry may come later in the
    // level's order than the replica itself.
    for (node_id n : t.nodes_at_level(level)) {
      if (own_slot(n)) continue;
      node_id c = t.canonical(n);
      slot_of_[n] = slot_of_[c];
      replicas.emplace_back(c, n);
    }
  }
  std::sort(replicas.begin(), replicas.end());
  for (const auto& [c, n] : replicas) {
    if (copies_.empty() || copies_.back().first != c) {
      copies_.push_back({c, {c}});
    }
    copies_.back().second.push_back(n);
  }
}

std::span<const node_id> level_slots::copies(node_id n) const {
  auto it = std::lower_bound(
      copies_.begin(), copies_.end(), n,
      [](const auto& entry, node_id x) { return entry.first < x; });
  if (it == copies_.end() || it->first != n) return {};
  return it->second;
}

node_id level_slots::ancestor_at(node_id n, level_id level) const {
  while (n != no_node && tree_->level(n) > level) n = tree_->parent(n);
  return n != no_node && tree_->level(n) == level ? n : no_node;
}

}  // namespace bistro
