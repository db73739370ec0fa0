#include "actors/nodes/node_source_registry.hpp"

#include <array>
#include <utility>

#include "actors/nodes/add_time_node_source.hpp"
#include "actors/nodes/empty_node_source.hpp"
#include "actors/nodes/manual_node_source.hpp"
#include "actors/nodes/range_label_node_source.hpp"
#include "actors/nodes/script_node_source.hpp"

namespace bistro {

namespace {

const add_time_node_source add_time;
const empty_node_source empty;
const manual_node_source manual;
const range_label_node_source range_label;
const script_node_source script;

// Sorted by name.
constexpr std::array<std::pair<std::string_view, const node_source*>, 5>
    registry = {{{"add_time", &add_time},
                 {"empty", &empty},
                 {"manual", &manual},
                 {"range_label", &range_label},
                 {"script", &script}}};

}  // namespace

const node_source* find_node_source(std::string_view name) {
  for (const auto& [n, source] : registry) {
    if (n == name) return source;
  }
  return nullptr;
}

std::vector<std::string> node_source_names() {
  std::vector<std::string> names;
  for (const auto& [n, source] : registry) names.emplace_back(n);
  return names;
}

std::string unknown_node_source_error(std::string_view name) {
  std::string known;
  for (const auto& n : node_source_names()) {
    known += (known.empty() ? "" : ", ") + n;
  }
  return "unknown node source \"" + std::string(name) + "\" (known: " + known +
         ")";
}

}  // namespace bistro
