#include "actors/nodes/node_tree_loader.hpp"

#include <exception>

#include "actors/nodes/node_source_registry.hpp"

namespace bistro {

node_tree_result build_node_tree(const config& cfg, std::string instance_name,
                                 std::int64_t now_sec,
                                 const node_source_stop* stop) {
  node_tree_result result;
  try {
    node_tree_builder builder(std::move(instance_name),
                              static_cast<level_id>(cfg.levels.size()));
    builder.set_max_name_bytes(cfg.max_node_name_bytes);
    const node_source_context ctx{cfg, now_sec, stop};
    for (std::size_t i = 0; i < cfg.node_sources.size(); ++i) {
      const auto& entry = cfg.node_sources[i];
      const std::string where = "bistro_settings.nodes.node_sources[" +
                                std::to_string(i) + "] (" + entry.source +
                                "): ";
      const node_source* source = find_node_source(entry.source);
      if (source == nullptr) {
        result.errors.push_back(where +
                                unknown_node_source_error(entry.source));
        continue;
      }
      // Sources report errors as values; this catch is the last guard
      // against a boost::json accessor or an allocation throwing.
      try {
        if (auto e = source->add_nodes(ctx, entry.prefs, builder)) {
          result.errors.push_back(where + *e);
        }
      } catch (const std::exception& e) {
        result.errors.push_back(where + e.what());
      }
      for (auto& refusal : builder.take_refusals())
        result.refused.push_back(where + refusal);
    }
    if (result.errors.empty()) result.tree = builder.build();
  } catch (const std::exception& e) {
    result.errors.push_back(std::string("nodes: ") + e.what());
  }
  return result;
}

}  // namespace bistro
