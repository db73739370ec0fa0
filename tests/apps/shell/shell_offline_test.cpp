// bistro_shell --data_dir: a real scheduler and worker write their stores;
// the shell reads them offline, read-only, while they run and after they
// stopped, with the online commands' names and tables.
#include <catch2/catch.hpp>
#include <filesystem>

#include "tests/apps/shell/shell_test_support.hpp"

using namespace bistro::testing;

namespace {

struct offline_cluster {
  temp_dir dir;
  int port = free_port();
  std::string config = dir.write("config", R"({"bistro_settings": {
      "nodes": {"levels": ["level1", "level2"], "node_sources": [
        {"source": "range_label", "prefs": {"parent_level": "instance",
         "start": 1, "end": 1, "format": "node1"}},
        {"source": "range_label", "prefs": {"parent_level": "level1",
         "start": 1, "end": 3, "format": "{parent}{i}"}}]},
      "enabled": true, "idle_wait": 0.2, "working_wait": 0.05},
    "bistro_job->alpha": {"owner": "test"}})");
  std::string task = dir.script("task.sh", R"(NODE="$1"
echo "hello from $NODE"
case "$NODE" in
  node11) echo '{"result": "done", "data": {"answer": 42}}' > "$2" ;;
  node12) echo failed > "$2" ;;
  *) sleep 120; echo done > "$2" ;;
esac)");
  std::unique_ptr<child_process> scheduler, worker;

  offline_cluster() {
    scheduler = std::make_unique<child_process>(
        std::vector<std::string>{
            scheduler_bin, "--server_port=" + std::to_string(port),
            "--http_server_port=0", "--config_file=" + config,
            "--CAUTION_startup_wait_for_workers=1",
            "--instance_node_name=scheduler",
            "--data_dir=" + dir.file("sched_data"), "--log_level=warn"},
        dir.file("sched.log"));
    worker = std::make_unique<child_process>(
        std::vector<std::string>{
            worker_bin,
            "--scheduler_host=::", "--scheduler_port=" + std::to_string(port),
            "--worker_command=" + task, "--data_dir=" + dir.file("w1"),
            "--shard_id=w1", "--heartbeat_period_sec=1"},
        dir.file("worker.log"));
  }

  shell_run offline(const std::string& data_dir, const std::string& command) {
    return run_shell(
        {shell_bin, "--data_dir=" + dir.file(data_dir), "-c", command}, dir);
  }
};

/// What `show task alpha node11` and `history` must say, offline.
void check_done_task(offline_cluster& c) {
  auto r = c.offline("sched_data", "show task alpha node11");
  INFO("stdout:\n" << r.out << "\nstderr:\n" << r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(contains(r.out, "status   done\n"));
  CHECK(contains(r.out, "data     {\"answer\":42}\n"));
  CHECK(contains(r.out, "worker   w1\n"));
  CHECK(contains(r.out, "run history:\nRUN"));
  CHECK(contains(r.out, "last stdout lines:\n  (no task log store: "));

  auto h = c.offline("sched_data", "history alpha node12");
  INFO("stdout:\n" << h.out << "\nstderr:\n" << h.err);
  REQUIRE(h.exit_code == 0);
  CHECK(contains(h.out, "STATUS  STARTED"));
  CHECK(h.out.rfind("RUN ", 0) == 0);
  CHECK(contains(h.out, "  failed  "));
  CHECK(contains(h.out, "  w1"));

  // The job's runs across its nodes, newest first, with their nodes.
  auto j = c.offline("sched_data", "history alpha");
  INFO("stdout:\n" << j.out << "\nstderr:\n" << j.err);
  REQUIRE(j.exit_code == 0);
  CHECK(j.out.rfind("RUN ", 0) == 0);
  CHECK(contains(j.out, "  NODE  "));
  CHECK(contains(j.out, "  node11  done  "));
  CHECK(contains(j.out, "  node12  failed  "));
}

}  // namespace

TEST_CASE(
    "shell --data_dir: statuses, history and logs read offline while "
    "the scheduler runs and after it stopped") {
  offline_cluster c;
  // Offline reads, polled: node11 done and node12 failed in the store.
  REQUIRE(eventually(
      [&] {
        auto r = c.offline("sched_data", "tasks --job alpha");
        return r.exit_code == 0 && contains(r.out, "node11  done") &&
               contains(r.out, "node12  failed") &&
               contains(r.out, "node13  running  w1");
      },
      30000));
  check_done_task(c);
  // Online, the scheduler answers the same from its store.
  for (auto command : {"history alpha", "history alpha node12"}) {
    auto online = run_shell({shell_bin, "--scheduler_host=::",
                             "--scheduler_port=" + std::to_string(c.port),
                             "-c", command},
                            c.dir);
    INFO(command << "\nonline:\n" << online.out << online.err);
    CHECK(online.exit_code == 0);
    CHECK(online.out == c.offline("sched_data", command).out);
  }

  auto logs = c.offline("w1", "logs alpha node11");
  INFO("logs: " << logs.out << logs.err);
  CHECK(logs.exit_code == 0);
  CHECK(contains(logs.out, "hello from node11"));

  auto status = c.offline("sched_data", "status");
  CHECK(status.exit_code == 1);
  CHECK(contains(status.err, "not available offline (--data_dir)"));
  auto kill = c.offline("sched_data", "kill alpha node13");
  CHECK(kill.exit_code == 1);
  CHECK(contains(kill.err, "not available offline (--data_dir)"));

  // Stopped: the same answers, and reading writes nothing.
  REQUIRE(c.worker->stop());
  REQUIRE(c.scheduler->stop());
  const auto file = c.dir.file("sched_data/statuses/data.mdb");
  auto size = std::filesystem::file_size(file);
  auto mtime = std::filesystem::last_write_time(file);
  check_done_task(c);
  auto h = c.offline("sched_data", "history alpha node11");
  CHECK(contains(h.out, "  done  "));
  CHECK(std::filesystem::file_size(file) == size);
  CHECK(std::filesystem::last_write_time(file) == mtime);
  CHECK(
      contains(c.offline("w1", "logs alpha node12").out, "hello from node12"));

  auto missing = c.offline("nowhere", "tasks");
  CHECK(missing.exit_code == 2);
  CHECK(contains(missing.err, "--data_dir " + c.dir.file("nowhere")));
}
