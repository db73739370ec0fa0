// What a remote worker measures of its machine, end to end: a real
// bistro_scheduler and bistro_worker over loopback, the worker given a
// machine of a chosen size (a fake /proc/meminfo through
// BISTRO_TEST_MEMINFO, one CPU through taskset, GPUs through a fake
// nvidia-smi on PATH). The scheduler makes the measured amounts the
// worker's limits where `physical_resources` maps them, and the monitor
// (HTTP API, bistro_shell) shows them per worker.
#include <catch2/catch.hpp>
#include <cstdlib>

#include "tests/apps/shell/shell_test_support.hpp"
#include "tests/faults/faults_support.hpp"

using namespace bistro::testing;
namespace json = boost::json;

namespace {

/// A scheduler with an HTTP port and a remote worker whose machine the
/// test chooses.
struct physical_cluster {
  temp_dir dir;
  int port = free_port();
  int http_port = free_port();
  std::string records = dir.file("records");
  std::unique_ptr<child_process> scheduler, worker;

  void start_scheduler(const std::string& settings, const std::string& jobs) {
    auto config = dir.write("config", R"({"bistro_settings": {
        "nodes": {"levels": ["level1", "level2"], "node_sources": [
          {"source": "range_label", "prefs": {"parent_level": "instance",
           "start": 1, "end": 1, "format": "node1"}},
          {"source": "range_label", "prefs": {"parent_level": "level1",
           "start": 1, "end": 6, "format": "{parent}{i}"}}]},
        "enabled": true, "idle_wait": 0.2, "working_wait": 0.05)" +
                                          settings + "}, " + jobs + "}");
    scheduler = std::make_unique<child_process>(
        std::vector<std::string>{
            scheduler_bin, "--server_port=" + std::to_string(port),
            "--http_server_port=" + std::to_string(http_port),
            "--http_cache_ms=0", "--config_file=" + config, "--clean_statuses",
            "--CAUTION_startup_wait_for_workers=1",
            "--instance_node_name=scheduler",
            "--data_dir=" + dir.file("sched_data")},
        dir.file("sched.log"));
    REQUIRE(eventually([&] { return scheduler->log_has("HTTP API"); }, 15000));
  }

  /// A worker on a machine of `memory_mb` MB, one CPU and `gpus` (CSV
  /// lines as nvidia-smi prints them; "" = no nvidia-smi).
  void start_worker(double memory_mb, const std::string& gpus,
                    const std::string& task) {
    auto meminfo = dir.write(
        "meminfo", "MemTotal:       " +
                       std::to_string(static_cast<long>(memory_mb * 1024)) +
                       " kB\nMemFree:         1000 kB\n");
    std::filesystem::create_directories(dir.file("bin"));
    std::string path = std::getenv("PATH") ? std::getenv("PATH") : "/usr/bin";
    if (!gpus.empty()) {
      dir.script("bin/nvidia-smi", "cat <<'EOF'\n" + gpus + "EOF");
      path = dir.file("bin") + ":" + path;
    }
    worker = std::make_unique<child_process>(
        std::vector<std::string>{
            "/usr/bin/env", "BISTRO_TEST_MEMINFO=" + meminfo, "PATH=" + path,
            "taskset", "-c", "0", worker_bin,
            "--scheduler_host=::", "--scheduler_port=" + std::to_string(port),
            "--worker_command=" + task, "--data_dir=" + dir.file("w1"),
            "--shard_id=w1", "--heartbeat_period_sec=1"},
        dir.file("worker.log"));
  }

  json::value api(const std::string& target) const {
    auto answer = http_request(http_port, "GET", target);
    INFO(target << ": " << answer.code << " " << answer.body);
    REQUIRE(answer.code == 200);
    return json::parse(answer.body);
  }

  /// The workers answer's entry for `shard`, or null.
  json::value worker_entry(const std::string& shard) const {
    auto workers = api("/api/workers");
    for (const auto& w : workers.as_array())
      if (w.at("shard") == shard.c_str()) return w;
    return nullptr;
  }
};

/// Most tasks of the records that ran at once.
int most_at_once(const std::vector<task_record>& recs) {
  int running = 0, most = 0;
  for (const auto& r : recs)
    most = std::max(most, running += r.event == "start" ? 1 : -1);
  return most;
}

}  // namespace

TEST_CASE(
    "a remote worker's measured memory, minus physical_reserve_amount, "
    "limits how many ram-consuming tasks it runs at once") {
  physical_cluster c;
  // 1200 MB measured, 200 held back: 1000 MB for tasks of 400 MB each.
  c.start_scheduler(R"(, "resources": {"worker": {
        "ram_mb": {"limit": 100000, "default": 0}}},
      "physical_resources": {"ram_mb": {"logical_resource": "ram_mb",
        "physical_reserve_amount": 200}})",
                    R"("bistro_job->eater": {"owner": "t",
        "resources": {"ram_mb": 400}})");
  auto task = c.dir.script("task.sh", record_prelude(c.records) +
                                          "record start\nsleep 1\n"
                                          "echo done > \"$2\"\nrecord end\n");
  c.start_worker(1200, "", task);
  REQUIRE(eventually(
      [&] {
        std::size_t ends = 0;
        for (const auto& r : read_records(c.records)) ends += r.event == "end";
        return ends == 6;
      },
      40000));
  auto recs = read_records(c.records);
  std::sort(recs.begin(), recs.end(), [](const auto& a, const auto& b) {
    return std::tie(a.ms, a.event) < std::tie(b.ms, b.event);
  });
  // Without the measurement the limit is the config's 100000: all six at
  // once.
  CHECK(most_at_once(recs) == 2);
  auto w = c.worker_entry("w1");
  REQUIRE(w.is_object());
  CHECK(w.at("physical").at("memory_mb").to_number<double>() == 1200);
  CHECK(w.at("resources").at("ram_mb") == 1000);
}

TEST_CASE(
    "a remote worker's CPU cores and nvidia-smi's GPUs become its limits of "
    "the mapped resources and of \"GPU: <model>\", shown by the API and the "
    "shell") {
  physical_cluster c;
  c.start_scheduler(R"(, "resources": {"worker": {
        "ram_gb": {"limit": 50, "default": 0},
        "cpu": {"limit": 8, "default": 0},
        "gpu": {"limit": 0, "default": 0},
        "GPU: Tesla K40m": {"limit": 0, "default": 0},
        "unmapped": {"limit": 7, "default": 0}}},
      "physical_resources": {
        "ram_mb": {"logical_resource": "ram_gb", "multiply_logical_by": 1024,
                   "physical_reserve_amount": 1024},
        "cpu_core": {"logical_resource": "cpu"},
        "gpu_card": {"logical_resource": "gpu"}})",
                    R"("bistro_job->idle": {"owner": "t", "enabled": false})");
  auto task = c.dir.script("task.sh", "echo done > \"$2\"\n");
  c.start_worker(4096 + 512,
                 "0000:28:00.0, 11519, Tesla K40m\n"
                 "0000:29:00.0, 11519, Tesla K40m\n",
                 task);
  json::value w;
  REQUIRE(eventually(
      [&] {
        w = c.worker_entry("w1");
        return w.is_object();
      },
      20000));
  const auto& physical = w.at("physical");
  CHECK(physical.at("memory_mb").to_number<double>() == 4096 + 512);
  CHECK(physical.at("cpu_cores").to_number<double>() == 1);
  REQUIRE(physical.at("gpus").as_array().size() == 2);
  CHECK(physical.at("gpus").as_array()[0].at("name") == "Tesla K40m");
  const auto& limits = w.at("resources");
  CHECK(limits.at("ram_gb") == 3);  // (4608 - 1024) / 1024, cut
  CHECK(limits.at("cpu") == 1);
  CHECK(limits.at("gpu") == 2);
  CHECK(limits.at("GPU: Tesla K40m") == 2);
  CHECK(limits.at("unmapped") == 7);

  auto shell =
      run_shell({shell_bin, "--scheduler_host=::",
                 "--scheduler_port=" + std::to_string(c.port), "-c", "workers"},
                c.dir);
  INFO(shell.out << shell.err);
  REQUIRE(shell.exit_code == 0);
  CHECK(shell.out.find("w1: machine 4608 MB, 1 core, 2 GPUs (Tesla K40m, "
                       "Tesla K40m); limits GPU: Tesla K40m 2, cpu 1, gpu 2, "
                       "ram_gb 3, unmapped 7\n") != std::string::npos);
}
