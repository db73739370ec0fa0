// fd_waker with real task processes: a task's exit wakes the owner without
// any poll, once per burst until rearmed; a status written while the
// process lives wakes nobody; with the canary, a descendant that holds the
// status pipe past the exit wakes the owner when it lets go; a pidfd
// watched once does not wake it again when the process is reaped.
#include "actors/tasks/fd_waker.hpp"

#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <mutex>

#include "actors/tasks/task_process.hpp"
#include "tests/support/e2e_support.hpp"

using namespace bistro;
using namespace bistro::testing;

namespace {

/// Counts wake-ups; `wait_for_more` blocks until the count passes `seen`.
struct wake_counter {
  std::mutex mutex;
  std::condition_variable changed;
  int count = 0;
  void wake() {
    std::lock_guard<std::mutex> lock{mutex};
    ++count;
    changed.notify_all();
  }
  bool wait_for_more(int seen, std::chrono::milliseconds bound) {
    std::unique_lock<std::mutex> lock{mutex};
    return changed.wait_for(lock, bound, [&] { return count > seen; });
  }
  int now() {
    std::lock_guard<std::mutex> lock{mutex};
    return count;
  }
};

std::unique_ptr<task_process> start(const temp_dir& dir,
                                    const std::string& body) {
  task_launch launch;
  launch.command = {dir.script("task.sh", body)};
  launch.node = "n1";
  launch.json_arg = "{}";
  launch.cwd = dir.path.string();
  auto started = task_process::start(launch);
  REQUIRE(std::holds_alternative<std::unique_ptr<task_process>>(started));
  return std::move(std::get<std::unique_ptr<task_process>>(started));
}

}  // namespace

TEST_CASE("a task's end wakes the owner, who then finds it finished") {
  temp_dir dir;
  wake_counter wakes;
  fd_waker waker{[&] { wakes.wake(); }};
  REQUIRE(waker.error().empty());
  // The task waits for its go file, so nothing can happen before the watch.
  auto go = (dir.path / "go").string();
  auto task = start(dir, "while [ ! -e " + go +
                             " ]; do sleep 0.01; done; echo done > \"$2\"");
  auto wake = task->wake_fd();
  REQUIRE(wake.fd >= 0);
  CHECK(wake.once);  // the pidfd
  REQUIRE(waker.watch(wake.fd, wake.once));
  CHECK(wakes.now() == 0);
  std::ofstream{go} << "go";
  // Every wake: note it, rearm, then look, as the worker does. An event
  // between the note and the rearm wakes nobody, but the look sees it.
  std::vector<task_output_line> lines;
  bool finished = false;
  for (int seen = 0; !finished;) {
    REQUIRE(wakes.wait_for_more(seen, std::chrono::seconds(10)));
    seen = wakes.now();
    waker.rearm();
    finished = task->poll(0, lines);
  }
  CHECK(task->status().label == status_label::done);
}

TEST_CASE("events between two rearms wake the owner once") {
  temp_dir dir;
  wake_counter wakes;
  fd_waker waker{[&] { wakes.wake(); }};
  auto go = (dir.path / "go").string();
  auto task = start(dir, "while [ ! -e " + go + " ]; do sleep 0.01; done");
  REQUIRE(waker.watch(task->wake_fd().fd, task->wake_fd().once));
  std::ofstream{go} << "go";
  REQUIRE(wakes.wait_for_more(0, std::chrono::seconds(10)));
  // The exit is reaped without a rearm: no second wake, however long the
  // status pipe's hang-up and the pidfd keep reporting.
  std::vector<task_output_line> lines;
  while (!task->poll(0, lines)) {
  }
  CHECK(!wakes.wait_for_more(1, std::chrono::milliseconds(200)));
  CHECK(wakes.now() == 1);
}

TEST_CASE("a status written while the task runs wakes nobody") {
  temp_dir dir;
  wake_counter wakes;
  fd_waker waker{[&] { wakes.wake(); }};
  auto go = (dir.path / "go").string();
  auto written = (dir.path / "written").string();
  auto task =
      start(dir, "echo done > \"$2\"; touch " + written + "; while [ ! -e " +
                     go + " ]; do sleep 0.01; done");
  REQUIRE(waker.watch(task->wake_fd().fd, task->wake_fd().once));
  auto deadline = steady_ms() + 10000;
  while (!std::filesystem::exists(written) && steady_ms() < deadline) {
  }
  REQUIRE(std::filesystem::exists(written));
  CHECK(!wakes.wait_for_more(0, std::chrono::milliseconds(200)));
  std::ofstream{go} << "go";
  REQUIRE(wakes.wait_for_more(0, std::chrono::seconds(10)));
  std::vector<task_output_line> lines;
  waker.rearm();
  CHECK(task->poll(0, lines));
  CHECK(task->status().label == status_label::done);
}

TEST_CASE(
    "with the canary, a descendant holding the status pipe wakes the "
    "owner when it lets go after the exit") {
  temp_dir dir;
  wake_counter wakes;
  fd_waker waker{[&] { wakes.wake(); }};
  auto go = (dir.path / "go").string();
  // The task exits at once; its child keeps the status pipe until the go
  // file appears, then writes the status.
  auto task = start(dir, "(while [ ! -e " + go +
                             " ]; do sleep 0.01; done; echo done > \"$2\") "
                             ">/dev/null 2>&1 & exit 0");
  REQUIRE(waker.watch(task->wake_fd().fd, task->wake_fd().once));
  REQUIRE(wakes.wait_for_more(0, std::chrono::seconds(10)));  // the exit
  std::vector<task_output_line> lines;
  waker.rearm();
  REQUIRE_FALSE(task->poll(0, lines));  // the child holds the pipe
  int late = task->take_late_wake_fd();
  REQUIRE(late >= 0);
  REQUIRE(waker.watch(late));
  CHECK(task->take_late_wake_fd() == -1);  // once
  // Counted and rearmed before the go: the status line may wake the owner
  // at once, and a wake since the last rearm (the kernel also reports the
  // reaping on the pidfd) would hold back the next one.
  int seen = wakes.now();
  waker.rearm();
  std::ofstream{go} << "go";
  for (bool finished = false; !finished;) {
    REQUIRE(wakes.wait_for_more(seen, std::chrono::seconds(10)));
    seen = wakes.now();
    waker.rearm();
    finished = task->poll(0, lines);
  }
  CHECK(task->status().label == status_label::done);
}

TEST_CASE(
    "a pidfd watched once wakes the owner for the exit, not again for "
    "the reaping") {
  wake_counter wakes;
  fd_waker waker{[&] { wakes.wake(); }};
  // A child that waits for a byte on a pipe, so it cannot exit before the
  // watch.
  int go[2];
  REQUIRE(::pipe(go) == 0);
  pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    char byte;
    [[maybe_unused]] auto n = ::read(go[0], &byte, 1);
    ::_exit(0);
  }
  ::close(go[0]);
  int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, child, 0));
  REQUIRE(pidfd >= 0);
  REQUIRE(waker.watch(pidfd, true));
  REQUIRE(::write(go[1], "x", 1) == 1);
  REQUIRE(wakes.wait_for_more(0, std::chrono::seconds(10)));
  waker.rearm();
  // Linux 6.9 and later report the reaping on the pidfd as well: without
  // `once` that would wake the owner a second time.
  REQUIRE(::waitpid(child, nullptr, 0) == child);
  CHECK(!wakes.wait_for_more(1, std::chrono::milliseconds(200)));
  ::close(pidfd);
  ::close(go[1]);
}
