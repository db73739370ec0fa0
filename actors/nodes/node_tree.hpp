// The node tree: every node of every level, stored as flat arrays so that a
// million nodes cost tens of bytes each, not a map of objects.
//
// Node 0 is the instance node. Every other node has a parent on the level
// just above it. A name listed a second time (a replica: the same shard
// reachable under two parents) gets its own entry with its own parent, and
// `canonical()` maps every copy to the first one: tasks and node-level slots
// are per canonical node, and each replica offers another ancestor chain.
//
// A node_tree is built once by `node_tree_builder` and then shared read-only
// as `std::shared_ptr<const node_tree>`; all members are const and safe to
// call from any thread. Plain logic: no CAF include.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "actors/nodes/node_name.hpp"
#include "config/config.hpp"

namespace bistro {

using node_id = std::uint32_t;
inline constexpr node_id no_node = UINT32_MAX;

class node_tree {
 public:
  std::size_t size() const { return parent_.size(); }
  std::string_view name(node_id n) const {
    return std::string_view{names_.data() + name_begin_[n],
                            name_begin_[n + 1] - name_begin_[n]};
  }
  level_id level(node_id n) const { return level_[n]; }
  /// no_node for the instance node.
  node_id parent(node_id n) const { return parent_[n]; }
  bool enabled(node_id n) const { return (flags_[n] & disabled_flag) == 0; }
  /// The first entry with this name (itself unless a replica).
  node_id canonical(node_id n) const {
    return (flags_[n] & replica_flag) ? canonical_of_replica(n) : n;
  }
  bool has_tag(node_id n, std::string_view tag) const;
  std::vector<std::string_view> tags(node_id n) const;

  /// Every entry on `level`, in the order the sources added them.
  std::span<const node_id> nodes_at_level(level_id level) const {
    return {by_level_.data() + level_begin_[level],
            by_level_.data() + level_begin_[level + 1]};
  }
  /// The canonical node with this name.
  std::optional<node_id> find(std::string_view name) const;
  /// Number of levels, instance and worker included.
  level_id num_levels() const {
    return static_cast<level_id>(level_begin_.size()) - 1;
  }
  /// Approximate heap bytes held, for benchmarks and metrics.
  std::size_t memory_bytes() const;

 private:
  friend class node_tree_builder;
  static constexpr std::uint8_t disabled_flag = 1;
  static constexpr std::uint8_t replica_flag = 2;
  static constexpr std::uint8_t tagged_flag = 4;

  node_id canonical_of_replica(node_id n) const;
  /// The slot holding `name`, or the empty slot where it would go.
  std::size_t probe(std::string_view name, std::uint32_t hash) const;

  std::string names_;                      // all names, back to back
  std::vector<std::uint32_t> name_begin_;  // size() + 1 offsets into names_
  std::vector<node_id> parent_;
  std::vector<std::uint8_t> level_;
  std::vector<std::uint8_t> flags_;
  std::vector<node_id> by_level_;           // node ids grouped by level
  std::vector<std::uint32_t> level_begin_;  // num_levels() + 1 offsets
  // Open addressing over canonical nodes: (name hash << 32) | node id, so a
  // probe compares names only when the hashes agree. Empty: no_node id.
  std::vector<std::uint64_t> hash_slots_;
  // Sparse side tables, sorted by node id.
  std::vector<std::pair<node_id, node_id>> replica_of_;
  std::vector<std::pair<node_id, std::vector<std::uint32_t>>> node_tags_;
  std::vector<std::string> tag_names_;
};

/// Builds a node_tree. Not thread-safe; one builder per build.
class node_tree_builder {
 public:
  /// Starts a tree whose instance node is `instance_name` and that has
  /// `num_levels` levels (instance and worker included).
  node_tree_builder(std::string instance_name, level_id num_levels);

  /// Names longer than this are refused (`nodes.max_name_bytes`).
  void set_max_name_bytes(std::size_t bytes) { max_name_bytes_ = bytes; }

  /// Makes room for `nodes` more nodes whose names total `name_bytes`, so
  /// that a source that knows its output size avoids regrowing.
  void reserve(std::size_t nodes, std::size_t name_bytes);

  /// Adds a node under `parent` (on the level above `level`). A name already
  /// present becomes a replica of the first entry. Returns its id, or
  /// no_node when the name is refused (node_name_problem; the refusal is
  /// kept for `take_refusals`) or `parent` is no_node: a refused node's
  /// descendants are refused with it, counted but not named.
  node_id add(std::string_view name, level_id level, node_id parent,
              bool enabled = true, const std::vector<std::string>& tags = {});

  /// Why `add` refused names since the last call: one message per name,
  /// at most `max_refusals_named`, then one for the rest and one for the
  /// refused descendants. Taking clears them.
  std::vector<std::string> take_refusals();
  static constexpr std::size_t max_refusals_named = 20;

  /// Hints that `name` will be added soon: starts loading its hash slot so
  /// that a source adding many nodes overlaps the cache misses.
  void prefetch(std::string_view name) const;

  /// The canonical node with this name, among those added so far.
  std::optional<node_id> find(std::string_view name) const;
  /// Entries on `level` added so far.
  std::vector<node_id> nodes_at_level(level_id level) const;
  std::string_view name(node_id n) const;

  /// Finishes the tree; the builder then holds only the instance node again,
  /// ready for another build.
  std::shared_ptr<const node_tree> build();

 private:
  std::size_t max_name_bytes_ = default_max_name_bytes;
  node_tree tree_;
  std::vector<std::vector<node_id>> levels_;
  void start(std::string instance_name, level_id num_levels);
  void rehash(std::size_t slots);
  void insert_hash(node_id n, std::uint32_t hash, std::size_t slot);
  std::uint32_t live_in_hash_ = 0;
  std::vector<std::string> refusals_;
  std::size_t refusals_unnamed_ = 0;
  std::size_t refused_descendants_ = 0;
};

}  // namespace bistro
