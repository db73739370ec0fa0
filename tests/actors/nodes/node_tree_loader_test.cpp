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

TEST_CASE(
    "A manual node whose name is not valid UTF-8 is refused with a per-node "
    "error naming it escaped, and every other node is made") {
  // Built by hand: Boost.JSON's parser itself refuses such a string.
  boost::json::object prefs;
  prefs["host1"] = boost::json::array{"good", "bad\xff"};
  prefs["bad\xff"] = boost::json::array{"child_of_bad"};
  prefs["host2"] = boost::json::array{"other"};
  auto cfg = make_node_config({"host", "db", "table"});
  cfg.node_sources.push_back({"manual", prefs});
  auto r = build_node_tree(cfg, "inst", 0);
  REQUIRE(r.ok());
  CHECK(r.errors.empty());
  const auto& t = *r.tree;
  CHECK(names_at(t, 1) == std::vector<std::string>{"host1", "host2"});
  CHECK(names_at(t, 2) == std::vector<std::string>{"good", "other"});
  CHECK_FALSE(t.find("bad\xff"));
  CHECK_FALSE(t.find("child_of_bad"));
  CHECK(r.refused ==
        std::vector<std::string>{
            "bistro_settings.nodes.node_sources[0] (manual): node "
            "\"bad\\xff\" (level 2, under \"host1\") refused: its name is not "
            "valid UTF-8: byte 0xff at offset 3",
            "bistro_settings.nodes.node_sources[0] (manual): 1 nodes below "
            "refused nodes not made either"});
}

TEST_CASE(
    "A node name holding a NUL byte is refused and the nodes after it are "
    "made") {
  auto r = build_nodes({"host"}, {{"manual", R"({"a\u0000b": [], "c": []})"}});
  REQUIRE(r.ok());
  CHECK(names_at(*r.tree, 1) == std::vector<std::string>{"c"});
  REQUIRE(r.refused.size() == 1);
  CHECK(r.refused[0] ==
        "bistro_settings.nodes.node_sources[0] (manual): node \"a\\x00b\" "
        "(level 1, under \"inst\") refused: its name holds a NUL byte at "
        "offset 1");
}

TEST_CASE("Valid multi-byte UTF-8 node names are made as they are") {
  const std::string name =
      "n\xc5\x93ud-\xe6\x97\xa5\xe6\x9c\xac-\xf0\x9f\x99\x82";
  boost::json::object prefs;
  prefs[name] = boost::json::array{"caf\xc3\xa9"};
  auto cfg = make_node_config({"host", "db"});
  cfg.node_sources.push_back({"manual", prefs});
  auto r = build_node_tree(cfg, "inst", 0);
  REQUIRE(r.ok());
  CHECK(r.refused.empty());
  REQUIRE(r.tree->find(name));
  CHECK(r.tree->name(*r.tree->find(name)) == name);
  CHECK(parent_name(*r.tree, *r.tree->find("caf\xc3\xa9")) == name);
}

TEST_CASE(
    "Refusals stop being named past max_refusals_named, and are counted") {
  boost::json::array kids;
  for (int i = 0; i < 25; ++i)
    kids.emplace_back("bad" + std::to_string(i) + "\xc0");
  kids.emplace_back("fine");
  boost::json::object prefs;
  prefs["top"] = std::move(kids);
  auto cfg = make_node_config({"host", "db"});
  cfg.node_sources.push_back({"manual", prefs});
  auto r = build_node_tree(cfg, "inst", 0);
  REQUIRE(r.ok());
  CHECK(names_at(*r.tree, 2) == std::vector<std::string>{"fine"});
  REQUIRE(r.refused.size() == node_tree_builder::max_refusals_named + 1);
  CHECK(r.refused.back() ==
        "bistro_settings.nodes.node_sources[0] (manual): 5 more nodes refused "
        "for their names");
}

TEST_CASE("A merge builds from each entry's fetch, at each entry's time") {
  auto cfg = make_node_config(
      {"l1", "l2"},
      {{"script", R"({"parent_level": "instance", "script": "/nonexistent"})"},
       {"add_time",
        R"({"parent_level": "l1", "schedule": )"
        R"([{"lifetime": 5, "cron": {"epoch": {"period": 10}}}]})"}});
  auto script_fetch = std::make_shared<fetched_nodes>();
  script_fetch->by_parent["inst"] = {"a\nb\n", ""};
  auto time_fetch = std::make_shared<fetched_nodes>(fetched_nodes{42, {}});
  auto merged = merge_node_tree(cfg, "inst", {script_fetch, time_fetch});
  REQUIRE(merged.unfetched.empty());
  REQUIRE(merged.result.ok());
  CHECK(names_at(*merged.result.tree, 1) == std::vector<std::string>{"a", "b"});
  // add_time used its own fetch's time (42: the event at 40), no script ran.
  CHECK(names_at(*merged.result.tree, 2) ==
        std::vector<std::string>{"a:40", "b:40"});
}

TEST_CASE("A merge names every parent of a source that lacks a fetch") {
  auto cfg = make_node_config(
      {"l1", "l2"},
      {{"manual", R"({"h1": [], "h2": []})"},
       {"script", R"({"parent_level": "l1", "script": "/nonexistent"})"}});
  auto nothing = std::make_shared<fetched_nodes>();
  auto only_h1 = std::make_shared<fetched_nodes>();
  only_h1->by_parent["h1"] = {"d1\n", ""};
  auto merged = merge_node_tree(cfg, "inst", {nothing, only_h1});
  CHECK_FALSE(merged.result.ok());
  CHECK(merged.result.errors.empty());
  REQUIRE(merged.unfetched.size() == 1);
  CHECK(merged.unfetched[0].first == 1);
  CHECK(merged.unfetched[0].second == std::vector<std::string>{"h1", "h2"});
  // A failed run is the entry's error, as when the script runs in place.
  auto failed = std::make_shared<fetched_nodes>(*only_h1);
  failed->by_parent["h2"] = {"", "exited with status 3"};
  merged = merge_node_tree(cfg, "inst", {nothing, failed});
  REQUIRE(merged.result.errors.size() == 1);
  CHECK(merged.result.errors[0] ==
        "bistro_settings.nodes.node_sources[1] (script): script "
        "\"/nonexistent\" for parent \"h2\": exited with status 3");
}
