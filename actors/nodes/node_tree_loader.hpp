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
// thread, but it blocks while `script` sources run: call it off CAF's shared
// threads. Plain logic: no CAF include.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

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

}  // namespace bistro
