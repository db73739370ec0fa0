#include <catch2/catch.hpp>

#include "tests/actors/nodes/node_test_support.hpp"

using namespace bistro;
using namespace bistro::test;

TEST_CASE("range_label adds start..end children under every parent") {
  auto r = build_nodes(
      {"host", "db"},
      {{"manual", R"({"h1": [], "h2": []})"},
       {"range_label", R"({"parent_level": "host", "start": 2, "end": 4})"}});
  REQUIRE(r.ok());
  const auto& t = *r.tree;
  CHECK(names_at(t, 2) == std::vector<std::string>{"h1__2", "h1__3", "h1__4",
                                                   "h2__2", "h2__3", "h2__4"});
  CHECK(parent_name(t, *t.find("h2__3")) == "h2");
  CHECK(t.level(*t.find("h2__3")) == 2);
  CHECK(t.enabled(*t.find("h2__3")));
}

TEST_CASE("range_label fills every placeholder of its format") {
  auto r = build_nodes(
      {"l1"},
      {{"range_label", R"({"parent_level": "instance", "start": -1, "end": 1,
                           "format": "{parent}/{i}of{start}..{end}{{x}}"})"}});
  REQUIRE(r.ok());
  CHECK(names_at(*r.tree, 1) == std::vector<std::string>{"inst/-1of-1..1{x}",
                                                         "inst/0of-1..1{x}",
                                                         "inst/1of-1..1{x}"});
}

TEST_CASE("range_label adds disabled nodes when enabled is false") {
  auto r = build_nodes({"l1"}, {{"range_label",
                                 R"({"parent_level": "instance", "start": 0,
                                     "end": 0, "enabled": false})"}});
  REQUIRE(r.ok());
  CHECK_FALSE(r.tree->enabled(*r.tree->find("inst__0")));
}

TEST_CASE("range_label adds nothing when end is below start") {
  auto r = build_nodes({"l1"}, {{"range_label",
                                 R"({"parent_level": "instance", "start": 5,
                                     "end": 4})"}});
  REQUIRE(r.ok());
  CHECK(r.tree->size() == 1);
}

TEST_CASE("range_label reports each bad pref by name") {
  auto error_for = [](const std::string& prefs) {
    auto r = build_nodes({"host", "db"}, {{"range_label", prefs}});
    REQUIRE_FALSE(r.ok());
    REQUIRE(r.errors.size() == 1);
    return r.errors[0];
  };
  CHECK(error_for(R"({"parent_level": "rack", "start": 0, "end": 1})") ==
        "bistro_settings.nodes.node_sources[0] (range_label): parent_level "
        "\"rack\" is not a "
        "level");
  CHECK_THAT(error_for(R"({"start": 0, "end": 1})"),
             Catch::Contains("parent_level is required"));
  CHECK_THAT(error_for(R"({"parent_level": "db", "start": 0, "end": 1})"),
             Catch::Contains("no configured level below it"));
  CHECK_THAT(error_for(R"({"parent_level": "worker", "start": 0, "end": 1})"),
             Catch::Contains("no configured level below it"));
  CHECK_THAT(error_for(R"({"parent_level": "instance", "end": 1})"),
             Catch::Contains("start is required"));
  CHECK_THAT(error_for(R"({"parent_level": "instance", "start": 0,
                           "end": "x"})"),
             Catch::Contains("end must be an integer"));
  CHECK_THAT(error_for(R"({"parent_level": "instance", "start": 0, "end": 1,
                           "format": "{parent}-{j}"})"),
             Catch::Contains("unknown placeholder {j}"));
  CHECK_THAT(error_for(R"({"parent_level": "instance", "start": 0, "end": 1,
                           "format": "{parent"})"),
             Catch::Contains("unmatched '{'"));
  CHECK_THAT(error_for(R"({"parent_level": "instance", "start": 0, "end": 1,
                           "enabled": "sometimes"})"),
             Catch::Contains("enabled must be true or false"));
}
