// A scheduler that goes away for a while, and the workers that wait for it.
// - Frozen (SIGSTOP) for longer than its workers wait for an acknowledged
//   heartbeat: each worker kills its tasks and starts over as a new
//   instance of itself. When the scheduler thaws, that new instance proves
//   its secret and is taken at once, not refused while its old instance is
//   still on the books (its results would wait behind the refusal).
// - Down (kill -9): a worker retries at least once a heartbeat period, so
//   that a restarted scheduler hears from it within its start-up wait.
//   With a backoff past that, the soak saw finished runs given up as "not
//   running" and run again before their worker came back with the results.
#include <catch2/catch.hpp>

#include "tests/faults/faults_support.hpp"

using namespace bistro::testing;

namespace {

const std::string scheduler_bin = BISTRO_SCHEDULER_BIN;
const std::string worker_bin = BISTRO_WORKER_BIN;

int count_lines(const std::string& path, const std::string& needle) {
  std::ifstream in(path);
  int n = 0;
  for (std::string line; std::getline(in, line);)
    n += line.find(needle) != std::string::npos;
  return n;
}

}  // namespace

TEST_CASE(
    "after a freeze of the scheduler, a worker's new instance is taken at "
    "once with the results of the runs that ended meanwhile",
    "[faults]") {
  temp_dir dir;
  const int port = free_port();
  const auto records = dir.file("records");
  auto config = dir.write("config", R"({"bistro_settings": {
      "nodes": {"levels": ["level1", "level2"], "node_sources": [
        {"source": "range_label", "prefs": {"parent_level": "instance",
         "start": 1, "end": 1, "format": "n"}},
        {"source": "range_label", "prefs": {"parent_level": "level1",
         "start": 1, "end": 3, "format": "{parent}{i}"}}]},
      "resources": {"worker": {"slots": {"limit": 3, "default": 1}}},
      "enabled": true, "idle_wait": 0.2, "working_wait": 0.05,
      "backoff": [1, "repeat"]},
      "bistro_job->j": {"owner": "t"}})");
  // Each run ends done after 0.5 s: inside the freeze.
  auto task =
      dir.script("task.sh", run_prelude(records) +
                                "record start\nsleep 0.5\n"
                                "echo done > \"$2\"\nrecord end done\n");
  std::vector<std::string> sched_argv{scheduler_bin,
                                      "--server_port=" + std::to_string(port),
                                      "--config_file=" + config,
                                      "--instance_node_name=scheduler",
                                      "--data_dir=" + dir.file("sched_data"),
                                      "--clean_statuses",
                                      "--CAUTION_startup_wait_for_workers=1",
                                      "--exit_when_done"};
  sched_argv.insert(sched_argv.end(), one_second_health.begin(), one_second_health.end());
  fault_process scheduler(sched_argv, dir.file("sched.log"));
  REQUIRE(eventually(
      [&] { return scheduler.log_has("workers connect on port"); }, 20000));
  fault_process worker(
      {worker_bin, "--scheduler_host=127.0.0.1",
       "--scheduler_port=" + std::to_string(port), "--worker_command=" + task,
       "--data_dir=" + dir.file("w1"), "--shard_id=w1",
       "--heartbeat_period_sec=1"},
      dir.file("w1.log"));

  // All three run; then the scheduler freezes while they end done.
  REQUIRE(eventually(
      [&] {
        auto runs = read_runs(records);
        return runs.size() == 3;
      },
      20000));
  // (A loaded machine may have made the worker give up once already.)
  const auto w1_log = dir.file("w1.log");
  const int suicides = count_lines(w1_log, "lost the scheduler");
  REQUIRE(scheduler.stop());
  {
    INFO(worker.log_tail());
    REQUIRE(
        eventually([&] { return count_lines(records, "end j") == 3; }, 10000));
    // The worker gives up on its silent scheduler: a new instance of it
    // says hello, its hello waiting in the frozen scheduler's socket.
    REQUIRE(eventually(
        [&] { return count_lines(w1_log, "lost the scheduler") > suicides; },
        15000));
  }
  scheduler.kill(SIGCONT);

  // The new instance's results are the last word: every task done, so the
  // scheduler exits, and no task ran again.
  {
    INFO(scheduler.log_tail());
    REQUIRE(scheduler.wait(30000) == 0);
  }
  const auto sched_log = dir.file("sched.log");
  INFO(scheduler.log_tail());
  CHECK(count_lines(sched_log, "refused worker") == 0);
  CHECK(count_lines(sched_log, "replaced by its own new instance") >= 1);
  // A result that came twice (before the suicide, and again with the new
  // instance's hello) is known the second time, not "unknown".
  CHECK(count_lines(sched_log, "ignoring a status for unknown run") == 0);
  auto runs = read_runs(records);
  CHECK(runs.size() == 3);
  for (const auto& r : runs) {
    INFO(r.key);
    CHECK(r.result == "done");
  }
}

TEST_CASE(
    "a worker retries a scheduler that is down at least once a heartbeat "
    "period, and joins the restarted one",
    "[faults]") {
  temp_dir dir;
  const int port = free_port();
  auto config = dir.write("config", R"({"bistro_settings": {
      "nodes": {"levels": ["level1"], "node_sources": [
        {"source": "range_label", "prefs": {"parent_level": "instance",
         "start": 1, "end": 1, "format": "n{i}"}}]},
      "resources": {"worker": {"slots": {"limit": 1, "default": 1}}},
      "enabled": true, "idle_wait": 0.2, "working_wait": 0.05},
      "bistro_job->j": {"owner": "t"}})");
  auto start_scheduler = [&](const std::string& log) {
    return std::make_unique<fault_process>(
        std::vector<std::string>{
            scheduler_bin, "--server_port=" + std::to_string(port),
            "--config_file=" + config, "--instance_node_name=scheduler",
            "--data_dir=" + dir.file("sched_data"),
            "--CAUTION_startup_wait_for_workers=1"},
        dir.file(log));
  };
  auto scheduler = start_scheduler("sched1.log");
  REQUIRE(eventually(
      [&] { return scheduler->log_has("workers connect on port"); }, 20000));
  fault_process worker(
      {worker_bin, "--scheduler_host=127.0.0.1",
       "--scheduler_port=" + std::to_string(port), "--worker_command=/bin/true",
       "--data_dir=" + dir.file("w1"), "--shard_id=w1",
       "--heartbeat_period_sec=1"},
      dir.file("w1.log"));
  REQUIRE(eventually([&] { return worker.log_has("registered with"); }, 20000));
  scheduler->kill(SIGKILL);
  REQUIRE(scheduler->wait(10000).has_value());
  // Five failed attempts: with a doubling backoff the fifth would wait
  // 16 s.
  {
    INFO(worker.log_tail());
    REQUIRE(eventually(
        [&] { return count_lines(dir.file("w1.log"), "retrying in") >= 5; },
        20000));
  }
  std::ifstream in(dir.file("w1.log"));
  int attempts = 0;
  for (std::string line; std::getline(in, line);) {
    auto at = line.find("retrying in ");
    if (at == std::string::npos) continue;
    ++attempts;
    INFO(line);
    CHECK(std::atoll(line.c_str() + at + 12) <= 1000);
  }
  CHECK(attempts >= 5);
  scheduler = start_scheduler("sched2.log");
  INFO(worker.log_tail());
  CHECK(eventually(
      [&] { return count_lines(dir.file("w1.log"), "registered with") == 2; },
      20000));
}
