#include <catch2/catch.hpp>

#include "tests/actors/nodes/node_test_support.hpp"

using namespace bistro;
using namespace bistro::test;

namespace {

node_tree_result manual(const std::vector<std::string>& levels,
                        const std::string& prefs) {
  return build_nodes(levels, {{"manual", prefs}});
}

}  // namespace

TEST_CASE("manual hangs lists of children under their parents") {
  auto r = manual({"l1", "l2", "l3"},
                  R"({"n11": ["n111", "n112"], "n1": ["n11", "n12"],
                      "n2": ["n21"]})");
  REQUIRE(r.ok());
  const auto& t = *r.tree;
  CHECK(names_at(t, 1) == std::vector<std::string>{"n1", "n2"});
  CHECK(names_at(t, 2) == std::vector<std::string>{"n11", "n12", "n21"});
  CHECK(names_at(t, 3) == std::vector<std::string>{"n111", "n112"});
  CHECK(parent_name(t, *t.find("n1")) == "inst");
  CHECK(parent_name(t, *t.find("n11")) == "n1");
  CHECK(parent_name(t, *t.find("n112")) == "n11");
  CHECK(parent_name(t, *t.find("n21")) == "n2");
}

TEST_CASE("manual accepts a single child name as a string") {
  auto r = manual({"l1", "l2"}, R"({"top": "kid"})");
  REQUIRE(r.ok());
  CHECK(names_at(*r.tree, 1) == std::vector<std::string>{"top"});
  CHECK(names_at(*r.tree, 2) == std::vector<std::string>{"kid"});
}

TEST_CASE("manual disables nodes marked disabled, not their children") {
  auto r = manual({"l1", "l2"}, R"({
      "n1": {"children": ["n11", "n12"], "disabled": true},
      "n12": {"disabled": true},
      "n2": {"disabled": false}})");
  REQUIRE(r.ok());
  const auto& t = *r.tree;
  CHECK_FALSE(t.enabled(*t.find("n1")));
  CHECK(t.enabled(*t.find("n11")));
  CHECK_FALSE(t.enabled(*t.find("n12")));
  CHECK(t.enabled(*t.find("n2")));
  CHECK(parent_name(t, *t.find("n12")) == "n1");
}

TEST_CASE("manual makes a child listed under two parents a replica") {
  auto r = manual({"l1", "l2"}, R"({"a": ["s", "s2"], "b": ["s"]})");
  REQUIRE(r.ok());
  const auto& t = *r.tree;
  const auto level2 = t.nodes_at_level(2);
  REQUIRE(level2.size() == 3);
  const node_id first = level2[0], replica = level2[2];
  CHECK(t.name(first) == "s");
  CHECK(t.name(replica) == "s");
  CHECK(parent_name(t, first) == "a");
  CHECK(parent_name(t, replica) == "b");
  CHECK(t.canonical(replica) == first);
  CHECK(t.find("s") == first);
}

TEST_CASE("manual rejects a node deeper than the configured levels") {
  auto r = manual({"l1", "l2"}, R"({"n1": "n2", "n2": "n3"})");
  CHECK_FALSE(r.ok());
  REQUIRE(r.errors.size() == 1);
  CHECK_THAT(
      r.errors[0],
      Catch::Contains("\"n3\"") && Catch::Contains("level 3") &&
          Catch::Contains("bistro_settings.nodes.node_sources[0] (manual)"));
}

TEST_CASE("manual rejects prefs with no top-level node") {
  auto r = manual({"l1", "l2"}, R"({"n1": "n2", "n2": "n1"})");
  CHECK_FALSE(r.ok());
  REQUIRE(r.errors.size() == 1);
  CHECK_THAT(r.errors[0], Catch::Contains("no top-level nodes"));
}

TEST_CASE("manual rejects children that are not names") {
  auto r = manual({"l1", "l2"}, R"({"n1": [3]})");
  REQUIRE_FALSE(r.ok());
  CHECK_THAT(r.errors[0], Catch::Contains("\"n1\": child names"));
}
