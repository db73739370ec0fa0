// Builds a 1,000,000-node tree the way a large deployment would (40,000
// hosts, 25 databases each, two range_label sources) and prints one JSON
// line: build time, node_tree::memory_bytes() per node, and the growth of
// the process's resident set per node. Targets: < 1 s, < 100 bytes/node.
#include <boost/json/parse.hpp>
#include <cstdio>

#include "actors/nodes/node_tree_loader.hpp"
#include "benchmarks/bench_common.hpp"

int main(int, char** argv) {
  using namespace bistro;
  bench::require_release_build(argv[0]);

  config cfg;
  cfg.levels = {"instance", "host", "db", "worker"};
  cfg.node_sources.push_back(
      {"range_label",
       boost::json::parse(R"({"parent_level": "instance", "start": 0,
                              "end": 39999, "format": "host{i}"})")
           .as_object()});
  cfg.node_sources.push_back(
      {"range_label",
       boost::json::parse(R"({"parent_level": "host", "start": 0, "end": 24,
                              "format": "{parent}.db{i}"})")
           .as_object()});

  const long long rss_before = bench::resident_bytes();
  bench::stopwatch watch;
  auto result = build_node_tree(cfg, "instance", 0);
  const double seconds = watch.seconds();
  const long long rss_after = bench::resident_bytes();
  if (!result.ok()) {
    for (const auto& e : result.errors) std::fprintf(stderr, "%s\n", e.c_str());
    return 1;
  }
  const auto& tree = *result.tree;
  const double nodes = static_cast<double>(tree.size());
  std::printf(
      "{\"bench\":\"node_tree_1m\",\"nodes\":%zu,\"seconds\":%.3f,"
      "\"bytes_per_node\":%.1f,\"rss_bytes_per_node\":%.1f}\n",
      tree.size(), seconds, static_cast<double>(tree.memory_bytes()) / nodes,
      static_cast<double>(rss_after - rss_before) / nodes);
  return 0;
}
