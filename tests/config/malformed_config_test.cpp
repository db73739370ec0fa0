#include <catch2/catch.hpp>

#include "actors/policies/builtin_policies.hpp"
#include "config/config.hpp"
#include "tests/support/config_builders.hpp"

using namespace bistro;
using bistro::testing::config_text;
using bistro::testing::parse_error;
using bistro::testing::parse_ok;

TEST_CASE("truncated JSON is an error, not a crash") {
  auto text = config_text(R"("enabled": true)");
  for (std::size_t cut = 0; cut < text.size(); ++cut) {
    auto result = parse_config(text.substr(0, cut), builtin_policy_catalog());
    CHECK_FALSE(result.ok());
  }
  CHECK(parse_error("{\"bistro_settings\": {").starts_with("invalid JSON: "));
}

TEST_CASE("a top level that is not an object is an error") {
  CHECK(parse_error("[1, 2]") == "(top level): expected an object, got [1,2]");
  CHECK(parse_error("").starts_with("invalid JSON"));
}

TEST_CASE("huge numbers are rejected with the value") {
  CHECK(
      parse_error(config_text(
          R"("resources": {"instance": {"c": {"limit": 99999999999999999999, "default": 1}}})")) ==
      "bistro_settings.resources.instance.c.limit: expected an integer >= 0, "
      "got 1E20");
  CHECK(
      parse_error(config_text(
          R"("resources": {"instance": {"c": {"limit": 18446744073709551615, "default": 1}}})")) ==
      "bistro_settings.resources.instance.c.limit: expected an integer >= 0, "
      "got 18446744073709551615");
  CHECK(parse_error(config_text(R"("backoff": [1e300])")) ==
        "bistro_settings.backoff[0]: expected an integer in [1, 2147483647], "
        "got 1E300");
}

TEST_CASE("deep nesting is an error, not a stack overflow") {
  std::string deep = R"({"bistro_settings": {"nodes": {"levels": []}}, "x": )";
  deep += std::string(100000, '[') + std::string(100000, ']') + "}";
  CHECK(parse_error(deep).starts_with("invalid JSON: "));
}

TEST_CASE("a 10 MB string is handled and cut short in messages") {
  std::string big(10 * 1024 * 1024, 'a');
  auto err = parse_error(config_text("\"scheduler\": \"" + big + "\""));
  CHECK(err.size() < 300);
  CHECK(err.starts_with("bistro_settings.scheduler: unknown scheduler"));
  auto cfg = parse_ok(config_text(
      "", R"("bistro_job->j": {"owner": "o", "config": {"blob": ")" + big +
              "\"}}"));
  CHECK(cfg->find_job("j")->config.at("blob").as_string().size() == big.size());
}

TEST_CASE("wrong types anywhere give errors naming the path") {
  CHECK(parse_error(R"({"bistro_settings": 1})") ==
        "bistro_settings: expected an object, got 1");
  CHECK(parse_error(R"({"bistro_settings": {"nodes": []}})") ==
        "bistro_settings.nodes: expected an object, got []");
  CHECK(parse_error(R"({"bistro_settings": {"nodes": {"levels": [{}]}}})") ==
        "bistro_settings.nodes.levels[0]: expected a string, got {}");
  CHECK(parse_error(R"({"bistro_settings": {"nodes": {"levels": [],
          "node_sources": [{"prefs": {}}]}}})") ==
        "bistro_settings.nodes.node_sources[0].source: required key is "
        "missing");
  CHECK(parse_error(config_text(R"("working_wait": -1)")) ==
        "bistro_settings.working_wait: expected a number >= 0, got -1");
  CHECK(parse_error(config_text(R"("task_subprocess": {"poll_ms": 0})")) ==
        "bistro_settings.task_subprocess.poll_ms: expected an integer >= 1, "
        "got 0");
}
