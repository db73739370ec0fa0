// task_cgroup against fake cgroup trees (plain directories: the limits and
// files written), and task_process with real cgroups on this machine: a
// kill that reaches every process of a task (v1 and v2), an OOM kill's
// status. The real ones skip, saying why, where cgroups cannot be used.
#include "actors/tasks/task_cgroup.hpp"

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "actors/tasks/task_process.hpp"
#include "tests/support/e2e_support.hpp"

using namespace bistro;
using namespace bistro::testing;
namespace fs = std::filesystem;

namespace {

std::string slurp(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void put(const fs::path& p, const std::string& text) {
  fs::create_directories(p.parent_path());
  std::ofstream(p) << text;
}

/// A real layout for this test process, in a slice of its own that is
/// removed at the end; `error` says why not when cgroups are unusable.
struct real_slice {
  std::optional<cgroup_layout> layout;
  std::string error;
  real_slice(const std::string& root, std::vector<std::string> subsystems) {
    cgroup_options o;
    o.root = root;
    o.slice = "bistro-test-" + std::to_string(::getpid());
    o.subsystems = std::move(subsystems);
    auto opened = open_cgroup_layout(o);
    if (auto* e = std::get_if<std::string>(&opened))
      error = *e;
    else
      layout = std::get<cgroup_layout>(opened);
  }
  ~real_slice() {
    if (layout)
      for (const auto& dir : layout->slice_dirs) ::rmdir(dir.c_str());
  }
};

std::shared_ptr<const cgroup_layout> shared(const cgroup_layout& l) {
  return std::make_shared<const cgroup_layout>(l);
}

task_launch launch_of(const std::string& program, const temp_dir& dir) {
  task_launch l;
  l.command = {program};
  l.node = "node";
  l.json_arg = "{}";
  l.cwd = (dir.path / "jobs" / "job").string();
  return l;
}

/// Alive and not a zombie: a killed grandchild may wait for a reaper.
bool alive(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string text;
  if (!std::getline(in, text)) return false;
  auto paren = text.rfind(')');
  return paren != std::string::npos && paren + 2 < text.size() &&
         text[paren + 2] != 'Z' && text[paren + 2] != 'X';
}

pid_t wait_for_pid(const std::string& file) {
  pid_t pid = 0;
  auto deadline = steady_ms() + 5000;
  while (!(std::ifstream(file) >> pid)) {
    REQUIRE(steady_ms() < deadline);
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return pid;
}

/// Starts a task whose child leaves the process group (setsid), ignores
/// TERM and keeps the status pipe; kills it with term_wait_kill (300 ms)
/// once the child runs, and returns how long the kill took, the child's
/// pid and the finished task.
struct killed_task {
  std::int64_t kill_ms = 0;
  pid_t child = 0;
  parsed_status status;
  std::vector<std::string> notices;
};

killed_task kill_setsid_task(task_launch l, const temp_dir& dir,
                             std::int64_t bound_ms) {
  auto pid_file = dir.file("child.pid");
  l.command = {
      dir.script("t.sh", "setsid sh -c 'trap \"\" TERM; echo $$ > " + pid_file +
                             "; while :; do sleep 1; done' &\n"
                             "trap '' TERM\nwhile :; do sleep 1; done")};
  l.options.process_group_leader = true;
  auto started = task_process::start(l);
  if (auto* err = std::get_if<std::string>(&started)) FAIL(*err);
  auto& p = *std::get<std::unique_ptr<task_process>>(started);
  killed_task out;
  out.child = wait_for_pid(pid_file);
  REQUIRE(alive(out.child));
  std::vector<task_output_line> lines;
  auto begin = steady_ms();
  p.kill({kill_method::term_wait_kill, 300}, begin);
  while (!p.poll(steady_ms(), lines)) {
    for (auto& n : p.take_notices()) out.notices.push_back(n);
    if (steady_ms() - begin > bound_ms) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  out.kill_ms = steady_ms() - begin;
  for (auto& n : p.take_notices()) out.notices.push_back(n);
  out.status = p.status();
  return out;
}

}  // namespace

TEST_CASE("v2 limits are written to a fake cgroup2 tree and read back") {
  temp_dir dir;
  auto root = dir.path / "cg";
  put(root / "cgroup.controllers", "cpuset cpu io memory pids\n");
  put(root / "cgroup.subtree_control", "cpu memory pids\n");
  put(root / "bistro" / "cgroup.controllers", "cpu memory pids\n");
  put(root / "bistro" / "cgroup.subtree_control", "cpu memory pids\n");
  cgroup_options o;
  o.root = root.string();
  o.slice = "bistro";
  o.subsystems = {"memory", "cpu", "pids", "freezer"};
  o.pids_max = 50;
  auto opened = open_cgroup_layout(o, cgroup_fs::fake);
  if (auto* e = std::get_if<std::string>(&opened)) FAIL(*e);
  auto layout = std::get<cgroup_layout>(opened);
  CHECK(layout.unified);
  REQUIRE(layout.slice_dirs ==
          std::vector<std::string>{(root / "bistro").string()});

  auto made = task_cgroup::create(layout, "t1", {64, 1.5});
  if (auto* e = std::get_if<std::string>(&made)) FAIL(*e);
  auto& cg = *std::get<std::unique_ptr<task_cgroup>>(made);
  auto task = root / "bistro" / "t1";
  CHECK(slurp(task / "memory.max") == std::to_string(64 << 20));
  CHECK(slurp(task / "cpu.weight") == "150");
  CHECK(slurp(task / "pids.max") == "50");
  CHECK(cg.procs_files() ==
        std::vector<std::string>{(task / "cgroup.procs").string()});
  // v2 has no per-thread join: the child joins through cgroup.procs.
  CHECK(cg.join_files() == cg.procs_files());
  CHECK(cg.empty());

  // What the kernel would report.
  put(task / "memory.events", "low 0\nhigh 0\nmax 7\noom 2\noom_kill 2\n");
  put(task / "memory.current", "1048576\n");
  put(task / "memory.peak", "2097152\n");
  put(task / "cpu.stat", "usage_usec 1500\nuser_usec 1000\n");
  CHECK(cg.oom_kills() == 2);
  auto u = cg.usage();
  CHECK(u.memory_bytes == 1048576);
  CHECK(u.memory_peak_bytes == 2097152);
  CHECK(u.cpu_time_ns == 1500000);

  // SIGKILL goes through cgroup.kill: no pid is read.
  CHECK(cg.signal_all(SIGKILL, 0) == task_cgroup::signal_result::done);
  CHECK(slurp(task / "cgroup.kill") == "1");

  CHECK(task_cgroup::create(layout, "t1", {}).index() == 1);  // exists
  CHECK(cg.remove().empty());
  CHECK_FALSE(fs::exists(task));
}

TEST_CASE("v2 refuses a controller its slice cannot have, naming the file") {
  temp_dir dir;
  auto root = dir.path / "cg";
  put(root / "cgroup.controllers", "cpu\n");
  put(root / "bistro" / "cgroup.controllers", "cpu\n");
  cgroup_options o;
  o.root = root.string();
  o.slice = "bistro";
  o.subsystems = {"memory"};
  auto opened = open_cgroup_layout(o, cgroup_fs::fake);
  REQUIRE(opened.index() == 1);
  CHECK_THAT(
      std::get<std::string>(opened),
      Catch::Contains("memory controller") &&
          Catch::Contains((root / "bistro" / "cgroup.controllers").string()));
}

TEST_CASE("v1 limits go to each subsystem's own hierarchy") {
  temp_dir dir;
  auto root = dir.path / "cg";
  for (auto s : {"memory", "cpu", "freezer"}) fs::create_directories(root / s);
  cgroup_options o;
  o.root = root.string();
  o.slice = "a/b";
  o.subsystems = {"memory", "cpu", "freezer"};
  auto opened = open_cgroup_layout(o, cgroup_fs::fake);
  if (auto* e = std::get_if<std::string>(&opened)) FAIL(*e);
  auto layout = std::get<cgroup_layout>(opened);
  CHECK_FALSE(layout.unified);
  auto made = task_cgroup::create(layout, "t", {100, 0.5});
  if (auto* e = std::get_if<std::string>(&made)) FAIL(*e);
  auto& cg = *std::get<std::unique_ptr<task_cgroup>>(made);
  CHECK(slurp(root / "memory/a/b/t/memory.limit_in_bytes") ==
        std::to_string(100 << 20));
  CHECK(slurp(root / "cpu/a/b/t/cpu.shares") == "512");
  CHECK(cg.dirs().size() == 3);
  // The child joins through v1's per-thread `tasks` files, which take no
  // threadgroup lock (the cost of the v1 cpu hierarchy).
  CHECK(cg.join_files() ==
        std::vector<std::string>{(root / "memory/a/b/t/tasks").string(),
                                 (root / "cpu/a/b/t/tasks").string(),
                                 (root / "freezer/a/b/t/tasks").string()});
  put(root / "memory/a/b/t/memory.oom_control",
      "oom_kill_disable 0\nunder_oom 0\noom_kill 1\n");
  CHECK(cg.oom_kills() == 1);
  CHECK(cg.remove().empty());
}

TEST_CASE("cgroups that are not mounted are refused with the path") {
  temp_dir dir;
  cgroup_options o;
  o.root = dir.path.string();  // a plain directory, checked for real
  o.slice = "s";
  o.subsystems = {"memory"};
  auto opened = open_cgroup_layout(o);
  REQUIRE(opened.index() == 1);
  CHECK_THAT(std::get<std::string>(opened),
             Catch::Contains((dir.path / "memory").string()));
  fs::create_directories(dir.path / "memory");
  opened = open_cgroup_layout(o);
  REQUIRE(opened.index() == 1);
  CHECK_THAT(std::get<std::string>(opened),
             Catch::Contains("is not a mounted cgroup file system"));
}

TEST_CASE("without cgroups a killed task that lingers names its holders") {
  temp_dir dir;
  // The child holds the status pipe 1.5 s after the kill, then lets go.
  auto l = launch_of("", dir);
  auto pid_file = dir.file("child.pid");
  l.command = {
      dir.script("t.sh", "setsid sh -c 'echo $$ > " + pid_file +
                             "; trap \"\" TERM; sleep 1.5' &\nexec sleep 30")};
  auto started = task_process::start(l);
  if (auto* err = std::get_if<std::string>(&started)) FAIL(*err);
  auto& p = *std::get<std::unique_ptr<task_process>>(started);
  auto child = wait_for_pid(pid_file);
  p.kill({kill_method::kill, 0}, steady_ms());
  std::vector<task_output_line> lines;
  std::vector<std::string> notices;
  auto deadline = steady_ms() + 10000;
  while (!p.poll(steady_ms(), lines)) {
    for (auto& n : p.take_notices()) notices.push_back(n);
    REQUIRE(steady_ms() < deadline);
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  REQUIRE(notices.size() >= 1);
  CHECK_THAT(notices[0], Catch::Contains(std::to_string(child) + " (sh)") &&
                             Catch::Contains("still hold its status pipe"));
}

TEST_CASE("v1: a kill ends every process of the task, setsid or not") {
  real_slice slice("/sys/fs/cgroup",
                   {"cpu", "cpuacct", "memory", "freezer", "pids"});
  if (!slice.layout) {
    WARN("skipped: cgroup v1 unusable here: " << slice.error);
    return;
  }
  temp_dir dir;
  auto l = launch_of("", dir);
  l.cgroups = shared(*slice.layout);
  l.cgroup_name = "t-v1";
  auto k = kill_setsid_task(l, dir, 300 + 1000);
  CHECK(k.kill_ms <= 300 + 1000);
  CHECK(k.status.label == status_label::incomplete_backoff);
  CHECK_FALSE(alive(k.child));
  for (const auto& d : slice.layout->slice_dirs)
    CHECK_FALSE(fs::exists(d + "/t-v1"));
}

TEST_CASE(
    "v1: joining through `tasks` puts the task's whole process, and what it "
    "starts, in every hierarchy") {
  real_slice slice("/sys/fs/cgroup",
                   {"cpu", "cpuacct", "memory", "pids", "freezer"});
  if (!slice.layout) {
    WARN("skipped: cgroup v1 unusable here: " << slice.error);
    return;
  }
  temp_dir dir;
  auto l = launch_of("", dir);
  l.cgroups = shared(*slice.layout);
  l.cgroup_name = "t-join";
  auto pid_file = dir.file("child.pid");
  l.command = {
      dir.script("t.sh", "sleep 30 &\necho $! > " + pid_file + "\nwait")};
  auto started = task_process::start(l);
  if (auto* err = std::get_if<std::string>(&started)) FAIL(*err);
  auto& p = *std::get<std::unique_ptr<task_process>>(started);
  auto child = wait_for_pid(pid_file);
  auto pids = p.cgroup()->pids();
  CHECK(std::count(pids.begin(), pids.end(), p.pid()) == 1);
  CHECK(std::count(pids.begin(), pids.end(), child) == 1);
  for (const auto& f : p.cgroup()->procs_files()) {
    auto text = slurp(f);
    CHECK(text.find(std::to_string(p.pid())) != std::string::npos);
    CHECK(text.find(std::to_string(child)) != std::string::npos);
  }
  std::vector<task_output_line> lines;
  p.kill({kill_method::kill, 0}, steady_ms());
  auto deadline = steady_ms() + 5000;
  while (!p.poll(steady_ms(), lines) && steady_ms() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  CHECK_FALSE(alive(child));
}

TEST_CASE("v2: a kill ends every process of the task, setsid or not") {
  // This machine's v2 hierarchy has no controllers: the core files
  // (cgroup.kill, cgroup.freeze, cgroup.procs) are all a kill needs.
  real_slice slice("/sys/fs/cgroup/unified", {"freezer"});
  if (!slice.layout) {
    WARN("skipped: cgroup v2 unusable here: " << slice.error);
    return;
  }
  REQUIRE(slice.layout->unified);
  temp_dir dir;
  auto l = launch_of("", dir);
  l.cgroups = shared(*slice.layout);
  l.cgroup_name = "t-v2";
  auto k = kill_setsid_task(l, dir, 300 + 1000);
  CHECK(k.kill_ms <= 300 + 1000);
  CHECK_FALSE(alive(k.child));
  CHECK_FALSE(fs::exists(slice.layout->slice_dirs[0] + "/t-v2"));
}

TEST_CASE("with cgroups what an exited task leaves behind is killed") {
  real_slice slice("/sys/fs/cgroup", {"freezer"});
  if (!slice.layout) {
    WARN("skipped: cgroup v1 freezer unusable here: " << slice.error);
    return;
  }
  temp_dir dir;
  auto pid_file = dir.file("daemon.pid");
  auto l = launch_of(
      dir.script("t.sh", "setsid sh -c 'echo $$ > " + pid_file +
                             "; exec sleep 1000' 3>&- >/dev/null 2>&1 &\n"
                             "while [ ! -s " +
                             pid_file +
                             " ]; do sleep 0.01; done\n"
                             "echo done > \"$2\""),
      dir);
  l.cgroups = shared(*slice.layout);
  l.cgroup_name = "t-daemon";
  auto started = task_process::start(l);
  if (auto* err = std::get_if<std::string>(&started)) FAIL(*err);
  auto& p = *std::get<std::unique_ptr<task_process>>(started);
  std::vector<task_output_line> lines;
  auto deadline = steady_ms() + 5000;
  while (!p.poll(steady_ms(), lines)) {
    REQUIRE(steady_ms() < deadline);
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  CHECK(p.status().label == status_label::done);
  auto daemon = wait_for_pid(pid_file);
  CHECK_FALSE(alive(daemon));
}

TEST_CASE("v1: a task past its memory limit ends out of memory") {
  real_slice slice("/sys/fs/cgroup", {"memory", "freezer"});
  if (!slice.layout) {
    WARN("skipped: cgroup v1 memory unusable here: " << slice.error);
    return;
  }
  temp_dir dir;
  // The shell keeps a command substitution's output in its own memory.
  auto l =
      launch_of(dir.script("t.sh",
                           "x=$(head -c 200000000 /dev/zero | tr '\\0' a)\n"
                           "echo done > \"$2\""),
                dir);
  l.cgroups = shared(*slice.layout);
  l.cgroup_name = "t-oom";
  l.cgroup_limits.memory_limit_mb = 32;
  auto started = task_process::start(l);
  if (auto* err = std::get_if<std::string>(&started)) FAIL(*err);
  auto& p = *std::get<std::unique_ptr<task_process>>(started);
  std::vector<task_output_line> lines;
  auto deadline = steady_ms() + 20000;
  while (!p.poll(steady_ms(), lines)) {
    REQUIRE(steady_ms() < deadline);
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  CHECK(p.exit_code() == -SIGKILL);
  CHECK(p.status().label == status_label::error_backoff);
  CHECK(p.status().message == "out of memory: limit 32 MB");
}

TEST_CASE("leftover task cgroups are killed and removed by prefix") {
  real_slice slice("/sys/fs/cgroup", {"freezer", "pids"});
  if (!slice.layout) {
    WARN("skipped: cgroup v1 unusable here: " << slice.error);
    return;
  }
  auto made = task_cgroup::create(*slice.layout, "old-1", {});
  if (auto* e = std::get_if<std::string>(&made)) FAIL(*e);
  auto other = task_cgroup::create(*slice.layout, "keep-1", {});
  REQUIRE(other.index() == 0);
  // A process in the leftover cgroup, as a dead worker's task leaves it.
  pid_t pid = ::fork();
  if (pid == 0) {
    for (const auto& f : std::get<0>(made)->procs_files())
      std::ofstream(f) << "0";
    ::execlp("sleep", "sleep", "1000", nullptr);
    ::_exit(127);
  }
  auto deadline = steady_ms() + 5000;
  while (std::get<0>(made)->empty()) {
    REQUIRE(steady_ms() < deadline);
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  auto cleaned = clean_leftover_cgroups(*slice.layout, "old-", 5000);
  CHECK(cleaned.errors.empty());
  CHECK(cleaned.removed.size() == 2);  // freezer and pids
  int status = 0;
  REQUIRE(::waitpid(pid, &status, 0) == pid);
  CHECK(WIFSIGNALED(status));
  for (const auto& d : slice.layout->slice_dirs) {
    CHECK_FALSE(fs::exists(d + "/old-1"));
    CHECK(fs::exists(d + "/keep-1"));
  }
  CHECK(std::get<0>(other)->remove().empty());
}
