// bistro_scheduler --server_port with bistro_worker processes over loopback.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <map>
#include <random>

#include "tests/support/e2e_support.hpp"
#include "tests/support/tls_material.hpp"

using namespace bistro::testing;

namespace {

const std::string scheduler_bin = BISTRO_SCHEDULER_BIN;
const std::string worker_bin = BISTRO_WORKER_BIN;

std::string nodes_config(int n, const std::string& extra_settings,
                         const std::string& jobs) {
  return R"({"bistro_settings": {"nodes": {"levels": ["level1", "level2"],
      "node_sources": [
        {"source": "range_label", "prefs": {"parent_level": "instance",
         "start": 1, "end": 1, "format": "node1"}},
        {"source": "range_label", "prefs": {"parent_level": "level1",
         "start": 1, "end": )" +
         std::to_string(n) + R"(, "format": "{parent}{i}"}}]},
      "enabled": true, "idle_wait": 0.2, "working_wait": 0.05)" +
         extra_settings + "}, " + jobs + "}";
}

/// Fast health settings so that losses happen within seconds.
const std::vector<std::string> fast_health = {
    "--heartbeat_grace_period=1",
    "--healthcheck_period=1",
    "--healthcheck_grace_period=1",
    "--lose_unhealthy_worker_after=1",
    "--worker_check_interval=1",
    "--CAUTION_worker_suicide_backoff_safety_margin_sec=1",
    "--CAUTION_worker_suicide_task_kill_wait_ms=300"};

struct cluster {
  temp_dir dir;
  int port = free_port();
  std::string records = dir.file("records");

  /// The worker's task: records start and end (with the worker's shard),
  /// sleeps `seconds`, writes done.
  std::string task(double seconds) const {
    return dir.script("task.sh",
                      record_prelude(records) +
                          "W=$(printf '%s' \"$3\" | sed -n "
                          "'s/.*\"worker_node\":\"\\([^\"]*\\)\".*/\\1/p')\n"
                          "record start \"$W\"\nsleep " +
                          std::to_string(seconds) +
                          "\necho done > \"$2\"\nrecord end \"$W\"\n");
  }

  child_process scheduler(const std::string& config, const std::string& log,
                          std::vector<std::string> extra = {}) const {
    std::vector<std::string> argv{scheduler_bin,
                                  "--server_port=" + std::to_string(port),
                                  "--http_server_port=0",
                                  "--config_file=" + config,
                                  "--clean_statuses",
                                  "--CAUTION_startup_wait_for_workers=1",
                                  "--instance_node_name=scheduler",
                                  "--data_dir=" + dir.file("sched_data")};
    argv.insert(argv.end(), extra.begin(), extra.end());
    return child_process(argv, dir.file(log));
  }

  child_process worker(const std::string& shard, const std::string& task,
                       std::vector<std::string> extra = {}) const {
    std::vector<std::string> argv{worker_bin,
                                  "--scheduler_host=::",
                                  "--scheduler_port=" + std::to_string(port),
                                  "--worker_command=" + task,
                                  "--data_dir=" + dir.file("w_" + shard),
                                  "--shard_id=" + shard};
    argv.insert(argv.end(), extra.begin(), extra.end());
    return child_process(argv, dir.file("worker_" + shard + ".log"));
  }
};

/// Runs of one (job, node) never overlap in time. A run without an end
/// ended when its worker was killed (`killed_at`, per worker).
void check_no_overlap(const std::vector<task_record>& recs,
                      const std::map<std::string, std::int64_t>& killed_at) {
  std::map<std::string, std::vector<std::pair<std::int64_t, std::int64_t>>>
      runs;
  std::map<std::string, std::pair<std::int64_t, std::string>> open;
  for (const auto& r : recs) {
    auto key = r.job + "/" + r.node;
    if (r.event == "start") {
      if (open.count(key)) {  // the previous run never ended
        auto [start, worker] = open[key];
        REQUIRE(killed_at.count(worker));
        runs[key].emplace_back(start, killed_at.at(worker));
      }
      open[key] = {r.ms, r.extra};
    } else {
      runs[key].emplace_back(open[key].first, r.ms);
      open.erase(key);
    }
  }
  for (auto& [key, list] : runs) {
    std::sort(list.begin(), list.end());
    for (std::size_t i = 1; i < list.size(); ++i) {
      INFO(key << ": run " << i << " starts " << list[i].first
               << " before the previous ended " << list[i - 1].second);
      CHECK(list[i].first >= list[i - 1].second);
    }
  }
}

}  // namespace

TEST_CASE(
    "the getting-started commands run simple_job's 4 tasks on the worker") {
  cluster c;
  auto config = c.dir.write("config", nodes_config(4, R"(, "resources":
      {"instance": {"concurrency": {"limit": 3, "default": 1}}})",
                                                   R"("bistro_job->simple_job":
      {"owner": "test", "enabled": true})"));
  auto sched = c.scheduler(config, "sched.log", {"--exit_when_done"});
  auto worker = c.worker("w1", c.task(0.5));
  REQUIRE(sched.wait(30000) == 0);
  auto recs = read_records(c.records);
  std::map<std::string, int> starts;
  int running = 0, most = 0;
  for (const auto& r : recs) {
    if (r.event == "start") {
      ++starts[r.node];
      CHECK(r.extra == "w1");
    }
    most = std::max(most, running += r.event == "start" ? 1 : -1);
  }
  CHECK(starts ==
        std::map<std::string, int>{
            {"node11", 1}, {"node12", 1}, {"node13", 1}, {"node14", 1}});
  CHECK(most <= 3);
  CHECK(worker.log_has("registered with scheduler"));
}

TEST_CASE(
    "a remote worker keeps a job's max_log_bytes_per_task: the limit travels "
    "in the task_spec") {
  cluster c;
  auto config = c.dir.write(
      "config", nodes_config(1, "", R"("bistro_job->flood": {"owner": "t",
          "backoff": ["fail"],
          "task_subprocess": {"max_log_bytes_per_task": 100000}})"));
  auto task = c.dir.script("flood.sh",
                           "yes 'flooding a remote worker' | head -c 8000000\n"
                           "echo done > \"$2\"\n");
  auto sched = c.scheduler(config, "sched.log", {"--exit_when_done"});
  auto worker = c.worker("w1", task);
  REQUIRE(sched.wait(60000) == 0);
  CHECK(sched.log_has("flood on node11 ended: done"));
  // The worker's last log batch is on disk once it has ended.
  worker.kill(SIGTERM);
  REQUIRE(worker.wait(15000));
  std::uintmax_t disk = 0;
  for (const auto& f : std::filesystem::recursive_directory_iterator(
           c.dir.file("w_w1") + "/task_logs")) {
    struct stat st {};
    if (f.is_regular_file() && ::stat(f.path().c_str(), &st) == 0)
      disk += static_cast<std::uintmax_t>(st.st_blocks) * 512;
  }
  INFO("the worker's task_logs on disk: " << disk << " bytes");
  CHECK(disk > 0);
  CHECK(disk < 2u * 1024 * 1024);  // 8 MB written, 100 kB kept
}

TEST_CASE("two workers share the work under a worker concurrency limit of 1") {
  cluster c;
  auto config =
      c.dir.write("config", nodes_config(6, R"(, "resources":
      {"worker": {"slots": {"limit": 1, "default": 1}}})",
                                         R"("bistro_job->j": {"owner": "t"})"));
  auto sched = c.scheduler(config, "sched.log", {"--exit_when_done"});
  auto task = c.task(0.3);
  auto w1 = c.worker("w1", task);
  auto w2 = c.worker("w2", task);
  auto exit_code = sched.wait(30000);
  INFO(sched.log());
  REQUIRE(exit_code == 0);
  std::map<std::string, int> per_worker, running;
  std::map<std::string, int> most;
  for (const auto& r : read_records(c.records)) {
    if (r.event == "start") ++per_worker[r.extra];
    running[r.extra] += r.event == "start" ? 1 : -1;
    most[r.extra] = std::max(most[r.extra], running[r.extra]);
  }
  CHECK(per_worker["w1"] + per_worker["w2"] == 6);
  CHECK(per_worker["w1"] >= 1);
  CHECK(per_worker["w2"] >= 1);
  CHECK(most["w1"] == 1);
  CHECK(most["w2"] == 1);
}

TEST_CASE(
    "a killed worker's tasks are lost, wait, and rerun elsewhere without "
    "overlap") {
  cluster c;
  auto config = c.dir.write(
      "config", nodes_config(2, "", R"("bistro_job->j": {"owner": "t"})"));
  auto sched = c.scheduler(config, "sched.log", fast_health);
  auto task = c.task(2);
  auto w1 = std::make_unique<child_process>(
      c.worker("w1", task, {"--heartbeat_period_sec=1"}));
  REQUIRE(
      eventually([&] { return read_records(c.records).size() == 2; }, 15000));
  w1->kill(SIGKILL);
  auto killed_at = wall_ms_now();
  auto w2 = c.worker("w2", task, {"--heartbeat_period_sec=1"});
  REQUIRE(eventually(
      [&] {
        int ends = 0;
        for (const auto& r : read_records(c.records)) ends += r.event == "end";
        return ends == 2;
      },
      30000));
  CHECK(sched.log_has("worker w1 lost"));
  auto recs = read_records(c.records);
  for (const auto& r : recs)
    if (r.event == "end") CHECK(r.extra == "w2");
  check_no_overlap(recs, {{"w1", killed_at}});
}

TEST_CASE(
    "a stopped worker turns unhealthy, then lost; resumed, it never doubles a "
    "task") {
  cluster c;
  auto config = c.dir.write(
      "config", nodes_config(1, "", R"("bistro_job->j": {"owner": "t"})"));
  auto health = fast_health;
  health.back() = "--CAUTION_worker_suicide_task_kill_wait_ms=300";
  health.push_back("--CAUTION_worker_suicide_backoff_safety_margin_sec=2");
  auto sched = c.scheduler(config, "sched.log", health);
  // Shorter than the safety margin: a frozen worker cannot kill its
  // children, which is exactly what the margin is for.
  auto task = c.task(1);
  auto w1 = c.worker("w1", task, {"--heartbeat_period_sec=1"});
  REQUIRE(
      eventually([&] { return read_records(c.records).size() == 1; }, 15000));
  REQUIRE(w1.stop());
  auto stopped_at = steady_ms();
  REQUIRE(eventually([&] { return sched.log_has("-> UNHEALTHY"); }, 10000));
  REQUIRE(eventually([&] { return sched.log_has("worker w1 lost"); }, 10000));
  // Heartbeat 1 s + grace 1 s + lose after 1 s, checked every second.
  CHECK(steady_ms() - stopped_at < 6000);
  auto w2 = c.worker("w2", task, {"--heartbeat_period_sec=1"});
  REQUIRE(eventually(
      [&] {
        for (const auto& r : read_records(c.records))
          if (r.event == "end" && r.extra == "w2") return true;
        return false;
      },
      30000));
  w1.kill(SIGCONT);
  REQUIRE(eventually([&] { return w1.log_has("lost the scheduler"); }, 10000));
  auto recs = read_records(c.records);
  int starts = 0;
  for (const auto& r : recs) starts += r.event == "start";
  CHECK(starts == 2);
  check_no_overlap(recs, {});
  // w1's run ended while it was frozen; its late result is stale.
  CHECK(eventually(
      [&] { return sched.log_has("ignoring a status for unknown run"); },
      10000));
}

TEST_CASE("a restarted scheduler adopts the worker's running tasks") {
  cluster c;
  auto config = c.dir.write(
      "config", nodes_config(2, "", R"("bistro_job->j": {"owner": "t"})"));
  auto task = c.task(4);
  auto w1 = c.worker("w1", task, {"--heartbeat_period_sec=1"});
  {
    auto first = c.scheduler(config, "sched1.log");
    REQUIRE(
        eventually([&] { return read_records(c.records).size() == 2; }, 15000));
    first.kill(SIGKILL);
  }
  auto second =
      c.scheduler(config, "sched2.log",
                  {"--exit_when_done", "--CAUTION_startup_wait_for_workers=3"});
  REQUIRE(second.wait(30000) == 0);
  CHECK(second.log_has("adopting j on node11"));
  CHECK(second.log_has("adopting j on node12"));
  int starts = 0;
  for (const auto& r : read_records(c.records)) starts += r.event == "start";
  CHECK(starts == 2);
}

TEST_CASE("a second worker with a healthy worker's shard id is refused") {
  cluster c;
  auto config = c.dir.write(
      "config", nodes_config(1, "", R"("bistro_job->j": {"owner": "t"})"));
  auto sched = c.scheduler(config, "sched.log");
  auto task = c.task(0.1);
  auto w1 = c.worker("same", task);
  REQUIRE(eventually([&] { return w1.log_has("registered with scheduler"); },
                     10000));
  temp_dir other;
  child_process w2(
      {worker_bin, "--scheduler_host=127.0.0.1",
       "--scheduler_port=" + std::to_string(c.port), "--worker_command=" + task,
       "--data_dir=" + other.file("data"), "--shard_id=same"},
      other.file("w2.log"));
  REQUIRE(eventually(
      [&] { return w2.log_has("shard id \"same\" is already taken"); }, 10000));
  CHECK_FALSE(w2.log_has("registered with scheduler"));
}

TEST_CASE("garbage on the server port does not disturb the scheduler") {
  cluster c;
  auto config = c.dir.write(
      "config", nodes_config(2, "", R"("bistro_job->j": {"owner": "t"})"));
  auto sched = c.scheduler(config, "sched.log", {"--exit_when_done"});
  REQUIRE(eventually([&] { return sched.log_has("workers connect on port"); },
                     10000));
  auto connect_once = [&] {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<std::uint16_t>(c.port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) ==
            0);
    return fd;
  };
  int silent = connect_once();
  int noisy = connect_once();
  std::mt19937 rng(42);
  std::string junk(64 * 1024, '\0');
  for (auto& ch : junk) ch = static_cast<char>(rng());
  [[maybe_unused]] auto n =
      ::send(noisy, junk.data(), junk.size(), MSG_NOSIGNAL);
  auto w1 = c.worker("w1", c.task(0.1));
  REQUIRE(sched.wait(30000) == 0);
  ::close(silent);
  ::close(noisy);
  int ends = 0;
  for (const auto& r : read_records(c.records)) ends += r.event == "end";
  CHECK(ends == 2);
}

TEST_CASE(
    "a worker pointed at a port with no scheduler retries with a clear error") {
  cluster c;
  auto w1 = c.worker("w1", c.task(0.1));
  REQUIRE(eventually([&] { return w1.log_has("cannot connect"); }, 15000));
  CHECK(w1.log_has("retrying in"));
}

TEST_CASE("with TLS, plain-text and wrongly signed workers cannot register") {
  cluster c;
  tls_material tls(c.dir);
  auto config = c.dir.write("config", nodes_config(2, "",
                                                   R"("bistro_job->j":
      {"owner": "test"})"));
  auto sched = c.scheduler(config, "sched.log", tls.flags("sched"));
  auto plain = c.worker("plain", c.task(0));
  auto rogue = c.worker("rogue", c.task(0), tls.flags("rogue"));
  // Each is turned away at the handshake, and keeps retrying.
  REQUIRE(eventually(
      [&] {
        return plain.log_has("retrying in 4000 ms") &&
               rogue.log_has("retrying in 4000 ms");
      },
      30000));
  CHECK_FALSE(sched.log_has("joined"));
  CHECK(read_records(c.records).empty());
  // A worker with a certificate from the scheduler's CA does the work.
  auto good = c.worker("good", c.task(0), tls.flags("worker"));
  REQUIRE(eventually(
      [&] {
        int ends = 0;
        for (const auto& r : read_records(c.records)) ends += r.event == "end";
        return ends == 2;
      },
      30000));
  for (const auto& r : read_records(c.records)) CHECK(r.extra == "good");
  CHECK_FALSE(sched.log_has("plain"));
  CHECK_FALSE(sched.log_has("rogue"));
}

TEST_CASE("TLS flags go together and name an unreadable file") {
  temp_dir dir;
  child_process half({worker_bin, "--scheduler_host=::", "--scheduler_port=1",
                      "--worker_command=true", "--tls_cert_file=/x"},
                     dir.file("half.log"));
  CHECK(half.wait(10000) == 2);
  CHECK(half.log().find("go together") != std::string::npos);
  child_process missing(
      {scheduler_bin, "--config_file=/dev/null", "--server_port=1",
       "--data_dir=" + dir.file("data"), "--tls_cert_file=/nope.pem",
       "--tls_key_file=/nope.key", "--tls_ca_file=/nope.ca"},
      dir.file("missing.log"));
  CHECK(missing.wait(10000) == 2);
  CHECK(missing.log().find("--tls_cert_file=/nope.pem: cannot read") !=
        std::string::npos);
}
