#include <catch2/catch.hpp>

#include "config/config.hpp"
#include "tests/support/config_builders.hpp"

using namespace bistro;
using bistro::testing::config_text;
using bistro::testing::parse_ok;

namespace {

const std::string settings =
    R"("backoff": [1, 2], "kill_orphan_tasks_after_sec": 3,
       "task_subprocess": {"poll_ms": 99},
       "kill_subprocess": {"method": "term", "kill_wait_ms": 7},
       "resources": {"host": {"host_slots": {"limit": 2, "default": 1}},
                     "db": {"db_slots": {"limit": 1, "default": 1}}})";

}  // namespace

TEST_CASE("a job inherits every setting it does not override") {
  auto cfg =
      parse_ok(config_text(settings, R"("bistro_job->j": {"owner": "me"})"));
  const auto* job = cfg->find_job("j");
  REQUIRE(job != nullptr);
  CHECK(job->runnable());
  CHECK(job->enabled);
  CHECK(job->priority == 1.0);
  CHECK(job->config.empty());
  CHECK(job->resources == std::vector<std::int64_t>{1, 1});
  CHECK(job->level_for_tasks == 2);
  CHECK(job->backoff == backoff_settings{{1, 2}, false});
  CHECK(job->kill_orphan_tasks_after_sec == 3.0);
  CHECK(job->task_subprocess.poll_ms == 99);
  CHECK(job->kill_subprocess == kill_request{kill_method::term, 7});
  CHECK(job->filters.size() == cfg->levels.size());
  for (const auto& f : job->filters) CHECK(f.empty());
  CHECK(job->command.empty());
  CHECK(job->host_placement.empty());
  CHECK_FALSE(job->level_for_host_placement.has_value());
}

TEST_CASE("a job's own fields override the settings") {
  auto cfg = parse_ok(config_text(settings, R"("bistro_job->j": {
      "owner": "me", "enabled": false, "priority": 10.5,
      "config": {"k": [1, 2]}, "resources": {"db_slots": 0},
      "depends_on": ["other"], "level_for_tasks": "host",
      "backoff": [10, "repeat"], "kill_orphan_tasks_after_sec": false,
      "task_subprocess": {"use_canary_pipe": false},
      "kill_subprocess": {"kill_wait_ms": 1},
      "command": ["/bin/echo", "hi"], "host_placement": "w1",
      "level_for_host_placement": "host"},
      "bistro_job->other": {"owner": "me"})"));
  const auto* job = cfg->find_job("j");
  REQUIRE(job != nullptr);
  CHECK_FALSE(job->enabled);
  CHECK_FALSE(job->runnable());
  CHECK(job->errors.empty());
  CHECK(job->priority == 10.5);
  CHECK(job->config.at("k").as_array().size() == 2);
  CHECK(job->resources == std::vector<std::int64_t>{1, 0});
  CHECK(job->depends_on == std::vector<std::string>{"other"});
  CHECK(job->level_for_tasks == 1);
  CHECK(job->backoff == backoff_settings{{10}, true});
  CHECK_FALSE(job->kill_orphan_tasks_after_sec.has_value());
  CHECK(job->task_subprocess.poll_ms == 99);  // inherited field kept
  CHECK_FALSE(job->task_subprocess.use_canary_pipe);
  CHECK(job->kill_subprocess == kill_request{kill_method::term, 1});
  CHECK(job->command == std::vector<std::string>{"/bin/echo", "hi"});
  CHECK(job->host_placement == "w1");
  CHECK(job->level_for_host_placement == 1);
  CHECK(cfg->warnings.empty());
}

TEST_CASE("a bad job records its errors while the rest of the config loads") {
  auto cfg = parse_ok(config_text(settings, R"(
      "bistro_job->bad": {"priority": "high", "resources": {"nope": 1},
                          "level_for_tasks": "rack", "command": [],
                          "backoff": [3, 2], "surprise": 1},
      "bistro_job->good": {"owner": "me"})"));
  const auto* bad = cfg->find_job("bad");
  REQUIRE(bad != nullptr);
  CHECK_FALSE(bad->runnable());
  CHECK(bad->errors == std::vector<std::string>{
                           "bistro_job->bad.owner: required key is missing",
                           "bistro_job->bad.priority: expected a number, "
                           "got \"high\"",
                           "bistro_job->bad.resources.nope: unknown resource",
                           "bistro_job->bad.level_for_tasks: unknown level "
                           "\"rack\"; levels: instance, host, db, worker",
                           "bistro_job->bad.command: must name a program",
                           "bistro_job->bad.backoff[1]: waits must be strictly "
                           "increasing, got 2 after 3"});
  CHECK(cfg->warnings == std::vector<std::string>{
                             "bistro_job->bad.surprise: unknown key, ignored"});
  CHECK(cfg->find_job("good")->runnable());
}

TEST_CASE("a job that is not an object is kept with an error") {
  auto cfg = parse_ok(config_text("", R"("bistro_job->x": 5)"));
  REQUIRE(cfg->find_job("x") != nullptr);
  CHECK(cfg->find_job("x")->errors ==
        std::vector<std::string>{"bistro_job->x: expected an object, got 5"});
}

TEST_CASE("jobs are sorted by name and found by name") {
  auto cfg = parse_ok(config_text("", R"("bistro_job->b": {"owner": "o"},
                                         "bistro_job->a": {"owner": "o"})"));
  REQUIRE(cfg->jobs.size() == 2);
  CHECK(cfg->jobs[0].name == "a");
  CHECK(cfg->jobs[1].name == "b");
  CHECK(cfg->find_job("c") == nullptr);
}

TEST_CASE("a dependency on an unknown job is a warning that it never runs") {
  auto cfg = parse_ok(config_text(
      "", R"("bistro_job->a": {"owner": "o", "depends_on": ["zz"]})"));
  CHECK(cfg->find_job("a")->runnable());
  REQUIRE(cfg->warnings.size() == 1);
  CHECK(cfg->warnings[0] ==
        "bistro_job->a.depends_on[0]: unknown job \"zz\"; this job will never "
        "run");
}

TEST_CASE("job filters are read per level") {
  auto cfg = parse_ok(config_text("", R"("bistro_job->a": {"owner": "o",
      "filters": {"db": {"whitelist": ["d1"], "blacklist_regex": "^x",
                         "tag_whitelist": ["t"], "fraction_of_nodes": 0.5},
                  "host": {"whitelist_regex": "h[0-9]+"}}})"));
  const auto& job = *cfg->find_job("a");
  REQUIRE(job.errors.empty());
  CHECK(job.filters[0].empty());
  CHECK(job.filters[1].whitelist_regex == "h[0-9]+");
  CHECK(job.filters[2].whitelist.count("d1") == 1);
  CHECK(job.filters[2].blacklist_regex == "^x");
  CHECK(job.filters[2].tag_whitelist == std::vector<std::string>{"t"});
  CHECK(job.filters[2].fraction_of_nodes == 0.5);
}

TEST_CASE("bad filters are job errors naming the filter") {
  auto cfg = parse_ok(config_text("", R"("bistro_job->a": {"owner": "o",
      "filters": {"db": {"whitelist_regex": "(", "fraction_of_nodes": 2,
                         "greylist": []}, "rack": {}}})"));
  const auto& errors = cfg->find_job("a")->errors;
  REQUIRE(errors.size() == 2);
  CHECK(errors[0].starts_with(
      "bistro_job->a.filters.db.whitelist_regex: invalid regex \"(\": "));
  CHECK(errors[1] ==
        "bistro_job->a.filters.rack: unknown level \"rack\"; levels: "
        "instance, host, db, worker");
  // What Bistro takes without complaint is a warning here.
  REQUIRE(cfg->warnings.size() == 2);
  CHECK(cfg->warnings[0] ==
        "bistro_job->a.filters.db.fraction_of_nodes: 2 is not a fraction in "
        "(0, 1]; using 1 (all nodes)");
  CHECK(cfg->warnings[1].starts_with(
      "bistro_job->a.filters.db.greylist: unknown filter, ignored"));
}

TEST_CASE("job names that could leave the jobs folder are errors") {
  auto cfg = parse_ok(config_text("", R"("bistro_job->../etc": {"owner": "a"},
      "bistro_job->..": {"owner": "a"}, "bistro_job->a/b": {"owner": "a"},
      "bistro_job->ok.name": {"owner": "a"})"));
  CHECK(cfg->find_job("../etc")->errors ==
        std::vector<std::string>{
            "bistro_job->../etc: a job name cannot contain '/'"});
  CHECK(cfg->find_job("..")->errors ==
        std::vector<std::string>{
            R"(bistro_job->..: a job cannot be named "." or "..")"});
  CHECK_FALSE(cfg->find_job("a/b")->runnable());
  CHECK(cfg->find_job("ok.name")->runnable());
  CHECK(bistro::invalid_job_name(std::string("a\0b", 3)) ==
        "a job name cannot contain a NUL byte");
  CHECK(bistro::invalid_job_name(std::string(256, 'x')) ==
        "a job name is at most 255 bytes");
}
