#include "actors/nodes/node_tree_loader.hpp"

#include <exception>

#include "actors/nodes/node_source_registry.hpp"

namespace bistro {

namespace {

// Runs every entry in order. With `fetched`, entry i adds its nodes from
// (*fetched)[i] and records parents it lacks in `unfetched`.
node_tree_merge build(
    const config& cfg, std::string instance_name, std::int64_t now_sec,
    const node_source_stop* stop,
    const std::vector<std::shared_ptr<const fetched_nodes>>* fetched) {
  node_tree_merge merge;
  auto& result = merge.result;
  try {
    node_tree_builder builder(std::move(instance_name),
                              static_cast<level_id>(cfg.levels.size()));
    builder.set_max_name_bytes(cfg.max_node_name_bytes);
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
      std::vector<std::string> unfetched;
      node_source_context ctx{cfg, now_sec, stop, nullptr, nullptr};
      if (fetched) {
        const auto& input = (*fetched)[i];
        if (!input) {
          result.errors.push_back(where + "nothing fetched yet");
          continue;
        }
        ctx.now_sec = input->now_sec;
        ctx.fetched = input.get();
        ctx.unfetched = &unfetched;
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
      if (!unfetched.empty())
        merge.unfetched.emplace_back(i, std::move(unfetched));
    }
    if (result.errors.empty() && merge.unfetched.empty())
      result.tree = builder.build();
  } catch (const std::exception& e) {
    result.errors.push_back(std::string("nodes: ") + e.what());
  }
  return merge;
}

}  // namespace

node_tree_result build_node_tree(const config& cfg, std::string instance_name,
                                 std::int64_t now_sec,
                                 const node_source_stop* stop) {
  return build(cfg, std::move(instance_name), now_sec, stop, nullptr).result;
}

node_tree_merge merge_node_tree(
    const config& cfg, std::string instance_name,
    const std::vector<std::shared_ptr<const fetched_nodes>>& fetched) {
  if (fetched.size() != cfg.node_sources.size()) {
    node_tree_merge merge;
    merge.result.errors.push_back(
        "nodes: " + std::to_string(fetched.size()) + " fetches for " +
        std::to_string(cfg.node_sources.size()) + " node sources");
    return merge;
  }
  return build(cfg, std::move(instance_name), 0, nullptr, &fetched);
}

}  // namespace bistro
