// The monitor answers in the shape Bistro's web UI reads: a job as Bistro
// exports it, and Bistro's per-level histograms of status bits.
#include "actors/monitor/bistro_monitor_format.hpp"

#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include "tests/support/scheduler_fixtures.hpp"

using namespace bistro;
using namespace bistro::testing;
namespace json = boost::json;

TEST_CASE("a job is exported with every default filled in, as Bistro does") {
  auto cfg = make_config(bistro_settings(), job("j"));
  auto out = bistro_job_json(*cfg, cfg->jobs[0]);
  CHECK(out == json::parse(R"({
    "enabled": true, "owner": "test", "level_for_tasks": "db",
    "priority": 1.0, "config": {},
    "backoff": [15, 30, 60, 300, 900, 3600, 7200, 21600, 86400, "repeat"],
    "kill_orphan_tasks_after_sec": false,
    "task_subprocess": {
      "poll_ms": 10, "max_log_lines_per_poll_interval": 50,
      "parent_death_signal": 9, "process_group_leader": false,
      "use_canary_pipe": true,
      "cgroups": {"root": "", "slice": "", "subsystems": [],
                  "kill_without_freezer": false},
      "max_log_bytes_per_poll_interval": 65536,
      "max_log_bytes_per_task": 67108864},
    "kill_subprocess": {"method": "term_wait_kill", "kill_wait_ms": 5000},
    "resources": {"host_concurrency": 1, "db_concurrency": 1}
  })"));
}

TEST_CASE("a job's own settings and the optional fields are exported") {
  auto cfg = make_config(
      bistro_settings(R"("kill_orphan_tasks_after_sec": 2.5)"),
      job("a") + ", " +
          job("j", R"("priority": 3, "level_for_tasks": "host",)"
                   R"( "config": {"k": 1}, "backoff": [5, "fail"],)"
                   R"( "resources": {"db_concurrency": 0},)"
                   R"( "filters": {"db": {"whitelist": ["db2", "db1"],)"
                   R"(   "blacklist_regex": "x$"}},)"
                   R"( "depends_on": ["a"], "command": ["/bin/t", "-v"],)"
                   R"( "host_placement": "h1", "create_time": 1700000000,)"
                   R"( "version_id": 7, "enabled": false,)"
                   R"( "task_subprocess": {"cgroups": {"slice": "s"}},)"
                   R"( "kill_subprocess": {"method": "kill"})"));
  auto out = bistro_job_json(*cfg, cfg->jobs[1]);
  CHECK(out.at("enabled") == false);
  CHECK(out.at("priority") == 3.0);
  CHECK(out.at("level_for_tasks") == "host");
  CHECK(out.at("config") == json::parse(R"({"k": 1})"));
  CHECK(out.at("backoff") == json::parse(R"([5, "fail"])"));
  CHECK(out.at("kill_orphan_tasks_after_sec") == 2.5);
  CHECK(out.at("resources") ==
        json::parse(R"({"host_concurrency": 1, "db_concurrency": 0})"));
  CHECK(out.at("filters") == json::parse(R"({"db": {"whitelist": ["db1", "db2"],
                               "blacklist_regex": "x$"}})"));
  CHECK(out.at("depends_on") == json::parse(R"(["a"])"));
  CHECK(out.at("command") == json::parse(R"(["/bin/t", "-v"])"));
  CHECK(out.at("host_placement") == "h1");
  CHECK(out.at("create_time") == 1700000000);
  CHECK(out.at("version_id") == 7);
  CHECK_FALSE(out.contains("modify_time"));
  CHECK(out.at("task_subprocess").at("cgroups").at("slice") == "s");
  CHECK(out.at("kill_subprocess").at("method") == "kill");
  CHECK_FALSE(out.contains("errors"));
}

TEST_CASE("a job's errors are one object nested by JSON path") {
  // make_config refuses job errors: parse it directly.
  auto parsed = parse_config(
      "{\"bistro_settings\": {" + bistro_settings() + "}, " +
          job("bad",
              R"("priority": "high", "filters": {"db": {"whitelist": [{"x": 1}]}})") +
          "}",
      builtin_policy_catalog());
  REQUIRE(parsed.ok());
  auto cfg = parsed.value;
  const auto& job = cfg->jobs[0];
  REQUIRE(job.errors.size() == 2);
  auto out = bistro_job_json(*cfg, job);
  REQUIRE(out.contains("errors"));
  const auto& errors = out.at("errors");
  const auto& priority = errors.at("nested").at("priority");
  CHECK(priority.at("value") == "high");
  CHECK(priority.at("error").is_string());
  const auto& item = errors.at("nested")
                         .at("filters")
                         .at("nested")
                         .at("db")
                         .at("nested")
                         .at("whitelist")
                         .at("nested")
                         .at("0");
  CHECK(item.at("value") == json::parse(R"({"x": 1})"));
  CHECK(item.at("error").is_string());
}

namespace {

/// A status row with `label` on each named node.
job_status_row row_with(
    const node_tree& tree, const config& cfg,
    const std::vector<std::pair<std::string, status_label>>& statuses) {
  job_status_row row(tree.size());
  for (const auto& [name, label] : statuses) {
    auto n = *tree.find(name);
    if (label == status_label::running)
      row.mark_running(n, 1000);
    else
      row.apply(n, parsed_status{label, "", ""}, 1000, cfg.jobs[0].backoff);
  }
  return row;
}

}  // namespace

TEST_CASE("histograms count nodes by ORed status bits on every level up") {
  auto cfg =
      make_config(bistro_settings(),
                  job("j", R"("filters": {"db": {"blacklist": ["db22"]}})"));
  auto tree = make_tree(*cfg, {{"host1", ""},
                               {"db11", "host1"},
                               {"db12", "host1"},
                               {"host2", ""},
                               {"db21", "host2"},
                               {"db22", "host2"},
                               {"host3", "", false},
                               {"db31", "host3"}});
  auto row = row_with(*tree, *cfg,
                      {{"db11", status_label::done},
                       {"db12", status_label::running},
                       {"db21", status_label::error_backoff}});
  task_exclusions ex(*cfg, *tree);
  // db21 waits 15 s from t=1000 ms.
  auto h = make_bistro_histogram(*cfg, *tree, 0, row, ex, 2000, 5);
  CHECK(h.counts == json::parse(R"({
    "db": {"E": 1, "C": 1, "gB": 1, "AC": 1, "AE": 1},
    "host": {"G": 1, "gD": 1, "AE": 1},
    "instance": {"mH": 1}
  })"));
  CHECK(h.samples.at("db").at("gB") == json::parse(R"(["db21"])"));
  CHECK(h.samples.at("db").at("AC") == json::parse(R"(["db22"])"));
  CHECK(h.samples.at("host").at("G") == json::parse(R"(["host1"])"));
  // Once the backoff is over, the bit goes.
  auto later = make_bistro_histogram(*cfg, *tree, 0, row, ex, 20'000, 0);
  CHECK(later.counts.at("db").at("g") == 1);
  CHECK(later.samples.empty());
}

TEST_CASE("a histogram's samples are capped at num_samples, in tree order") {
  auto cfg = make_config(bistro_settings(), job("j"));
  auto tree = make_tree(*cfg, bistro_nodes());
  job_status_row row(tree->size());
  task_exclusions ex(*cfg, *tree);
  auto h = make_bistro_histogram(*cfg, *tree, 0, row, ex, 1, 3);
  CHECK(h.counts.at("db").at("B") == 4);
  CHECK(h.samples.at("db").at("B") ==
        json::parse(R"(["db11", "db12", "db21"])"));
  CHECK(h.counts.at("instance").at("B") == 1);
}
