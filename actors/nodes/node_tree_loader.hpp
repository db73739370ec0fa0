// Builds a whole node tree from a config snapshot: the instance node, then
// every `nodes.node_sources` entry run in order, each able to hang nodes
// under the levels earlier entries filled. All or nothing: on any error the
// result has no tree and the errors say which entry failed and why
// (`nodes.node_sources[1] (range_label): parent_level "host" is not a
// level`), so the caller keeps its previous tree. A node whose name cannot
// be one (node_name.hpp) is not an entry's failure: the tree is made
// without it (and its descendants), and `refused` says why.
//
// A pure function of its arguments (the time included); safe from any
// thread. `build_node_tree` blocks while `script` sources run (call it off
// CAF's shared threads); `merge_node_tree` never does. Plain logic: no CAF
// include.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "actors/nodes/node_source.hpp"
#include "actors/nodes/node_source_stop.hpp"
#include "actors/nodes/node_tree.hpp"
#include "config/config.hpp"

namespace bistro {

struct node_tree_result {
  /// Null when `errors` is not empty.
  std::shared_ptr<const node_tree> tree;
  std::vector<std::string> errors;
  /// Nodes left out of the tree for their names, each message prefixed by
  /// its entry, like `errors`.
  std::vector<std::string> refused;
  bool ok() const { return tree != nullptr; }
};

/// Never throws; every failure is in `errors`. Once `stop` (if given) is
/// requested, sources that wait on other processes give up at once.
node_tree_result build_node_tree(const config& cfg, std::string instance_name,
                                 std::int64_t now_sec,
                                 const node_source_stop* stop = nullptr);

/// The nodes actor's build: each entry adds its nodes from what its own
/// actor fetched (`fetched[i]` for `cfg.node_sources[i]`, never null), at
/// that entry's own time; nothing blocks. When an entry that reads the
/// outside has no fetch for some of its parents (new parents, or none yet),
/// `unfetched` names them per entry and the result has no tree.
struct node_tree_merge {
  node_tree_result result;
  /// (entry index, parents to fetch for), in entry order.
  std::vector<std::pair<std::size_t, std::vector<std::string>>> unfetched;
};

node_tree_merge merge_node_tree(
    const config& cfg, std::string instance_name,
    const std::vector<std::shared_ptr<const fetched_nodes>>& fetched);

}  // namespace bistro
