#include <catch2/catch.hpp>

#include "actors/nodes/node_source_registry.hpp"
#include "tests/actors/nodes/node_test_support.hpp"

using namespace bistro;
using namespace bistro::test;

TEST_CASE("The registry finds every Bistro node source by name") {
  CHECK(node_source_names() == std::vector<std::string>{"add_time", "empty",
                                                        "manual", "range_label",
                                                        "script"});
  for (const auto& name : node_source_names()) {
    CHECK(find_node_source(name) != nullptr);
  }
  CHECK(find_node_source("manual") != find_node_source("script"));
  CHECK(find_node_source("Manual") == nullptr);
}

TEST_CASE("An unknown node source is an error listing the valid ones") {
  auto r = build_nodes({"l1"}, {{"empty", "{}"}, {"fancy", "{}"}});
  REQUIRE_FALSE(r.ok());
  REQUIRE(r.errors.size() == 1);
  CHECK(r.errors[0] ==
        "bistro_settings.nodes.node_sources[1] (fancy): unknown node source "
        "\"fancy\" (known: "
        "add_time, empty, manual, range_label, script)");
}

TEST_CASE("A later source hangs nodes under an earlier source's level") {
  auto r = build_nodes(
      {"host", "db"},
      {{"range_label", R"({"parent_level": "instance", "start": 1, "end": 2,
                           "format": "host{i}"})"},
       {"range_label", R"({"parent_level": "host", "start": 0, "end": 1,
                           "format": "{parent}.db{i}"})"}});
  REQUIRE(r.ok());
  const auto& t = *r.tree;
  CHECK(t.size() == 1 + 2 + 4);
  CHECK(t.num_levels() == 4);
  CHECK(names_at(t, 1) == std::vector<std::string>{"host1", "host2"});
  CHECK(names_at(t, 2) == std::vector<std::string>{"host1.db0", "host1.db1",
                                                   "host2.db0", "host2.db1"});
  CHECK(parent_name(t, *t.find("host2.db1")) == "host2");
  CHECK(t.name(0) == "inst");
}

TEST_CASE("Every failing source is reported and no tree is returned") {
  auto r = build_nodes(
      {"host"},
      {{"manual", R"({"a": "b"})"},
       {"empty", "{}"},
       {"range_label", R"({"parent_level": "host", "start": 0, "end": 1})"}});
  CHECK(r.tree == nullptr);
  REQUIRE(r.errors.size() == 2);
  CHECK_THAT(
      r.errors[0],
      Catch::StartsWith("bistro_settings.nodes.node_sources[0] (manual): "));
  CHECK(r.errors[1] ==
        "bistro_settings.nodes.node_sources[2] (range_label): parent_level "
        "\"host\" has no "
        "configured level below it (levels: 1 configured)");
}

TEST_CASE("A config without node sources gives a tree of the instance only") {
  auto r = build_nodes({"l1"}, {});
  REQUIRE(r.ok());
  CHECK(r.tree->size() == 1);
  CHECK(r.tree->nodes_at_level(1).empty());
}
