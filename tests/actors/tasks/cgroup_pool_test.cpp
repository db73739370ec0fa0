// cgroup_pool with task_cgroup against fake v1 trees (plain directories):
// what goes back to the pool and under which name, what is rewritten and
// what is counted from the take, what is removed instead of reused; and
// with real v1 cgroups on this machine through task_process: a task takes
// the `cpu` cgroup its predecessor gave back, and its CPU time is its own.
// The real ones skip, saying why, where cgroups cannot be used.
#include "actors/tasks/cgroup_pool.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
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
  std::ofstream(p) << text;
}

/// A fake v1 tree under `root` with these hierarchies, slice "s".
cgroup_layout fake_v1(const fs::path& root,
                      const std::vector<std::string>& subsystems) {
  for (const auto& s : subsystems) fs::create_directories(root / s);
  cgroup_options o;
  o.root = root.string();
  o.slice = "s";
  o.subsystems = subsystems;
  auto opened = open_cgroup_layout(o, cgroup_fs::fake);
  if (auto* e = std::get_if<std::string>(&opened)) FAIL(*e);
  return std::get<cgroup_layout>(opened);
}

std::unique_ptr<task_cgroup> make(const cgroup_layout& layout,
                                  const std::string& name,
                                  const task_cgroup_limits& limits,
                                  std::shared_ptr<cgroup_pool> pool) {
  auto made = task_cgroup::create(layout, name, limits, std::move(pool));
  if (auto* e = std::get_if<std::string>(&made)) FAIL(*e);
  return std::move(std::get<std::unique_ptr<task_cgroup>>(made));
}

ino_t inode_of(const std::string& path) {
  struct stat st;
  REQUIRE(::stat(path.c_str(), &st) == 0);
  return st.st_ino;
}

/// A real v1 slice of this test process, removed at the end (the pool's
/// idle cgroups first, by destroying the pool).
struct real_v1_slice {
  std::optional<cgroup_layout> layout;
  std::string error;
  std::shared_ptr<cgroup_pool> pool;
  explicit real_v1_slice(std::vector<std::string> subsystems) {
    cgroup_options o;
    o.root = "/sys/fs/cgroup";
    o.slice = "bistro-pool-test-" + std::to_string(::getpid());
    o.subsystems = std::move(subsystems);
    auto opened = open_cgroup_layout(o);
    if (auto* e = std::get_if<std::string>(&opened)) {
      error = *e;
      return;
    }
    layout = std::get<cgroup_layout>(opened);
    pool = std::make_shared<cgroup_pool>(*layout, "idle.", 4);
  }
  ~real_v1_slice() {
    pool.reset();
    if (layout)
      for (const auto& dir : layout->slice_dirs) ::rmdir(dir.c_str());
  }
};

/// Runs `script` to its end in cgroups `name` taken from `slice`'s pool;
/// returns the finished process (its usage is the final one). `during`
/// runs once the task has started.
std::unique_ptr<task_process> run_task(
    const real_v1_slice& slice, const temp_dir& dir, const std::string& name,
    const std::string& script,
    const std::function<void(const task_process&)>& during = {}) {
  task_launch l;
  l.command = {dir.script(name + ".sh", script)};
  l.node = "node";
  l.json_arg = "{}";
  l.cwd = (dir.path / "jobs" / "job").string();
  l.cgroups = std::make_shared<const cgroup_layout>(*slice.layout);
  l.cgroup_name = name;
  l.pooled_cgroups = slice.pool;
  auto started = task_process::start(l);
  if (auto* err = std::get_if<std::string>(&started)) FAIL(*err);
  auto p = std::move(std::get<std::unique_ptr<task_process>>(started));
  if (during) during(*p);
  std::vector<task_output_line> lines;
  auto deadline = steady_ms() + 20000;
  while (!p->poll(steady_ms(), lines)) {
    REQUIRE(steady_ms() < deadline);
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return p;
}

}  // namespace

TEST_CASE(
    "v1: a task's cpu and cpuacct cgroups go back to the pool under an idle "
    "name, and the next task takes them under its own") {
  temp_dir dir;
  auto root = dir.path / "cg";
  auto layout = fake_v1(root, {"cpu", "cpuacct", "memory"});
  auto pool = std::make_shared<cgroup_pool>(layout, "bistro-x-idle0.", 8);
  CHECK_FALSE(pool->pools(2));  // memory stays one cgroup per task

  auto first = make(layout, "bistro-x-1.1", {64, 3}, pool);
  CHECK_FALSE(first->from_pool());  // an empty pool: made new
  CHECK(slurp(root / "cpu/s/bistro-x-1.1/cpu.shares") == "3072");
  put(root / "cpuacct/s/bistro-x-1.1/cpuacct.usage", "5000000\n");
  const auto cpu_inode = inode_of((root / "cpu/s/bistro-x-1.1").string());
  CHECK(first->remove().empty());
  CHECK(pool->idle() == 1);
  // Back under an idle name; no directory keeps the task's name.
  CHECK(fs::is_directory(root / "cpu/s/bistro-x-idle0.0"));
  CHECK(fs::is_directory(root / "cpuacct/s/bistro-x-idle0.0"));
  for (auto s : {"cpu", "cpuacct", "memory"})
    CHECK_FALSE(fs::exists(root / s / "s/bistro-x-1.1"));

  // The next task asks for no CPU: the shares go back to the kernel's
  // default, not the last task's 3072.
  auto second = make(layout, "bistro-x-2.2", {0, 0}, pool);
  CHECK(second->from_pool());
  CHECK(pool->idle() == 0);
  CHECK_FALSE(fs::exists(root / "cpu/s/bistro-x-idle0.0"));
  CHECK(inode_of((root / "cpu/s/bistro-x-2.2").string()) == cpu_inode);
  CHECK(slurp(root / "cpu/s/bistro-x-2.2/cpu.shares") == "1024");
  CHECK(second->join_files() ==
        std::vector<std::string>{
            (root / "cpu/s/bistro-x-2.2/tasks").string(),
            (root / "cpuacct/s/bistro-x-2.2/tasks").string(),
            (root / "memory/s/bistro-x-2.2/tasks").string()});
  CHECK(second->remove().empty());
  CHECK(pool->idle() == 1);
}

TEST_CASE(
    "v1: a pooled cgroup's CPU time counts from the take, not from its first "
    "task") {
  temp_dir dir;
  auto root = dir.path / "cg";
  auto layout = fake_v1(root, {"cpuacct", "memory"});
  auto pool = std::make_shared<cgroup_pool>(layout, "idle.", 8);
  auto first = make(layout, "t1", {}, pool);
  put(root / "cpuacct/s/t1/cpuacct.usage", "5000000\n");
  CHECK(first->usage().cpu_time_ns == 5000000);
  REQUIRE(first->remove().empty());
  auto second = make(layout, "t2", {}, pool);
  REQUIRE(second->from_pool());
  CHECK(second->usage().cpu_time_ns == 0);
  put(root / "cpuacct/s/t2/cpuacct.usage", "7000000\n");
  CHECK(second->usage().cpu_time_ns == 2000000);
  // Memory is the task's own cgroup's: nothing of t1's is in it.
  put(root / "memory/s/t2/memory.usage_in_bytes", "4096\n");
  CHECK(second->usage().memory_bytes == 4096);
  CHECK(second->remove().empty());
}

TEST_CASE("v1: a pooled cgroup that lists a thread is removed, not reused") {
  temp_dir dir;
  auto root = dir.path / "cg";
  auto layout = fake_v1(root, {"cpu", "cpuacct"});
  auto pool = std::make_shared<cgroup_pool>(layout, "idle.", 8);
  auto cg = make(layout, "t1", {}, pool);
  put(root / "cpuacct/s/t1/tasks", "4242\n");
  CHECK(cg->remove().empty());  // a fake tree removes whatever it holds
  CHECK(pool->idle() == 0);
  for (auto s : {"cpu", "cpuacct"}) {
    CHECK_FALSE(fs::exists(root / s / "s/t1"));
    CHECK_FALSE(fs::exists(root / s / "s/idle.0"));
  }
  // A cgroup whose `tasks` cannot be read is not verified empty either.
  auto other = make(layout, "t2", {}, pool);
  fs::remove(root / "cpu/s/t2/tasks");
  CHECK(other->remove().empty());
  CHECK(pool->idle() == 0);
}

TEST_CASE(
    "v1: a pooled cgroup that holds a cgroup of its own is removed, not "
    "reused") {
  // A task can make a child cgroup and move a process into it; the
  // parent's `tasks` then lists nothing, but the process lives on inside.
  temp_dir dir;
  auto root = dir.path / "cg";
  auto layout = fake_v1(root, {"cpu", "cpuacct"});
  auto pool = std::make_shared<cgroup_pool>(layout, "idle.", 8);
  auto cg = make(layout, "t1", {}, pool);
  fs::create_directories(root / "cpu/s/t1/escaped");
  put(root / "cpu/s/t1/escaped/tasks", "4242\n");
  CHECK(cg->remove().empty());  // a fake tree removes whatever it holds
  CHECK(pool->idle() == 0);
  for (auto s : {"cpu", "cpuacct"}) {
    CHECK_FALSE(fs::exists(root / s / "s/t1"));
    CHECK_FALSE(fs::exists(root / s / "s/idle.0"));
  }
}

TEST_CASE(
    "the pool keeps at most its bound of idle cgroups and removes them when "
    "it goes") {
  temp_dir dir;
  auto root = dir.path / "cg";
  auto layout = fake_v1(root, {"cpu"});
  auto pool = std::make_shared<cgroup_pool>(layout, "idle.", 2);
  std::vector<std::unique_ptr<task_cgroup>> running;
  for (int i = 0; i < 3; ++i)
    running.push_back(make(layout, "t" + std::to_string(i), {}, pool));
  for (auto& cg : running) CHECK(cg->remove().empty());
  CHECK(pool->idle() == 2);
  std::size_t dirs = 0;
  for (const auto& e : fs::directory_iterator(root / "cpu/s")) {
    CHECK(e.path().filename().string().rfind("idle.", 0) == 0);
    ++dirs;
  }
  CHECK(dirs == 2);
  running.clear();
  pool.reset();
  CHECK(fs::is_empty(root / "cpu/s"));
}

TEST_CASE(
    "a cgroup made new while another holds the task's name is not given to "
    "the pool") {
  temp_dir dir;
  auto root = dir.path / "cg";
  auto layout = fake_v1(root, {"memory", "cpu"});
  auto pool = std::make_shared<cgroup_pool>(layout, "idle.", 8);
  // Someone else's cgroup of that name in the cpu hierarchy.
  fs::create_directories(root / "cpu/s/t1");
  auto made = task_cgroup::create(layout, "t1", {}, pool);
  REQUIRE(made.index() == 1);
  CHECK_THAT(std::get<std::string>(made), Catch::Contains("already exists"));
  CHECK(fs::exists(root / "cpu/s/t1"));  // left alone
  CHECK_FALSE(fs::exists(root / "memory/s/t1"));
  CHECK(pool->idle() == 0);
}

TEST_CASE("v2 and v1 without cpu and cpuacct are not pooled") {
  temp_dir dir;
  CHECK_FALSE(cgroup_pool::worth_pooling(
      fake_v1(dir.path / "a", {"memory", "freezer", "pids"})));
  CHECK(cgroup_pool::worth_pooling(fake_v1(dir.path / "b", {"cpuacct"})));
  auto root = dir.path / "v2";
  fs::create_directories(root);
  std::ofstream(root / "cgroup.controllers") << "cpu\n";
  std::ofstream(root / "cgroup.subtree_control") << "cpu\n";
  fs::create_directories(root / "s");
  std::ofstream(root / "s" / "cgroup.controllers") << "cpu\n";
  cgroup_options o;
  o.root = root.string();
  o.slice = "s";
  o.subsystems = {"cpu"};
  auto opened = open_cgroup_layout(o, cgroup_fs::fake);
  if (auto* e = std::get_if<std::string>(&opened)) FAIL(*e);
  CHECK_FALSE(cgroup_pool::worth_pooling(std::get<cgroup_layout>(opened)));
}

TEST_CASE(
    "v1: a task takes the cpu cgroup its predecessor gave back, and its CPU "
    "time is its own") {
  real_v1_slice slice({"cpu", "cpuacct", "memory", "freezer", "pids"});
  if (!slice.layout) {
    WARN("skipped: cgroup v1 unusable here: " << slice.error);
    return;
  }
  temp_dir dir;
  const auto cpu_slice = slice.layout->slice_dirs[0];
  ino_t burn_inode = 0;
  auto burn = run_task(
      slice, dir, "burn",
      "i=0; while [ $i -lt 300000 ]; do i=$((i+1)); done\n"
      "echo done > \"$2\"",
      [&](const task_process&) { burn_inode = inode_of(cpu_slice + "/burn"); });
  CHECK(burn->status().label == status_label::done);
  CHECK_FALSE(burn->cgroup()->from_pool());
  const auto burned = burn->usage().cpu_time_ns;
  INFO("the first task used " << burned / 1000000 << " ms of CPU");
  CHECK(burned > 100'000'000);
  CHECK(slice.pool->idle() == 1);
  CHECK_FALSE(fs::exists(cpu_slice + "/burn"));
  for (const auto& d : slice.layout->slice_dirs)
    if (d != cpu_slice && d != slice.layout->slice_dirs[1])
      CHECK_FALSE(fs::exists(d + "/burn"));  // memory, freezer, pids: gone

  ino_t quick_inode = 0;
  std::int64_t quick_running = -1;
  auto quick =
      run_task(slice, dir, "quick", "read x < /dev/null; echo done > \"$2\"",
               [&](const task_process& p) {
                 quick_inode = inode_of(cpu_slice + "/quick");
                 quick_running = p.usage().cpu_time_ns;
               });
  CHECK(quick->status().label == status_label::done);
  CHECK(quick->cgroup()->from_pool());
  CHECK(quick_inode == burn_inode);
  // Per run, while it runs and at its end: not the first task's 100+ ms.
  CHECK(quick_running >= 0);
  CHECK(quick_running < 50'000'000);
  CHECK(quick->usage().cpu_time_ns >= 0);
  CHECK(quick->usage().cpu_time_ns < 50'000'000);
  CHECK(slice.pool->idle() == 1);
}
