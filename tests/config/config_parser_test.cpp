#include <catch2/catch.hpp>
#include <fstream>

#include "actors/policies/builtin_policies.hpp"
#include "config/config.hpp"
#include "tests/support/config_builders.hpp"

using namespace bistro;
using bistro::testing::config_text;
using bistro::testing::parse_error;
using bistro::testing::parse_ok;

TEST_CASE(
    "the seed's simple example parses as the getting-started guide says") {
  auto result =
      load_config_file("config/examples/simple", builtin_policy_catalog());
  REQUIRE(result.ok());
  const auto& cfg = *result.value;
  CHECK(cfg.enabled);
  CHECK(cfg.levels ==
        std::vector<std::string>{"instance", "level1", "level2", "worker"});
  REQUIRE(cfg.node_sources.size() == 1);
  CHECK(cfg.node_sources[0].source == "manual");
  CHECK(cfg.node_sources[0].prefs.at("node1").as_array().size() == 2);
  REQUIRE(cfg.resources.size() == 1);
  CHECK(cfg.resources[0].name == "concurrency");
  CHECK(cfg.resources[0].level == 0);
  CHECK(cfg.resources[0].limit == 3);
  CHECK(cfg.resources[0].default_amount == 1);
  REQUIRE(cfg.jobs.size() == 1);
  CHECK(cfg.jobs[0].name == "simple_job");
  CHECK(cfg.jobs[0].owner == "test");
  CHECK(cfg.jobs[0].runnable());
  CHECK(cfg.jobs[0].level_for_tasks == 2);
  CHECK(cfg.jobs[0].resources == std::vector<std::int64_t>{1});
}

TEST_CASE("settings have Bistro's defaults when omitted") {
  auto cfg = parse_ok(config_text(""));
  CHECK_FALSE(cfg->enabled);
  CHECK(cfg->working_wait_sec == 0.5);
  CHECK(cfg->idle_wait_sec == 5.0);
  CHECK(cfg->scheduler == "roundrobin");
  CHECK(cfg->remote_worker_selector == worker_selector::roundrobin);
  CHECK(cfg->backoff == backoff_settings::bistro_default());
  CHECK(cfg->order == node_order::random);
  CHECK(cfg->level_for_tasks == 2);  // the bottom configured level
  CHECK_FALSE(cfg->kill_orphan_tasks_after_sec.has_value());
  CHECK(cfg->task_subprocess == task_subprocess_options{});
  CHECK(cfg->kill_subprocess.method == kill_method::term_wait_kill);
  CHECK(cfg->worker_resources_override.empty());
  CHECK(cfg->instance_level() == 0);
  CHECK(cfg->worker_level() == 3);
}

TEST_CASE("every setting is read when given") {
  auto cfg = parse_ok(config_text(
      R"("enabled": true, "working_wait": 0.25, "idle_wait": 2,
         "scheduler": "long_tail", "remote_worker_selector": "busiest",
         "backoff": [1, 2, "repeat"], "level_for_tasks": "host",
         "kill_orphan_tasks_after_sec": 1.5,
         "task_subprocess": {"poll_ms": 20, "max_log_lines_per_poll_interval": 7,
           "max_log_bytes_per_poll_interval": 4096,
           "max_log_bytes_per_task": 1000000, "parent_death_signal": 15, "process_group_leader": true,
           "use_canary_pipe": false},
         "kill_subprocess": {"method": "kill", "kill_wait_ms": 100},
         "resources": {"worker": {"cpu": {"limit": 8, "default": 1, "weight": 3}}},
         "worker_resources_override": {"w1": {"cpu": 16}})"));
  CHECK(cfg->enabled);
  CHECK(cfg->working_wait_sec == 0.25);
  CHECK(cfg->idle_wait_sec == 2.0);
  CHECK(cfg->scheduler == "long_tail");
  CHECK(cfg->remote_worker_selector == worker_selector::busiest);
  CHECK(cfg->backoff == backoff_settings{{1, 2}, true});
  CHECK(cfg->level_for_tasks == 1);
  CHECK(cfg->kill_orphan_tasks_after_sec == 1.5);
  CHECK(cfg->task_subprocess.poll_ms == 20);
  CHECK(cfg->task_subprocess.max_log_lines_per_poll_interval == 7);
  CHECK(cfg->task_subprocess.max_log_bytes_per_poll_interval == 4096);
  CHECK(cfg->task_subprocess.max_log_bytes_per_task == 1000000);
  CHECK(cfg->task_subprocess.parent_death_signal == 15);
  CHECK(cfg->task_subprocess.process_group_leader);
  CHECK_FALSE(cfg->task_subprocess.use_canary_pipe);
  CHECK(cfg->kill_subprocess == kill_request{kill_method::kill, 100});
  REQUIRE(cfg->resources.size() == 1);
  CHECK(cfg->resources[0].weight == 3);
  CHECK(cfg->resources_by_level[3] == std::vector<resource_id>{0});
  CHECK(cfg->worker_resources_override.at("w1") ==
        std::vector<std::pair<resource_id, std::int64_t>>{{0, 16}});
}

TEST_CASE("kill_orphan_tasks_after_sec accepts booleans and negatives") {
  CHECK(parse_ok(config_text(R"("kill_orphan_tasks_after_sec": true)"))
            ->kill_orphan_tasks_after_sec == 0.0);
  CHECK_FALSE(parse_ok(config_text(R"("kill_orphan_tasks_after_sec": false)"))
                  ->kill_orphan_tasks_after_sec.has_value());
  CHECK_FALSE(parse_ok(config_text(R"("kill_orphan_tasks_after_sec": -1)"))
                  ->kill_orphan_tasks_after_sec.has_value());
  CHECK(parse_error(config_text(R"("kill_orphan_tasks_after_sec": "5")")) ==
        "bistro_settings.kill_orphan_tasks_after_sec: expected a number of "
        "seconds or a boolean, got \"5\"");
}

TEST_CASE("both node source spellings give the same sources") {
  auto shorthand = parse_ok(
      R"({"bistro_settings": {"nodes": {"levels": ["a"], "node_source": "manual",
          "node_source_prefs": {"x": []}}}})");
  auto list = parse_ok(
      R"({"bistro_settings": {"nodes": {"levels": ["a"], "node_sources":
          [{"source": "manual", "prefs": {"x": []}}]}}})");
  REQUIRE(shorthand->node_sources.size() == 1);
  REQUIRE(list->node_sources.size() == 1);
  CHECK(shorthand->node_sources[0].source == list->node_sources[0].source);
  CHECK(shorthand->node_sources[0].prefs == list->node_sources[0].prefs);
}

TEST_CASE("a node source list keeps its order and a missing prefs is empty") {
  auto cfg = parse_ok(
      R"({"bistro_settings": {"nodes": {"levels": ["a", "b"], "node_sources": [
          {"source": "range_label", "prefs": {"parent_level": "instance"}},
          {"source": "empty"}]}}})");
  REQUIRE(cfg->node_sources.size() == 2);
  CHECK(cfg->node_sources[0].source == "range_label");
  CHECK(cfg->node_sources[1].source == "empty");
  CHECK(cfg->node_sources[1].prefs.empty());
}

TEST_CASE("a bad resource limit names its JSON path and the value") {
  CHECK(
      parse_error(config_text(
          R"("resources": {"instance": {"concurrency": {"limit": "three", "default": 1}}})")) ==
      "bistro_settings.resources.instance.concurrency.limit: expected an "
      "integer >= 0, got \"three\"");
  CHECK(
      parse_error(config_text(
          R"("resources": {"instance": {"concurrency": {"limit": -1, "default": 1}}})")) ==
      "bistro_settings.resources.instance.concurrency.limit: expected an "
      "integer >= 0, got -1");
  CHECK(parse_error(config_text(
            R"("resources": {"instance": {"concurrency": {"limit": 1}}})")) ==
        "bistro_settings.resources.instance.concurrency.default: required key "
        "is missing");
  CHECK(parse_error(config_text(
            R"("resources": {"rack": {"c": {"limit": 1, "default": 1}}})")) ==
        "bistro_settings.resources.rack: unknown level \"rack\"; levels: "
        "instance, host, db, worker");
  CHECK(parse_error(config_text(
            R"("resources": {"host": {"c": {"limit": 1, "default": 1}},
                             "db": {"c": {"limit": 1, "default": 1}}})")) ==
        "bistro_settings.resources.db.c: resource names must be unique across "
        "levels");
}

TEST_CASE("an unknown scheduler lists the valid ones") {
  CHECK(parse_error(config_text(R"("scheduler": "fifo")")) ==
        "bistro_settings.scheduler: unknown scheduler \"fifo\"; valid: "
        "roundrobin, ranked_priority, randomized_priority, long_tail, "
        "fair_share");
  CHECK(parse_error(config_text(R"("remote_worker_selector": "x")")) ==
        "bistro_settings.remote_worker_selector: unknown "
        "remote_worker_selector \"x\"; valid: roundrobin, busiest");
}

TEST_CASE("bad settings reject the whole file") {
  CHECK(parse_error(R"({"bistro_job->a": {"owner": "x"}})") ==
        "bistro_settings: required key is missing");
  CHECK(parse_error(R"({"bistro_settings": {}})") ==
        "bistro_settings.nodes: required key is missing");
  CHECK(parse_error(R"({"bistro_settings": {"nodes": {}}})") ==
        "bistro_settings.nodes.levels: required key is missing");
  CHECK(parse_error(
            R"({"bistro_settings": {"nodes": {"levels": ["a", "a"]}}})") ==
        "bistro_settings.nodes.levels[1]: level names must be unique, "
        "non-empty and not \"instance\" or \"worker\", got \"a\"");
  CHECK(parse_error(config_text(R"("enabled": "maybe")")) ==
        "bistro_settings.enabled: expected true or false, got \"maybe\"");
  CHECK(parse_error(config_text(R"("level_for_tasks": "rack")")) ==
        "bistro_settings.level_for_tasks: unknown level \"rack\"; levels: "
        "instance, host, db, worker");
  CHECK(parse_error(config_text(R"("kill_subprocess": {"method": "nuke"})")) ==
        "bistro_settings.kill_subprocess.method: unknown kill method \"nuke\"; "
        "valid: term, term_wait_kill, kill");
  CHECK(parse_error(config_text(
            R"("resources": {"host": {"c": {"limit": 1, "default": 1}}},
               "worker_resources_override": {"w": {"c": 2}})")) ==
        "bistro_settings.worker_resources_override.w.c: not a worker-level "
        "resource");
  CHECK(
      parse_error(
          R"({"bistro_settings": {"nodes": {"levels": [], "node_order": "up"}}})") ==
      "bistro_settings.nodes.node_order: unknown node order \"up\"; valid: "
      "random, original, lexicographic");
}

TEST_CASE("node_order is read") {
  auto cfg = parse_ok(
      R"({"bistro_settings": {"nodes": {"levels": [], "node_order": "lexicographic"}}})");
  CHECK(cfg->order == node_order::lexicographic);
  CHECK(cfg->levels == std::vector<std::string>{"instance", "worker"});
  CHECK(cfg->level_for_tasks == 0);
}

TEST_CASE("unknown keys are warnings, not errors") {
  auto cfg =
      parse_ok(config_text(R"("colour": "blue")", R"("bistro_jobs->x": {})"));
  REQUIRE(cfg->warnings.size() == 2);
  CHECK(cfg->warnings[0] == "bistro_settings.colour: unknown key, ignored");
  CHECK(cfg->warnings[1].starts_with("bistro_jobs->x: unknown top-level key"));
}

TEST_CASE("a file that cannot be read names the file") {
  auto result =
      load_config_file("/nonexistent/bistro.json", builtin_policy_catalog());
  REQUIRE_FALSE(result.ok());
  CHECK(result.errors.front() ==
        "/nonexistent/bistro.json: cannot open config file: No such file or "
        "directory");
}

TEST_CASE("every built-in policy name is accepted as the scheduler") {
  for (const auto& entry : builtin_policy_catalog().entries)
    CHECK(parse_ok(config_text("\"scheduler\": \"" + entry.name + "\""))
              ->scheduler == entry.name);
}

namespace {

// A catalog as a registry with one policy of its own would hand it in.
policy_catalog catalog_with_custom_policy() {
  policy_catalog catalog;
  catalog.entries.push_back({"roundrobin", {}});
  catalog.entries.push_back(
      {"custom",
       [](const boost::json::object& prefs) -> std::optional<std::string> {
         if (prefs.contains("depth")) return std::nullopt;
         return std::string{"depth is required"};
       }});
  return catalog;
}

}  // namespace

TEST_CASE("the scheduler names are exactly those of the catalog handed in") {
  const auto catalog = catalog_with_custom_policy();
  auto ok = parse_config(
      config_text(R"("scheduler": "custom", "scheduler_prefs": {"depth": 2})"),
      catalog);
  REQUIRE(ok.ok());
  CHECK(ok.value->scheduler == "custom");
  CHECK(ok.value->scheduler_prefs.at("depth").as_int64() == 2);
  auto refused =
      parse_config(config_text(R"("scheduler": "ranked_priority")"), catalog);
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.errors.front() ==
        "bistro_settings.scheduler: unknown scheduler \"ranked_priority\"; "
        "valid: roundrobin, custom");
}

TEST_CASE("scheduler_prefs are judged by the policy the config names") {
  const auto catalog = catalog_with_custom_policy();
  auto missing = parse_config(config_text(R"("scheduler": "custom")"), catalog);
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.errors.front() ==
        "bistro_settings.scheduler_prefs: depth is required");
  auto unwanted =
      parse_config(config_text(R"("scheduler_prefs": {"depth": 2})"), catalog);
  REQUIRE_FALSE(unwanted.ok());
  CHECK(unwanted.errors.front() ==
        "bistro_settings.scheduler_prefs: scheduler \"roundrobin\" takes no "
        "prefs");
  CHECK(parse_error(config_text(R"("scheduler": "fair_share",)"
                                R"( "scheduler_prefs": {"window_sec": 0})")) ==
        "bistro_settings.scheduler_prefs: window_sec must be an integer "
        "between 1 and 316224000");
}

TEST_CASE("a config without a scheduler needs the default in the catalog") {
  policy_catalog only_custom;
  only_custom.entries.push_back({"custom", {}});
  auto result = parse_config(config_text(""), only_custom);
  REQUIRE_FALSE(result.ok());
  CHECK(result.errors.front() ==
        "bistro_settings.scheduler: the default scheduler \"roundrobin\" is "
        "not registered; valid: custom");
}
