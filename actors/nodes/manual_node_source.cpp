#include "actors/nodes/manual_node_source.hpp"

#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace bistro {

namespace {

std::string quoted(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 2);
  out += '"';
  out += s;
  out += '"';
  return out;
}

struct manual_tree {
  std::unordered_map<std::string_view, std::vector<std::string_view>> children;
  std::unordered_set<std::string_view> disabled;
  level_id max_level = 0;

  // Depth is bounded by max_level, so a cycle below a top-level node ends in
  // a "too deep" error rather than endless recursion.
  std::optional<std::string> add(std::string_view name, node_id parent,
                                 level_id level,
                                 node_tree_builder& tree) const {
    if (level > max_level) {
      return "node " + quoted(name) + " would be at level " +
             std::to_string(level) + " but only " + std::to_string(max_level) +
             " levels are configured";
    }
    const node_id n = tree.add(name, level, parent, !disabled.contains(name));
    if (auto it = children.find(name); it != children.end()) {
      for (auto child : it->second) {
        if (auto e = add(child, n, level + 1, tree)) return e;
      }
    }
    return std::nullopt;
  }
};

std::optional<std::string> add_child_names(std::string_view parent,
                                           const boost::json::value& list,
                                           std::vector<std::string_view>& out) {
  if (!list.is_array()) {
    return quoted(parent) + ": children must be a list of names";
  }
  for (const auto& child : list.get_array()) {
    if (!child.is_string()) {
      return quoted(parent) + ": child names must be strings";
    }
    out.emplace_back(child.get_string());
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::string> manual_node_source::add_nodes(
    const node_source_context& ctx, const boost::json::object& prefs,
    node_tree_builder& tree) const {
  manual_tree m;
  m.max_level = ctx.cfg.num_configured_levels();
  std::unordered_set<std::string_view> has_parent;
  for (const auto& [key, value] : prefs) {
    auto& kids = m.children[key];
    if (value.is_string()) {
      kids.emplace_back(value.get_string());
    } else if (value.is_object()) {
      const auto& obj = value.get_object();
      if (const auto* c = obj.if_contains("children")) {
        if (auto e = add_child_names(key, *c, kids)) return e;
      }
      if (const auto* d = obj.if_contains("disabled")) {
        if (!d->is_bool()) {
          return quoted(key) + ": disabled must be true or false";
        }
        if (d->get_bool()) m.disabled.insert(key);
      }
    } else if (auto e = add_child_names(key, value, kids)) {
      return e;
    }
    has_parent.insert(kids.begin(), kids.end());
  }
  int top_level = 0;
  for (const auto& [key, value] : prefs) {
    if (has_parent.contains(key)) continue;
    ++top_level;
    if (auto e = m.add(key, 0, 1, tree)) return e;
  }
  if (top_level == 0) {
    return std::string(
        "no top-level nodes are defined (every node is "
        "someone's child)");
  }
  return std::nullopt;
}

}  // namespace bistro
