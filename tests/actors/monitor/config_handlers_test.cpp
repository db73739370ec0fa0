// The handlers that read the config and the node tree, over a view the test
// builds: no scheduler actor.
#include "actors/monitor/config_handlers.hpp"

#include <catch2/catch.hpp>

#include "tests/actors/monitor/view_fixture.hpp"

using namespace bistro;
using namespace bistro::testing;
namespace json = boost::json;

TEST_CASE("config handlers: before the first config they are unavailable") {
  view_fixture f;
  auto v = f.view_without_config();
  for (auto answer : {jobs_answer, sorted_node_names_answer, nodes_answer}) {
    auto r = answer(v, {});
    REQUIRE_FALSE(r);
    CHECK(r.error().code == monitor_errc::unavailable);
    CHECK(r.error().message == "no config loaded yet");
  }
  // These have an answer without one.
  CHECK(errors_answer(v, {}).ok());
  CHECK(config_answer(v, {})->at("config") == json::object{});
  CHECK(*refresh_time_answer(v, {}) == 42);
}

TEST_CASE("config handlers: errors joins the sources and the jobs' errors") {
  view_fixture f{job("ok")};
  // A job with an error: make_config refuses those, parse_config keeps it.
  auto parsed = parse_config("{\"bistro_settings\": {" + bistro_settings() +
                                 "}, " + job("ok") +
                                 R"(, "bistro_job->bad": {"owner": "t",
             "level_for_tasks": "no_such_level"}})",
                             builtin_policy_catalog());
  REQUIRE(parsed.ok());
  f.cfg = parsed.value;
  f.tree = make_tree(*f.cfg, bistro_nodes());
  f.reset_rows();
  f.errors["nodes"] = {"nodes: the script failed", 7};
  auto errors = errors_answer(f.view(), {});
  REQUIRE(errors);
  const auto& o = errors->as_object();
  CHECK(o.at("nodes") == "nodes: the script failed");
  REQUIRE(o.contains("job bad"));
  CHECK_FALSE(o.contains("job ok"));
}

TEST_CASE("config handlers: jobs answers the named jobs, skipping unknown") {
  view_fixture f{job("a") + ", " + job("b")};
  auto all = jobs_answer(f.view(), {});
  REQUIRE(all);
  CHECK(all->as_object().size() == 2);
  auto some = jobs_answer(f.view(), entry(R"({"jobs": ["b", "nope"]})"));
  REQUIRE(some);
  CHECK(some->as_object().size() == 1);
  CHECK(some->as_object().at("b").at("owner") == "test");
  auto bad = jobs_answer(f.view(), entry(R"({"jobs": "b"})"));
  REQUIRE_FALSE(bad);
  CHECK(bad.error().code == monitor_errc::bad_request);
  CHECK(bad.error().message == "jobs: expected a list of strings");
}

TEST_CASE("config handlers: nodes and sorted_node_names read the tree") {
  view_fixture f;
  auto names = sorted_node_names_answer(f.view(), {});
  REQUIRE(names);
  CHECK(names->at("db") == json::parse(R"(["db11", "db12", "db21", "db22"])"));
  CHECK(names->at("host") == json::parse(R"(["host1", "host2"])"));

  auto nodes = nodes_answer(
      f.view(),
      entry(R"({"nodes": ["db11", "nope"], "fields": ["resources"]})"));
  REQUIRE(nodes);
  CHECK(nodes->at("results") == json::parse(R"({"db": {"db11": {"resources":
      {"db_concurrency": {"default": 1, "limit": 1}}}}})"));
  auto bad = nodes_answer(f.view(), entry(R"({"fields": ["color"]})"));
  REQUIRE_FALSE(bad);
  CHECK(bad.error().code == monitor_errc::bad_request);
  CHECK(bad.error().message == "Unknown field name: color");
}

TEST_CASE("config handlers: config names the file, the levels and the jobs") {
  view_fixture f{job("a")};
  f.errors["config"] = {"config: bad", 1};
  auto c = config_answer(f.view(), {});
  REQUIRE(c);
  CHECK(c->at("file") == "/etc/bistro.json");
  CHECK(c->at("loaded_ms") == 42000);
  CHECK(c->at("errors") == json::parse(R"(["config: bad"])"));
  CHECK(c->at("config").at("levels") ==
        json::parse(R"(["instance", "host", "db", "worker"])"));
  CHECK(c->at("config").at("jobs") == json::parse(R"(["a"])"));
}

TEST_CASE("config handlers: node_page pages a level by prefix") {
  view_fixture f;
  auto first = node_page_answer(
      f.view(), entry(R"({"level": "db", "prefix": "db1", "limit": 1})"));
  REQUIRE(first);
  CHECK(first->at("total") == 2);
  CHECK(first->at("next") == "db11");
  CHECK(first->at("nodes").at(0).at("parent") == "host1");
  auto rest = node_page_answer(
      f.view(), entry(R"({"level": "db", "prefix": "db1", "after": "db11"})"));
  REQUIRE(rest);
  CHECK(rest->at("nodes").as_array().size() == 1);
  CHECK(rest->at("next").is_null());
  auto level = node_page_answer(f.view(), entry(R"({"level": "rack"})"));
  REQUIRE_FALSE(level);
  CHECK(level.error().code == monitor_errc::bad_request);
  CHECK(level.error().message == "level: unknown level rack");
  auto after = node_page_answer(f.view(), entry(R"({"after": "db99"})"));
  REQUIRE_FALSE(after);
  CHECK(after.error().code == monitor_errc::not_found);
  CHECK(after.error().message == "after: unknown node db99");
  CHECK(node_page_answer(f.view(), entry(R"({"limit": 0})")).error().message ==
        "limit: must be between 1 and 10000");
}
