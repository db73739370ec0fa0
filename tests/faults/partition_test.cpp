// A network partition between the scheduler and a worker, each in its own
// network namespace, joined by a veth pair whose link the test cuts.
#include <catch2/catch.hpp>

#include "tests/faults/faults_support.hpp"

using namespace bistro::testing;

namespace {

const std::string scheduler_bin = BISTRO_SCHEDULER_BIN;
const std::string worker_bin = BISTRO_WORKER_BIN;
constexpr const char* port = "6789";  // a fresh namespace: always free

/// Unhealthy after 3 s of silence, lost 1-2 s later; the worker kills its
/// tasks after 4 s without an acknowledged heartbeat.
const std::vector<std::string> partition_health = {
    "--heartbeat_grace_period=2",
    "--healthcheck_period=1",
    "--healthcheck_grace_period=2",
    "--lose_unhealthy_worker_after=1",
    "--worker_check_interval=1",
    "--CAUTION_worker_suicide_backoff_safety_margin_sec=1",
    "--CAUTION_worker_suicide_task_kill_wait_ms=300"};

std::string config_text(int nodes, int worker_slots) {
  return R"({"bistro_settings": {"nodes": {"levels": ["level1", "level2"],
      "node_sources": [
        {"source": "range_label", "prefs": {"parent_level": "instance",
         "start": 1, "end": 1, "format": "node1"}},
        {"source": "range_label", "prefs": {"parent_level": "level1",
         "start": 1, "end": )" +
         std::to_string(nodes) + R"(, "format": "{parent}{i}"}}]},
      "resources": {"worker": {"slots": {"limit": )" +
         std::to_string(worker_slots) + R"(, "default": 1}}},
      "enabled": true, "idle_wait": 0.2, "working_wait": 0.05,
      "backoff": [1, "repeat"]},
      "bistro_job->j": {"owner": "t"}})";
}

/// A scheduler in one namespace and worker "w1" in the other, running
/// tasks of `task_seconds` that record start, end and a TERM ("killed").
struct partitioned_cluster {
  netns_pair net;
  temp_dir dir;
  std::string records = dir.file("records");
  std::unique_ptr<fault_process> scheduler, worker;

  bool start(int nodes, int worker_slots, double task_seconds) {
    if (!net.ok()) return false;
    auto config = dir.write("config", config_text(nodes, worker_slots));
    auto task = dir.script(
        "task.sh", run_prelude(records) +
                       "record start\n"
                       "trap 'kill $P 2>/dev/null; record killed; exit 1' "
                       "TERM\n"
                       "sleep " +
                       std::to_string(task_seconds) +
                       " & P=$!\nwait $P\n"
                       "echo done > \"$2\"\nrecord end done\n");
    std::vector<std::string> sched_argv{
        scheduler_bin,
        std::string{"--server_port="} + port,
        std::string{"--server_address="} + netns_pair::server_address,
        "--allow_insecure_network",
        "--config_file=" + config,
        "--clean_statuses",
        "--CAUTION_startup_wait_for_workers=1",
        "--instance_node_name=scheduler",
        "--data_dir=" + dir.file("sched_data")};
    sched_argv.insert(sched_argv.end(), partition_health.begin(),
                      partition_health.end());
    scheduler = std::make_unique<fault_process>(
        netns_pair::exec_in(net.server(), sched_argv), dir.file("sched.log"));
    REQUIRE(eventually(
        [&] { return scheduler->log_has("workers connect on port"); }, 15000));
    worker = std::make_unique<fault_process>(
        netns_pair::exec_in(
            net.client(),
            {worker_bin,
             std::string{"--scheduler_host="} + netns_pair::server_address,
             std::string{"--scheduler_port="} + port,
             "--worker_command=" + task, "--data_dir=" + dir.file("w1"),
             "--shard_id=w1", "--heartbeat_period_sec=1"}),
        dir.file("w1.log"));
    return true;
  }

  int count(const std::string& event) const {
    int n = 0;
    for (const auto& r : read_records(records)) n += r.event == event;
    return n;
  }

  /// Every one of `nodes` nodes has a run that ended done.
  bool all_done(int nodes) const {
    std::set<std::string> done;
    for (const auto& r : read_runs(records))
      if (r.end_event == "end" && r.result == "done") done.insert(r.key);
    return static_cast<int>(done.size()) == nodes;
  }

  /// Waits for `pred`; on timeout fails with `what` and both logs as
  /// they are then.
  template <class Pred>
  void await(Pred pred, std::int64_t timeout_ms, const std::string& what) {
    if (!eventually(pred, timeout_ms))
      FAIL("timed out after " << timeout_ms << " ms waiting for " << what
                              << "\n"
                              << logs());
  }

  std::string logs() const {
    return "--- scheduler:\n" + scheduler->log_tail() + "\n--- worker:\n" +
           worker->log_tail();
  }
};

void sleep_ms(std::int64_t ms) {
  std::this_thread::sleep_for(std::chrono::milliseconds(ms));
}

}  // namespace

TEST_CASE(
    "a partition shorter than the loss timeout: the worker is kept and its "
    "tasks end done",
    "[partition]") {
  partitioned_cluster c;
  if (!c.start(6, 3, 1.5)) {
    WARN(
        "network namespaces unavailable (needs root): partition test not "
        "run: "
        << c.net.error());
    return;
  }
  REQUIRE(eventually([&] { return c.count("start") >= 3; }, 20000));
  // Cut while the first three tasks run; they end during the cut, and the
  // worker holds their results until the link is back.
  REQUIRE(c.net.set_link(false));
  sleep_ms(1000);
  REQUIRE(c.net.set_link(true));
  c.await([&] { return c.all_done(6); }, 30000, "all 6 tasks done");
  CHECK_FALSE(c.scheduler->log_has("worker w1 lost"));
  CHECK_FALSE(c.worker->log_has("lost the scheduler"));
  auto runs = read_runs(c.records);
  CHECK(runs.size() == 6);  // nothing ran twice
  CHECK(c.count("killed") == 0);
  CHECK(check_runs_never_overlap(runs, {}) == 0);
}

TEST_CASE(
    "a partition longer than the loss timeout: the worker is lost and kills "
    "its tasks then re-registers after healing and every task ends done once",
    "[partition]") {
  // Fails at b5f0170: the worker builds its hello (running runs, pending
  // results) right after its suicide and sends it over the cut link; the
  // welcome arrives after healing, the scheduler adopts the three runs
  // the hello listed as running, and the results of those runs, which
  // ended in between, stay in worker_link's `pending` for good (only a
  // hello sends them): the tasks never end. See the report in README.md.
  partitioned_cluster c;
  // Tasks outlast the worker's 4 s suicide deadline, so the cut finds
  // them running.
  if (!c.start(3, 3, 7)) {
    WARN(
        "network namespaces unavailable (needs root): partition test not "
        "run: "
        << c.net.error());
    return;
  }
  REQUIRE(eventually([&] { return c.count("start") == 3; }, 20000));
  REQUIRE(c.net.set_link(false));
  auto cut_at = steady_ms();
  INFO(c.logs());
  // Both sides give up on the other while the link is down.
  REQUIRE(eventually([&] { return c.scheduler->log_has("worker w1 lost"); },
                     15000));
  REQUIRE(eventually([&] { return c.worker->log_has("lost the scheduler"); },
                     15000));
  REQUIRE(eventually([&] { return c.count("killed") == 3; }, 5000));
  // The worker's tasks are gone, not merely told to go.
  for (const auto& r : read_runs(c.records)) {
    auto task_pid = std::atoi(r.run.substr(r.run.find('.') + 1).c_str());
    CHECK(eventually([&] { return !process_alive(task_pid); }, 5000));
  }
  CHECK(c.count("end") == 0);
  auto cut_ms = steady_ms() - cut_at;
  if (cut_ms < 8000) sleep_ms(8000 - cut_ms);
  REQUIRE(c.net.set_link(true));
  // The worker registers again as a new instance and reruns all three.
  c.await([&] { return c.all_done(3); }, 45000, "all 3 tasks done");
  auto log = c.worker->log();
  std::size_t registrations = 0;
  for (auto at = log.find("registered with scheduler"); at != std::string::npos;
       at = log.find("registered with scheduler", at + 1))
    ++registrations;
  CHECK(registrations >= 2);
  auto runs = read_runs(c.records);
  CHECK(runs.size() == 6);
  CHECK(c.count("end") == 3);
  CHECK(check_runs_never_overlap(runs, {}) == 0);
}
