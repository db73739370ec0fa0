// Task statuses survive scheduler restarts (LMDB at <data_dir>/statuses).
#include <catch2/catch.hpp>

#include "tests/support/e2e_support.hpp"

using namespace bistro::testing;

namespace {

const std::string scheduler_bin = BISTRO_SCHEDULER_BIN;

std::string config_with(const std::string& job) {
  return R"({"bistro_settings": {
      "nodes": {"levels": ["level1", "level2"], "node_source": "manual",
                "node_source_prefs": {"node1": ["node11", "node12"]}},
      "enabled": true, "idle_wait": 0.2, "working_wait": 0.05},
      "bistro_job->j": )" +
         job + "}";
}

int run_scheduler(const temp_dir& dir, const std::string& config,
                  const std::string& task, std::vector<std::string> extra,
                  const std::string& log, std::int64_t timeout_ms = 30000) {
  std::vector<std::string> argv{scheduler_bin,
                                "--config_file=" + config,
                                "--worker_command=" + task,
                                "--data_dir=" + dir.file("data"),
                                "--instance_node_name=scheduler",
                                "--exit_when_done"};
  argv.insert(argv.end(), extra.begin(), extra.end());
  child_process p(argv, dir.file(log));
  auto code = p.wait(timeout_ms);
  REQUIRE(code.has_value());
  return *code;
}

int starts(const std::string& records) {
  int n = 0;
  for (const auto& r : read_records(records)) n += r.event == "start";
  return n;
}

}  // namespace

TEST_CASE("a restart keeps done tasks done; --clean_statuses runs them again") {
  temp_dir dir;
  auto records = dir.file("records");
  auto task = dir.script("task.sh", record_prelude(records) +
                                        "record start\necho done > \"$2\"\n");
  auto config = dir.write("config", config_with(R"({"owner": "t"})"));
  REQUIRE(run_scheduler(dir, config, task, {}, "1.log") == 0);
  CHECK(starts(records) == 2);
  REQUIRE(run_scheduler(dir, config, task, {}, "2.log") == 0);
  CHECK(starts(records) == 2);  // nothing ran again
  REQUIRE(run_scheduler(dir, config, task, {"--clean_statuses"}, "3.log") == 0);
  CHECK(starts(records) == 4);
}

TEST_CASE("a restart during a backoff waits out the rest of it, step kept") {
  temp_dir dir;
  auto records = dir.file("records");
  auto task =
      dir.script("task.sh", record_prelude(records) +
                                "record start\necho error_backoff > \"$2\"\n");
  // Waits of 2 s then 3 s, then failed.
  auto config = dir.write(
      "config", config_with(R"({"owner": "t", "backoff": [2, 3, "fail"],
          "filters": {"level2": {"whitelist": ["node11"]}}})"));
  {
    // The first run fails; stop the scheduler inside the 2 s backoff.
    std::vector<std::string> argv{
        scheduler_bin, "--config_file=" + config, "--worker_command=" + task,
        "--data_dir=" + dir.file("data"), "--instance_node_name=scheduler"};
    child_process first(argv, dir.file("1.log"));
    REQUIRE(eventually([&] { return starts(records) == 1; }, 10000));
    REQUIRE(eventually(
        [&] {
          return first.log().find("(now error_backoff)") != std::string::npos;
        },
        10000));
    // TERM stops cleanly: the store commits the status it holds.
    first.kill(SIGTERM);
    REQUIRE(first.wait(10000).has_value());
  }
  REQUIRE(run_scheduler(dir, config, task, {}, "2.log") == 0);
  auto recs = read_records(records);
  REQUIRE(recs.size() == 3);  // error 1, error 2 (after 2 s), error 3 -> failed
  // The second run waits out the first 2 s counted from the first run's
  // end (not a fresh 2 s after the restart, nor no wait at all), and the
  // third waits the second step's 3 s: the step survived the restart.
  CHECK(recs[1].ms - recs[0].ms >= 2000);
  CHECK(recs[2].ms - recs[1].ms >= 3000);
  // failed stays failed across another restart.
  REQUIRE(run_scheduler(dir, config, task, {}, "3.log") == 0);
  CHECK(read_records(records).size() == 3);
}

TEST_CASE(
    "a corrupt status database stops start-up with the documented error") {
  temp_dir dir;
  std::filesystem::create_directories(dir.file("data/statuses"));
  dir.write("data/statuses/data.mdb", std::string(8192, 'x'));
  auto config = dir.write("config", config_with(R"({"owner": "t"})"));
  auto task = dir.script("task.sh", "echo done > \"$2\"");
  CHECK(run_scheduler(dir, config, task, {}, "1.log") == 1);
  std::ifstream in(dir.file("1.log"));
  std::string log((std::istreambuf_iterator<char>(in)), {});
  CHECK_THAT(log, Catch::Contains(dir.file("data/statuses")));
  CHECK_THAT(log, Catch::Contains("--clean_statuses"));
  // And --clean_statuses gets past it.
  CHECK(run_scheduler(dir, config, task, {"--clean_statuses"}, "2.log") == 0);
}
