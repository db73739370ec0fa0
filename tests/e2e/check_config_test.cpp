#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <fstream>

#include "tests/support/process_runner.hpp"

using bistro::testing::run_command;

namespace {

const std::string scheduler = BISTRO_SCHEDULER_BIN;

std::string write_temp(const std::string& text) {
  char path[] = "/tmp/bistro_check_config_XXXXXX";
  int fd = ::mkstemp(path);
  REQUIRE(fd >= 0);
  ::close(fd);
  std::ofstream(path) << text;
  return path;
}

}  // namespace

TEST_CASE("check_config summarises the getting-started config and exits 0") {
  auto r = run_command(scheduler +
                       " --config_file=config/examples/simple --check_config"
                       " --instance_node_name=scheduler");
  CHECK(r.exit_code == 0);
  CHECK_THAT(r.output, Catch::Contains("level2: 4 nodes"));
  CHECK_THAT(r.output,
             Catch::Contains("instance.concurrency: limit 3, default 1"));
  CHECK_THAT(r.output, Catch::Contains("simple_job: owner test, enabled"));
  CHECK_THAT(r.output, Catch::EndsWith("OK\n"));
}

TEST_CASE("check_config prints every settings error and exits 1") {
  auto path = write_temp(R"({"bistro_settings": {"nodes": {"levels": ["a"]},
      "resources": {"instance": {"c": {"limit": "three", "default": -1}}}}})");
  auto r =
      run_command(scheduler + " --config_file=" + path + " --check_config");
  std::remove(path.c_str());
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.output,
             Catch::Contains("bistro_settings.resources.instance.c.limit: "
                             "expected an integer >= 0, got \"three\""));
  CHECK_THAT(r.output,
             Catch::Contains("bistro_settings.resources.instance.c.default: "
                             "expected an integer >= 0, got -1"));
}

TEST_CASE("check_config reports a bad job and a node source failure") {
  auto path = write_temp(R"({"bistro_settings": {"nodes": {"levels": ["a"],
      "node_sources": [{"source": "range_label", "prefs": {"parent_level": "b",
      "start": 1, "end": 2}}]}}, "bistro_job->j": {"owner": true}})");
  auto r =
      run_command(scheduler + " --config_file=" + path + " --check_config");
  std::remove(path.c_str());
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.output, Catch::Contains(
                           "bistro_job->j.owner: expected a string, got true"));
  CHECK_THAT(
      r.output,
      Catch::Contains("bistro_settings.nodes.node_sources[0] (range_label)"));
}

TEST_CASE("check_config on a missing file names it") {
  auto r =
      run_command(scheduler + " --config_file=/nonexistent/x --check_config");
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.output,
             Catch::Contains("/nonexistent/x: cannot open config file"));
}

TEST_CASE("check_config warns about a depends_on cycle and a repeated job") {
  auto path = write_temp(R"({"bistro_settings": {"nodes": {"levels": ["a"],
      "node_source": "manual", "node_source_prefs": {"n": []}}},
      "bistro_job->x": {"owner": "o", "depends_on": ["y"]},
      "bistro_job->y": {"owner": "o", "depends_on": ["x"]},
      "bistro_job->twice": {"owner": "first"},
      "bistro_job->twice": {"owner": "second"}})");
  auto r =
      run_command(scheduler + " --config_file=" + path + " --check_config");
  std::remove(path.c_str());
  CHECK(r.exit_code == 0);  // Bistro accepts both: warnings, not errors
  CHECK_THAT(r.output,
             Catch::Contains("warning: bistro_job->x.depends_on: depends_on "
                             "cycle x -> y -> x; jobs x, y never run"));
  CHECK_THAT(r.output,
             Catch::Contains("warning: bistro_job->twice: the key is written "
                             "2 times; only the last one is used"));
  CHECK_THAT(r.output, Catch::Contains("twice: owner second"));
  CHECK_THAT(r.output,
             Catch::Contains("x: owner o, enabled, tasks on a\n      blocked "
                             "by the depends_on cycle x -> y -> x"));
}

TEST_CASE("check_config refuses a FIFO at once, naming it") {
  char dir[] = "/tmp/bistro_check_config_XXXXXX";
  REQUIRE(::mkdtemp(dir) != nullptr);
  const std::string path = std::string(dir) + "/config";
  REQUIRE(::mkfifo(path.c_str(), 0600) == 0);
  auto r = run_command("timeout 10 " + scheduler + " --config_file=" + path +
                       " --check_config");
  std::remove(path.c_str());
  ::rmdir(dir);
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.output,
             Catch::Contains(path + ": refused: the config must be a regular "
                                    "file, this is a FIFO"));
}
