// Configs shaped as Bistro users write them (its docs, its test configs and
// its parser's behaviour), each showing one place where we used to differ.
#include <algorithm>
#include <catch2/catch.hpp>

#include "config/config.hpp"
#include "config/lenient_value.hpp"
#include "tests/support/config_builders.hpp"

using namespace bistro;
using bistro::testing::config_text;
using bistro::testing::parse_ok;

namespace {

const std::string resources =
    R"("resources": {"host": {"host_slots": {"limit": 2, "default": 1}}})";

bool has_warning(const config& cfg, const std::string& text) {
  return std::any_of(cfg.warnings.begin(), cfg.warnings.end(),
                     [&](const auto& w) { return w.starts_with(text); });
}

}  // namespace

TEST_CASE("a typo in a job's key is a warning and the job still runs") {
  auto cfg = parse_ok(config_text(
      resources, R"("bistro_job->j": {"owner": "me", "prioriti": 3})"));
  CHECK(cfg->find_job("j")->runnable());
  CHECK(has_warning(*cfg, "bistro_job->j.prioriti: unknown key, ignored"));
}

TEST_CASE(
    "unknown keys in filters and resources and node sources are warnings") {
  auto text = R"({"bistro_settings": {"enabled": true,
      "nodes": {"levels": ["host"], "node_sources": [{"source": "manual",
                "prefs": {"h1": []}, "comment": "hosts"}]},
      "resources": {"host": {"slots": {"limit": 1, "default": 1,
                                       "note": "per host"}}}},
    "bistro_job->j": {"owner": "me",
      "filters": {"host": {"whitelist": ["h1"], "greylist": ["h2"]}},
      "task_subprocess": {"poll_ms": 10, "pollms": 5},
      "kill_subprocess": {"method": "kill", "wait": 1}}})";
  auto cfg = parse_ok(text);
  REQUIRE(cfg->resources.size() == 1);
  CHECK(cfg->resources[0].limit == 1);
  const auto& job = *cfg->find_job("j");
  CHECK(job.runnable());
  CHECK(job.filters[1].whitelist.count("h1") == 1);
  CHECK(job.kill_subprocess.method == kill_method::kill);
  CHECK(has_warning(*cfg,
                    "bistro_settings.nodes.node_sources[0].comment: "
                    "unknown key, ignored"));
  CHECK(has_warning(*cfg,
                    "bistro_settings.resources.host.slots.note: "
                    "unknown key, ignored"));
  CHECK(has_warning(*cfg,
                    "bistro_job->j.filters.host.greylist: unknown "
                    "filter, ignored"));
  CHECK(has_warning(*cfg,
                    "bistro_job->j.task_subprocess.pollms: unknown "
                    "key, ignored"));
  CHECK(has_warning(*cfg,
                    "bistro_job->j.kill_subprocess.wait: unknown key, "
                    "ignored"));
}

TEST_CASE("numbers and booleans written as strings convert as in Bistro") {
  auto cfg = parse_ok(config_text(
      R"("enabled": "true", "working_wait": "0.5", "idle_wait": 2,
         "resources": {"host": {"host_slots": {"limit": "3",
                                               "default": "1"}}})",
      R"("bistro_job->j": {"owner": 123, "priority": "2.5", "enabled": 1,
                           "resources": {"host_slots": "2"},
                           "task_subprocess": {"use_canary_pipe": 0,
                                               "poll_ms": "20"}})"));
  CHECK(cfg->enabled);
  CHECK(cfg->working_wait_sec == 0.5);
  CHECK(cfg->resources[0].limit == 3);
  CHECK(cfg->resources[0].default_amount == 1);
  const auto& job = *cfg->find_job("j");
  CHECK(job.errors.empty());
  CHECK(job.owner == "123");
  CHECK(job.priority == 2.5);
  CHECK(job.enabled);
  CHECK(job.resources[0] == 2);
  CHECK_FALSE(job.task_subprocess.use_canary_pipe);
  CHECK(job.task_subprocess.poll_ms == 20);
}

TEST_CASE("values folly cannot convert either stay errors") {
  auto cfg = parse_ok(config_text(
      resources, R"("bistro_job->j": {"owner": "me", "priority": "high",
                                       "resources": {"host_slots": 1.5},
                                       "enabled": "maybe"})"));
  const auto& errors = cfg->find_job("j")->errors;
  REQUIRE(errors.size() == 3);
  CHECK(errors[0] == "bistro_job->j.priority: expected a number, got \"high\"");
  CHECK(
      errors[1].starts_with("bistro_job->j.resources.host_slots: expected "
                            "an integer"));
  CHECK(errors[2] ==
        "bistro_job->j.enabled: expected true or false, got \"maybe\"");
}

TEST_CASE("lenient conversions follow folly's rules") {
  namespace json = boost::json;
  CHECK(lenient_integer(json::value(" 42 ")) == 42);
  CHECK(lenient_integer(json::value(true)) == 1);
  CHECK(lenient_integer(json::value(3.0)) == 3);
  CHECK_FALSE(lenient_integer(json::value("3.0")));
  CHECK_FALSE(lenient_integer(json::value(2.5)));
  CHECK(lenient_number(json::value("1e3")) == 1000.0);
  CHECK(lenient_number(json::value(false)) == 0.0);
  CHECK_FALSE(lenient_number(json::value("nan")));
  CHECK(lenient_boolean(json::value("Yes")) == true);
  CHECK(lenient_boolean(json::value("off")) == false);
  CHECK(lenient_boolean(json::value(2)) == true);
  CHECK_FALSE(lenient_boolean(json::value("2")));
  CHECK(lenient_string(json::value(42)) == "42");
  CHECK(lenient_string(json::value(2.5)) == "2.5");
  CHECK_FALSE(lenient_string(json::value(true)));
}

TEST_CASE("a negative priority is taken as Bistro takes it") {
  auto cfg = parse_ok(
      config_text("", R"("bistro_job->j": {"owner": "me", "priority": -1})"));
  CHECK(cfg->find_job("j")->runnable());
  CHECK(cfg->find_job("j")->priority == -1.0);
}

TEST_CASE("a job saved with an errors key is invalid") {
  auto cfg = parse_ok(config_text("", R"("bistro_job->j": {"owner": "me",
                               "errors": {"priority": "bad value"}})"));
  const auto& job = *cfg->find_job("j");
  CHECK_FALSE(job.runnable());
  REQUIRE(job.errors.size() == 1);
  CHECK(
      job.errors[0] ==
      R"(bistro_job->j.errors: the job was saved with errors: {"priority":"bad value"})");
}

TEST_CASE("a parent_death_signal that names no signal is a warning") {
  auto cfg =
      parse_ok(config_text(R"("task_subprocess": {"parent_death_signal": 99})",
                           R"("bistro_job->j": {"owner": "me",
                           "task_subprocess": {"parent_death_signal": -1}},
         "bistro_job->k": {"owner": "me",
                           "task_subprocess": {"parent_death_signal": 15}})"));
  CHECK(cfg->task_subprocess.parent_death_signal == 9);
  CHECK(cfg->find_job("j")->runnable());
  CHECK(cfg->find_job("j")->task_subprocess.parent_death_signal == 9);
  CHECK(cfg->find_job("k")->task_subprocess.parent_death_signal == 15);
  CHECK(has_warning(*cfg,
                    "bistro_settings.task_subprocess.parent_death_signal: 99 "
                    "is not a signal number (0-64); using 9"));
  CHECK(has_warning(*cfg,
                    "bistro_job->j.task_subprocess.parent_death_signal: -1 "
                    "is not a signal number"));
}

TEST_CASE(
    "fraction_of_nodes outside (0 to 1] means every node with a warning") {
  auto cfg = parse_ok(config_text("", R"("bistro_job->j": {"owner": "me",
              "filters": {"db": {"fraction_of_nodes": 0}}})"));
  CHECK(cfg->find_job("j")->runnable());
  CHECK(cfg->find_job("j")->filters[2].fraction_of_nodes == 1.0);
  CHECK(has_warning(*cfg,
                    "bistro_job->j.filters.db.fraction_of_nodes: 0 is "
                    "not a fraction"));
}

TEST_CASE("a negative kill_wait_ms is a warning and means no wait") {
  auto cfg =
      parse_ok(config_text(R"("kill_subprocess": {"kill_wait_ms": -5})", ""));
  CHECK(cfg->kill_subprocess.kill_wait_ms == 0);
  CHECK(has_warning(*cfg,
                    "bistro_settings.kill_subprocess.kill_wait_ms: -5 "
                    "is negative"));
}

TEST_CASE("kill_subprocess defaults to TERM then KILL after 5 s") {
  auto cfg = parse_ok(config_text("", R"("bistro_job->j": {"owner": "me"})"));
  CHECK(cfg->find_job("j")->kill_subprocess ==
        kill_request{kill_method::term_wait_kill, 5000});
}

TEST_CASE("Bistro's cgroups options are read with Bistro's keys") {
  auto cfg = parse_ok(config_text(
      R"("task_subprocess": {"cgroups": {"root": "/sys/fs/cgroup",
                                          "slice": "bistro",
                                          "subsystems": ["memory"]}})",
      R"("bistro_job->j": {"owner": "me"})"));
  CHECK(cfg->warnings.empty());
  const auto& cgroups = cfg->find_job("j")->task_subprocess.cgroups;
  CHECK(cgroups.slice == "bistro");
  CHECK(cgroups.subsystems == std::vector<std::string>{"memory"});
}

TEST_CASE("backoff items after repeat or fail are ignored as in Bistro") {
  auto cfg = parse_ok(config_text(R"("backoff": [1, 5, "repeat", 2, "x"])",
                                  R"("bistro_job->j": {"owner": "me",
                                      "backoff": [3, "fail", 9]})"));
  CHECK(cfg->backoff.wait_for_error(1) == 1);
  CHECK(cfg->backoff.wait_for_error(2) == 5);
  CHECK(cfg->backoff.wait_for_error(7) == 5);  // repeat
  CHECK(has_warning(*cfg,
                    "bistro_settings.backoff: 2 item(s) after \"repeat\" "
                    "ignored, as Bistro ignores them"));
  const auto& job = *cfg->find_job("j");
  CHECK(job.backoff.wait_for_error(1) == 3);
  CHECK_FALSE(job.backoff.wait_for_error(2));  // fail
  CHECK(has_warning(*cfg,
                    "bistro_job->j.backoff: 1 item(s) after \"fail\" "
                    "ignored, as Bistro ignores them"));
}

TEST_CASE("CAUTION_exit_initial_wait_before_timestamp is read") {
  auto cfg = parse_ok(config_text(
      R"("CAUTION_exit_initial_wait_before_timestamp": "1700000000")"));
  CHECK(cfg->exit_initial_wait_before_sec == 1700000000);
  CHECK(cfg->warnings.size() == 0);
  CHECK(parse_ok(config_text(""))->exit_initial_wait_before_sec == 0);
}
