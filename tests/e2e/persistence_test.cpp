// Task statuses survive scheduler restarts (LMDB at <data_dir>/statuses).
#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <map>
#include <random>

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

TEST_CASE(
    "a restart keeps done tasks done; --clean_statuses runs them again and "
    "leaves the store as it was") {
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
  // Bistro's meaning: in memory only. The store still says done.
  REQUIRE(run_scheduler(dir, config, task, {}, "4.log") == 0);
  CHECK(starts(records) == 4);
  REQUIRE(run_scheduler(dir, config, task, {"--dry_run"}, "5.log") == 0);
  std::ifstream in(dir.file("5.log"));
  std::string log((std::istreambuf_iterator<char>(in)), {});
  CHECK_THAT(log, Catch::Contains("(--dry_run)"));
  CHECK_THAT(log, !Catch::Contains("--clean_statuses"));
  REQUIRE(run_scheduler(dir, config, task, {"--reset_statuses"}, "6.log") == 0);
  CHECK(starts(records) == 6);  // deleted on purpose: both ran again
}

TEST_CASE(
    "a second scheduler or worker on a data dir in use exits at once, naming "
    "the holder's pid, and touches nothing") {
  temp_dir dir;
  auto task = dir.script("task.sh", "sleep 30\necho done > \"$2\"");
  auto config = dir.write("config", config_with(R"({"owner": "t"})"));
  child_process first(
      {scheduler_bin, "--config_file=" + config, "--worker_command=" + task,
       "--data_dir=" + dir.file("data"), "--instance_node_name=scheduler"},
      dir.file("first.log"));
  REQUIRE(eventually([&] { return first.log_has("starting j on"); }, 20000));
  auto mdb = dir.file("data/statuses/data.mdb");
  REQUIRE(std::filesystem::exists(mdb));
  struct stat before {};
  REQUIRE(::stat(mdb.c_str(), &before) == 0);
  for (const char* flag : {"--clean_statuses", "--dry_run", "--reset_statuses",
                           "--instance_node_name=x"}) {
    INFO(flag);
    auto code = run_scheduler(dir, config, task, {flag}, "second.log", 10000);
    std::ifstream in(dir.file("second.log"));
    std::string log((std::istreambuf_iterator<char>(in)), {});
    CHECK(code == 1);
    CHECK_THAT(log,
               Catch::Contains("in use by pid " + std::to_string(first.pid())));
    struct stat after {};
    REQUIRE(::stat(mdb.c_str(), &after) == 0);
    CHECK(after.st_ino == before.st_ino);
  }
  child_process worker(
      {BISTRO_WORKER_BIN, "--scheduler_host=127.0.0.1", "--scheduler_port=1",
       "--worker_command=" + task, "--data_dir=" + dir.file("data")},
      dir.file("worker.log"));
  REQUIRE(worker.wait(10000) == 1);
  CHECK(worker.log_has("in use by pid " + std::to_string(first.pid())));
  CHECK_FALSE(first.wait(0).has_value());  // the first one runs on
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

TEST_CASE("kill -9 at random moments never loses committed work") {
  temp_dir dir;
  auto records = dir.file("records");
  auto task = dir.script("task.sh", record_prelude(records) +
                                        "record start\nsleep 0.1\n"
                                        "echo done > \"$2\"\nrecord end\n");
  // 40 nodes, 4 at a time.
  auto config = dir.write("config", R"({"bistro_settings": {
      "nodes": {"levels": ["level1", "level2"], "node_sources": [
        {"source": "range_label", "prefs": {"parent_level": "instance",
         "start": 1, "end": 1, "format": "n"}},
        {"source": "range_label", "prefs": {"parent_level": "level1",
         "start": 1, "end": 40, "format": "{parent}{i}"}}]},
      "resources": {"instance": {"c": {"limit": 4, "default": 1}}},
      "enabled": true, "idle_wait": 0.2, "working_wait": 0.05},
      "bistro_job->j": {"owner": "t"}})");
  std::mt19937 rng(7);
  constexpr int kills = 8;
  for (int i = 0; i < kills; ++i) {
    std::vector<std::string> argv{
        scheduler_bin, "--config_file=" + config, "--worker_command=" + task,
        "--data_dir=" + dir.file("data"), "--instance_node_name=scheduler"};
    child_process p(argv, dir.file("kill" + std::to_string(i) + ".log"));
    // Let it run a little, then kill it without warning.
    auto until = steady_ms() + 150 + static_cast<std::int64_t>(rng() % 500);
    eventually([&] { return steady_ms() >= until; }, 1000);
    p.kill(SIGKILL);
    REQUIRE(p.wait(10000).has_value());
    CHECK(p.log().find("cannot") == std::string::npos);  // the store opened
  }
  REQUIRE(run_scheduler(dir, config, task, {}, "final.log", 60000) == 0);
  std::map<std::string, int> ends, starts_by_node;
  for (const auto& r : read_records(records)) {
    if (r.event == "end") ++ends[r.node];
    if (r.event == "start") ++starts_by_node[r.node];
  }
  CHECK(ends.size() == 40);  // every task ended done
  int total_starts = 0;
  for (auto& [node, n] : starts_by_node) total_starts += n;
  // Each kill may cost the (at most 4) running tasks and the few statuses
  // of the last uncommitted batch; without persistence every restart
  // would run everything again (hundreds of starts).
  INFO("starts in all: " << total_starts);
  CHECK(total_starts <= 40 + kills * 8);
  CHECK(total_starts >= 40);
}

/// A data dir on an 8 MB tmpfs (root only; CI runs as root), a task whose
/// every status carries 100 KB of data (so each commit needs new pages),
/// 30 nodes one at a time, and a way to fill the disk.
struct small_disk {
  temp_dir dir;
  std::string data = dir.file("data");
  std::string records = dir.file("records");
  bool mounted = false;

  small_disk() {
    std::filesystem::create_directories(data);
    mounted =
        std::system(("mount -t tmpfs -o size=8m tmpfs " + data + " 2>/dev/null")
                        .c_str()) == 0;
  }
  ~small_disk() {
    if (mounted) std::system(("umount -l " + data).c_str());
  }
  std::string task() const {
    return dir.script(
        "task.sh",
        record_prelude(records) +
            "record start\nsleep 0.1\n"
            "printf '{\"result\": \"done\", \"data\": {\"blob\": \"%s\"}}\\n' "
            "\"$(head -c 100000 /dev/zero | tr '\\0' x)\" > \"$2\"\n"
            "record end\n");
  }
  std::string config() const {
    return dir.write("config", R"({"bistro_settings": {
        "nodes": {"levels": ["level1"], "node_sources": [
          {"source": "range_label", "prefs": {"parent_level": "instance",
           "start": 1, "end": 30, "format": "n{i}"}}]},
        "resources": {"instance": {"c": {"limit": 1, "default": 1}}},
        "enabled": true, "idle_wait": 0.2, "working_wait": 0.05,
        "backoff": [1, "repeat"]},
        "bistro_job->j": {"owner": "t"}})");
  }
  int ends() const {
    int n = 0;
    for (const auto& r : read_records(records)) n += r.event == "end";
    return n;
  }
  std::string filler() const { return data + "/filler"; }
  void fill() const {
    std::ofstream out(filler(), std::ios::binary);
    std::string block(64 * 1024, 'x');
    while (out.write(block.data(), block.size())) {
    }
  }
};

TEST_CASE("a full disk stops new starts until space returns, losing nothing") {
  small_disk disk;
  if (!disk.mounted) {
    WARN("cannot mount a tmpfs here (not root?): disk-full test not run");
    return;
  }
  child_process sched(
      {scheduler_bin, "--config_file=" + disk.config(),
       "--worker_command=" + disk.task(), "--data_dir=" + disk.data,
       "--instance_node_name=scheduler", "--exit_when_done"},
      disk.dir.file("sched.log"));
  REQUIRE(eventually([&] { return disk.ends() >= 3; }, 15000));
  disk.fill();
  REQUIRE(eventually([&] { return sched.log_has("cannot persist"); }, 15000));
  auto starts_when_full = starts(disk.records);
  auto until = steady_ms() + 1500;
  eventually([&] { return steady_ms() >= until; }, 2000);
  // At most the round already under way when the commit failed.
  CHECK(starts(disk.records) <= starts_when_full + 1);
  CHECK_FALSE(sched.wait(0).has_value());  // still up
  std::filesystem::remove(disk.filler());
  // A task that failed while the disk was full retries after 1 s, not
  // Bistro's default 15 s; the bound is generous for a loaded CI machine.
  auto code = sched.wait(120000);
  INFO(sched.log_tail(4000));
  REQUIRE(code == 0);
  CHECK(disk.ends() >= 30);
  CHECK(sched.log_has("persisting works again"));
}

TEST_CASE(
    "SIGTERM while the disk is full retries, then names every status not "
    "written and exits 1; room in time writes them and exits 0") {
  for (bool room_in_time : {false, true}) {
    INFO("room in time: " << room_in_time);
    small_disk disk;
    if (!disk.mounted) {
      WARN("cannot mount a tmpfs here (not root?): disk-full test not run");
      return;
    }
    child_process sched(
        {scheduler_bin, "--config_file=" + disk.config(),
         "--worker_command=" + disk.task(), "--data_dir=" + disk.data,
         "--instance_node_name=scheduler",
         std::string{"--status_shutdown_retry_ms="} +
             (room_in_time ? "60000" : "1000")},
        disk.dir.file("sched.log"));
    REQUIRE(eventually([&] { return disk.ends() >= 3; }, 15000));
    disk.fill();
    REQUIRE(eventually([&] { return sched.log_has("cannot persist"); }, 15000));
    sched.kill(SIGTERM);
    if (room_in_time) {
      REQUIRE(
          eventually([&] { return sched.log_has("before exiting"); }, 15000));
      std::filesystem::remove(disk.filler());
    }
    auto code = sched.wait(30000);
    INFO(sched.log_tail());
    REQUIRE(code.has_value());
    if (room_in_time) {
      CHECK(*code == 0);
      CHECK(sched.log_has("persisting works again"));
      CHECK_FALSE(sched.log_has("not written: job"));
    } else {
      CHECK(*code == 1);
      CHECK(sched.log_has("not written: job \"j\" node \"n"));
    }
  }
}
