// Runs that end while the scheduler is down keep their results: the worker
// holds each result (on disk, in its --data_dir) until the scheduler says
// it is on its own disk, and a restarted scheduler takes results for runs
// it had stored as running. Real scheduler, real worker, kill -9.
#include <catch2/catch.hpp>
#include <map>

#include "tests/support/e2e_support.hpp"

using namespace bistro::testing;

namespace {

const std::string scheduler_bin = BISTRO_SCHEDULER_BIN;
const std::string worker_bin = BISTRO_WORKER_BIN;

struct restart_cluster {
  temp_dir dir;
  int port = free_port();
  std::string records = dir.file("records");
  std::string config =
      dir.write("config",
                R"({"bistro_settings": {"nodes": {"levels": ["level1"],
          "node_sources": [{"source": "range_label", "prefs": {
            "parent_level": "instance", "start": 1, "end": 2,
            "format": "n{i}"}}]},
          "enabled": true, "idle_wait": 0.1, "working_wait": 0.05,
          "resources": {"instance": {"concurrency": {"limit": 2,
            "default": 1}}}},
         "bistro_job->job": {"owner": "test"}})");
  /// Records start and end, sleeps 2 s, reports done.
  std::string task = dir.script("task.sh", record_prelude(records) +
                                               "record start\nsleep 2\n"
                                               "echo done > \"$2\"\n"
                                               "record end\n");

  /// The first start waits for no worker; a restart waits long enough for
  /// the worker's reconnect back-off (1, 2, 4, 8 s).
  child_process scheduler(const std::string& log, bool restart) const {
    std::vector<std::string> argv{
        scheduler_bin,
        "--server_port=" + std::to_string(port),
        "--config_file=" + config,
        "--instance_node_name=scheduler",
        std::string{"--CAUTION_startup_wait_for_workers="} +
            (restart ? "20" : "0"),
        "--data_dir=" + dir.file("sched_data")};
    if (restart) argv.push_back("--exit_when_done");
    return child_process(argv, dir.file(log), {false, true});
  }

  child_process worker() const {
    return child_process(
        {worker_bin, "--scheduler_host=127.0.0.1",
         "--scheduler_port=" + std::to_string(port), "--worker_command=" + task,
         "--data_dir=" + dir.file("w1"), "--shard_id=w1"},
        dir.file("worker.log"), {false, true});
  }

  int count(const char* event) const {
    int n = 0;
    for (const auto& r : read_records(records)) n += r.event == event;
    return n;
  }
};

}  // namespace

TEST_CASE("results of runs that end while the scheduler is down count") {
  restart_cluster c;
  auto worker = c.worker();
  {
    auto sched = c.scheduler("sched.log", false);
    REQUIRE(eventually([&] { return c.count("start") == 2; }, 20000));
    sched.kill(SIGKILL);
    sched.wait(10000);
  }
  REQUIRE(eventually([&] { return c.count("end") == 2; }, 10000));
  auto sched = c.scheduler("sched.log", true);
  auto code = sched.wait(60000);
  INFO(sched.log_tail());
  REQUIRE(code == 0);
  CHECK(c.count("start") == 2);  // nothing ran again
  CHECK(sched.log_has("ended while the scheduler was down: done"));
  CHECK_FALSE(sched.log_has("no worker reported it"));
}

TEST_CASE("a worker restarted with results waiting still delivers them") {
  restart_cluster c;
  {
    auto worker = c.worker();
    auto sched = c.scheduler("sched.log", false);
    REQUIRE(eventually([&] { return c.count("start") == 2; }, 20000));
    sched.kill(SIGKILL);
    sched.wait(10000);
    REQUIRE(eventually([&] { return c.count("end") == 2; }, 10000));
    // Both results wait in the worker's data dir; the worker dies too.
    REQUIRE(eventually(
        [&] {
          std::size_t n = 0;
          for (const auto& e :
               std::filesystem::directory_iterator(c.dir.file("w1/results")))
            n += e.path().extension() == ".result";
          return n == 2;
        },
        10000));
    worker.kill(SIGKILL);
    worker.wait(10000);
  }
  auto sched = c.scheduler("sched.log", true);
  auto worker = c.worker();
  auto code = sched.wait(60000);
  INFO(sched.log_tail());
  REQUIRE(code == 0);
  CHECK(c.count("start") == 2);
  CHECK(worker.log_has("2 result(s) of runs that ended before this start"));
  // Acknowledged: nothing is left to send.
  REQUIRE(eventually(
      [&] { return std::filesystem::is_empty(c.dir.file("w1/results")); },
      10000));
}
