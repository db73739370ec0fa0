// Builders shared by the node tests: a hand-made config with the given
// levels and node sources (prefs as JSON text), and readable views of a
// tree. Test-only; single-threaded.
#pragma once

#include <boost/json/parse.hpp>
#include <string>
#include <utility>
#include <vector>

#include "actors/nodes/node_tree.hpp"
#include "actors/nodes/node_tree_loader.hpp"
#include "config/config.hpp"

namespace bistro::test {

/// A config whose levels are instance, `configured...`, worker.
inline config make_node_config(
    const std::vector<std::string>& configured,
    const std::vector<std::pair<std::string, std::string>>& sources = {}) {
  config cfg;
  cfg.levels.push_back("instance");
  cfg.levels.insert(cfg.levels.end(), configured.begin(), configured.end());
  cfg.levels.push_back("worker");
  for (const auto& [source, prefs] : sources) {
    cfg.node_sources.push_back({source, boost::json::parse(prefs).as_object()});
  }
  return cfg;
}

/// Runs build_node_tree on a config made by make_node_config.
inline node_tree_result build_nodes(
    const std::vector<std::string>& configured,
    const std::vector<std::pair<std::string, std::string>>& sources,
    std::int64_t now_sec = 0) {
  return build_node_tree(make_node_config(configured, sources), "inst",
                         now_sec);
}

/// The names of every entry on `level`, in tree order.
inline std::vector<std::string> names_at(const node_tree& tree,
                                         level_id level) {
  std::vector<std::string> out;
  for (node_id n : tree.nodes_at_level(level)) {
    out.emplace_back(tree.name(n));
  }
  return out;
}

/// The name of `n`'s parent.
inline std::string parent_name(const node_tree& tree, node_id n) {
  return std::string(tree.name(tree.parent(n)));
}

}  // namespace bistro::test
