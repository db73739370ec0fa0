// Tasks in cgroups, end to end through a bistro_scheduler process with its
// in-process worker (the same local worker bistro_worker runs): a kill
// that reaches a setsid'd child holding the status pipe (v1 and v2), an
// out-of-memory end, the cleanup after a worker killed with -9, and the
// refusal of cgroups this machine cannot give. Each skips, saying why,
// where cgroups cannot be used (tests/actors/tasks/task_cgroup_test.cpp
// covers task_cgroup and task_process one at a time).
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <filesystem>
#include <optional>

#include "actors/tasks/task_cgroup.hpp"
#include "tests/faults/faults_support.hpp"

using namespace bistro::testing;
namespace fs = std::filesystem;

namespace {

const std::string scheduler_bin = BISTRO_SCHEDULER_BIN;

/// Whether a cgroup's name is an idle one of a worker's pool
/// (`bistro-<tag>-idle<pool>.<n>`), not a task's.
bool idle_name(const fs::path& dir) {
  return dir.filename().string().find("-idle") != std::string::npos;
}

/// A slice of its own for one test, its directories removed at the end
/// (after the worker removed the task cgroups in it; the idle ones of its
/// pool, which a killed worker leaves, are removed here).
struct test_slice {
  std::string root, name;
  std::vector<std::string> subsystems;
  std::vector<std::string> dirs;
  std::optional<bistro::cgroup_layout> layout;
  std::string error;
  test_slice(std::string r, std::vector<std::string> subs)
      : root(std::move(r)), subsystems(std::move(subs)) {
    static int counter = 0;
    name = "bistro-e2e-" + std::to_string(::getpid()) + "-" +
           std::to_string(++counter);
    bistro::cgroup_options o;
    o.root = root;
    o.slice = name;
    o.subsystems = subsystems;
    auto opened = bistro::open_cgroup_layout(o);
    if (auto* e = std::get_if<std::string>(&opened)) {
      error = *e;
    } else {
      layout = std::get<bistro::cgroup_layout>(opened);
      dirs = layout->slice_dirs;
    }
  }
  ~test_slice() {
    if (layout) bistro::clean_leftover_cgroups(*layout, "bistro-", 5000);
    for (const auto& d : dirs) ::rmdir(d.c_str());
  }
  bool usable() const { return error.empty(); }
  /// The task cgroups now in the slice (any hierarchy), or with `idle`
  /// the idle ones of a worker's pool.
  std::vector<std::string> task_cgroups(bool idle = false) const {
    std::vector<std::string> out;
    for (const auto& d : dirs) {
      std::error_code ec;
      for (const auto& e : fs::directory_iterator(d, ec))
        if (e.is_directory() && idle_name(e.path()) == idle)
          out.push_back(e.path().string());
    }
    std::sort(out.begin(), out.end());
    return out;
  }
  std::vector<std::string> idle_cgroups() const { return task_cgroups(true); }
  std::string json() const {
    std::string subs;
    for (const auto& s : subsystems)
      subs += (subs.empty() ? "\"" : ", \"") + s + "\"";
    return R"("cgroups": {"root": ")" + root + R"(", "slice": ")" + name +
           R"(", "subsystems": [)" + subs + "]}";
  }
};

struct contained_scheduler {
  temp_dir dir;
  int http_port = free_port();
  std::string records = dir.file("records");
  std::unique_ptr<fault_process> process;

  /// `settings_extra` goes into bistro_settings; `jobs` are
  /// `"bistro_job->NAME": {...}` entries.
  void start(const std::string& settings_extra, const std::string& jobs) {
    auto config = dir.write("config", R"({"bistro_settings": {
        "nodes": {"levels": ["level1", "level2"], "node_source": "manual",
                  "node_source_prefs": {"a": ["a1"]}},
        "enabled": true, "idle_wait": 0.2, "working_wait": 0.05,
        "backoff": ["fail"])" + settings_extra +
                                          "}, " + jobs + "}");
    auto fallback = dir.script("unused.sh", "echo done > \"$2\"");
    // A restart appends to the same log: only what follows counts.
    const auto log_start = process ? process->log().size() : 0;
    process = std::make_unique<fault_process>(
        std::vector<std::string>{
            scheduler_bin, "--config_file=" + config,
            "--worker_command=" + fallback, "--data_dir=" + dir.file("data"),
            "--instance_node_name=scheduler", "--clean_statuses",
            "--http_server_port=" + std::to_string(http_port),
            "--http_cache_ms=0"},
        dir.file("scheduler.log"));
    REQUIRE(eventually(
        [&] {
          return process->log().find("HTTP API", log_start) !=
                 std::string::npos;
        },
        15000));
  }

  std::string job(const std::string& name, const std::string& script_body,
                  const std::string& extra = "") const {
    auto script = dir.script(name + ".sh", run_prelude(records) + script_body);
    return "\"bistro_job->" + name + "\": {\"owner\": \"t\", \"command\": [\"" +
           script + "\"]" + extra + "}";
  }

  std::string ended_line(const std::string& job) const {
    auto log = process->log();
    auto at = log.find(job + " on a1 ended: ");
    if (at == std::string::npos) return "";
    return log.substr(at, log.find('\n', at) - at);
  }
  bool ended(const std::string& job) const { return !ended_line(job).empty(); }

  pid_t pid_in(const std::string& file) const {
    std::ifstream in(dir.file(file));
    pid_t pid = 0;
    in >> pid;
    return pid;
  }

  void kill_task(const std::string& job) {
    REQUIRE(eventually(
        [&] {
          return http_request(http_port, "POST",
                              "/api/tasks/" + job + "/a1/kill")
                     .code == 200;
        },
        10000));
  }
};

/// A task whose child leaves the process group, ignores TERM and keeps the
/// status pipe: without cgroups nothing the worker sends reaches it.
std::string setsid_child_body(const contained_scheduler& s) {
  return "setsid sh -c 'trap \"\" TERM; echo $$ > " + s.dir.file("child.pid") +
         "; while :; do sleep 1; done' &\n"
         "record start\ntrap '' TERM\nwhile :; do sleep 1; done\n";
}

void kill_reaches_setsid_child(const std::string& root,
                               std::vector<std::string> subsystems) {
  test_slice slice(root, std::move(subsystems));
  if (!slice.usable()) {
    WARN("skipped: cgroups unusable here: " << slice.error);
    return;
  }
  constexpr int kill_wait_ms = 500;
  contained_scheduler s;
  s.start("", s.job("held", setsid_child_body(s),
                    R"(, "task_subprocess": {)" + slice.json() +
                        R"(}, "kill_subprocess": {"method": "term_wait_kill",
                        "kill_wait_ms": 500})"));
  REQUIRE(eventually([&] { return s.pid_in("child.pid") > 0; }, 15000));
  auto child = s.pid_in("child.pid");
  CHECK(process_alive(child));
  REQUIRE_FALSE(slice.task_cgroups().empty());
  s.kill_task("held");
  auto killed_at = steady_ms();
  REQUIRE(eventually([&] { return s.ended("held"); }, 15000));
  auto took = steady_ms() - killed_at;
  INFO("ended " << took << " ms after the kill");
  CHECK(took <= kill_wait_ms + 1000);
  CHECK(s.ended_line("held") ==
        "held on a1 ended: incomplete_backoff: task was killed before it "
        "wrote a status (now incomplete_backoff)");
  CHECK_FALSE(process_alive(child));
  CHECK(slice.task_cgroups().empty());
  // v1's cpu and cpuacct cgroups, emptied by the kill, wait in the
  // worker's pool for the next task.
  std::size_t pooled = 0;
  for (const auto& s : slice.subsystems)
    if (s == "cpu" || s == "cpuacct") ++pooled;
  if (slice.layout->unified) pooled = 0;
  CHECK(slice.idle_cgroups().size() == pooled);
}

}  // namespace

TEST_CASE(
    "cgroup v1: a kill ends a task whose setsid'd child holds the status "
    "pipe within kill_wait_ms + 1 s, and its cgroups are removed",
    "[contained]") {
  kill_reaches_setsid_child("/sys/fs/cgroup",
                            {"cpu", "cpuacct", "memory", "freezer", "pids"});
}

TEST_CASE(
    "cgroup v2: a kill ends a task whose setsid'd child holds the status "
    "pipe within kill_wait_ms + 1 s, and its cgroup is removed",
    "[contained]") {
  kill_reaches_setsid_child("/sys/fs/cgroup/unified", {"freezer"});
}

TEST_CASE(
    "without cgroups a killed task held by a setsid'd child is logged with "
    "the child's pid until it lets go",
    "[contained]") {
  contained_scheduler s;
  s.start("", s.job("held",
                    "setsid sh -c 'trap \"\" TERM; echo $$ > " +
                        s.dir.file("child.pid") +
                        "; sleep 3' &\nrecord start\nexec sleep 60\n",
                    R"(, "kill_subprocess": {"method": "kill"})"));
  REQUIRE(eventually([&] { return s.pid_in("child.pid") > 0; }, 15000));
  auto child = s.pid_in("child.pid");
  s.kill_task("held");
  REQUIRE(eventually(
      [&] { return s.process->log_has("still hold its status pipe"); }, 10000));
  CHECK(s.process->log_has(std::to_string(child) + " (sh)"));
  CHECK_FALSE(s.ended("held"));
  REQUIRE(eventually([&] { return s.ended("held"); }, 15000));
}

TEST_CASE(
    "cgroup v1: a task past its ram_mb memory limit ends out of memory and "
    "the worker stays up",
    "[contained]") {
  test_slice slice("/sys/fs/cgroup", {"memory", "freezer"});
  if (!slice.usable()) {
    WARN("skipped: cgroups unusable here: " << slice.error);
    return;
  }
  contained_scheduler s;
  s.start(R"(, "resources": {"worker": {"ram_mb": {"limit": 100000,
                                                    "default": 32}}},
             "physical_resources": {"ram_mb": {"logical_resource": "ram_mb",
                                               "enforcement": "hard"}})",
          s.job("hog",
                "record start\nx=$(head -c 200000000 /dev/zero | tr '\\0' a)\n"
                "echo done > \"$2\"\n",
                R"(, "task_subprocess": {)" + slice.json() + "}") +
              ", " +
              s.job("after", "echo done > \"$2\"\n",
                    R"(, "task_subprocess": {)" + slice.json() + "}"));
  REQUIRE(eventually([&] { return s.ended("hog"); }, 30000));
  CHECK(s.ended_line("hog") ==
        "hog on a1 ended: error_backoff: out of memory: limit 32 MB (now "
        "failed)");
  REQUIRE(eventually([&] { return s.ended("after"); }, 15000));
  CHECK(s.ended_line("after") == "after on a1 ended: done (now done)");
  CHECK(http_request(s.http_port, "GET", "/healthz").code == 200);
  CHECK(slice.task_cgroups().empty());
}

TEST_CASE(
    "the cgroups a worker killed with -9 leaves are killed and removed when "
    "the next worker of its data dir starts",
    "[contained]") {
  test_slice slice("/sys/fs/cgroup", {"freezer", "pids"});
  if (!slice.usable()) {
    WARN("skipped: cgroups unusable here: " << slice.error);
    return;
  }
  contained_scheduler s;
  auto jobs = s.job("held", setsid_child_body(s),
                    R"(, "task_subprocess": {)" + slice.json() + "}");
  s.start("", jobs);
  REQUIRE(eventually([&] { return s.pid_in("child.pid") > 0; }, 15000));
  auto child = s.pid_in("child.pid");
  auto left = slice.task_cgroups();
  REQUIRE(left.size() == 2);
  s.process->kill(SIGKILL);
  REQUIRE(s.process->wait(10000) == -SIGKILL);
  // The setsid'd child escaped the parent-death signal: it and its
  // cgroups are still there.
  CHECK(process_alive(child));
  CHECK(slice.task_cgroups() == left);
  fs::remove(s.dir.file("child.pid"));
  s.start("", jobs);
  for (const auto& dir : left)
    CHECK(eventually(
        [&] {
          return s.process->log_has("removed cgroup " + dir +
                                    " left by an earlier worker");
        },
        10000));
  CHECK(eventually([&] { return !process_alive(child); }, 5000));
  for (const auto& dir : left) CHECK_FALSE(fs::exists(dir));
  // The task runs again, in a new cgroup.
  REQUIRE(eventually([&] { return s.pid_in("child.pid") > 0; }, 15000));
  s.process->kill(SIGKILL);
  s.process->wait(10000);
  // Clean up what this second kill left, as a third start would.
  bistro::cgroup_options o;
  o.root = slice.root;
  o.slice = slice.name;
  o.subsystems = slice.subsystems;
  auto layout = bistro::open_cgroup_layout(o);
  REQUIRE(layout.index() == 0);
  CHECK(bistro::clean_leftover_cgroups(std::get<0>(layout), "bistro-", 5000)
            .errors.empty());
}

TEST_CASE(
    "cgroup v1: the idle cgroups of the pool a worker killed with -9 leaves "
    "are removed when the next worker of its data dir starts",
    "[contained]") {
  test_slice slice("/sys/fs/cgroup", {"cpu", "cpuacct", "freezer"});
  if (!slice.usable()) {
    WARN("skipped: cgroups unusable here: " << slice.error);
    return;
  }
  contained_scheduler s;
  auto jobs = s.job("quick", "record start\necho done > \"$2\"\n",
                    R"(, "task_subprocess": {)" + slice.json() + "}");
  s.start("", jobs);
  REQUIRE(eventually([&] { return s.ended("quick"); }, 15000));
  // Its cpu and cpuacct cgroups went to the pool, under idle names; the
  // freezer cgroup was removed.
  std::vector<std::string> idle;
  REQUIRE(eventually(
      [&] {
        idle = slice.idle_cgroups();
        return idle.size() == 2;
      },
      5000));
  CHECK(slice.task_cgroups().empty());
  s.process->kill(SIGKILL);
  REQUIRE(s.process->wait(10000) == -SIGKILL);
  CHECK(slice.idle_cgroups() == idle);
  s.start("", jobs);
  for (const auto& dir : idle)
    CHECK(eventually(
        [&] {
          return s.process->log_has("removed cgroup " + dir +
                                    " left by an earlier worker");
        },
        10000));
}

TEST_CASE(
    "a config asking for cgroups this machine cannot give is refused per "
    "run with an error naming the path",
    "[contained]") {
  contained_scheduler s;
  auto fake_root = s.dir.file("not_cgroups");
  fs::create_directories(fake_root + "/memory");
  s.start("",
          s.job("j", "record start\necho done > \"$2\"\n",
                R"(, "task_subprocess": {"cgroups": {"root": ")" + fake_root +
                    R"(", "slice": "s", "subsystems": ["memory"]}})"));
  REQUIRE(eventually([&] { return s.ended("j"); }, 15000));
  CHECK_THAT(s.ended_line("j"),
             Catch::Contains("error_backoff: worker ") &&
                 Catch::Contains(
                     "refuses the run: task_subprocess.cgroups: " + fake_root +
                     "/memory is not a mounted cgroup file "
                     "system"));
  CHECK(read_runs(s.records).empty());  // it never ran
}
