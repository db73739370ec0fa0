// The machine's ceiling for running minimal tasks: posix_spawn a command
// N times, P at a time, reaping with waitpid, and nothing else. Each task
// gets the argv shape a Bistro task gets (node, status file, JSON), so the
// command can be benchmarks/configs/done_task.sh. Prints one JSON line.
//
// Usage: spawn_loop TASKS CONCURRENCY STATUS_DIR COMMAND
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "benchmarks/bench_common.hpp"

extern char** environ;

int main(int argc, char** argv) {
  bistro::bench::require_release_build(argv[0]);
  if (argc != 5) {
    std::fprintf(stderr,
                 "usage: spawn_loop TASKS CONCURRENCY STATUS_DIR COMMAND\n");
    return 2;
  }
  const long tasks = std::atol(argv[1]);
  const long concurrency = std::atol(argv[2]);
  const std::string status_dir = argv[3];
  std::string command = argv[4];
  if (tasks <= 0 || concurrency <= 0) {
    std::fprintf(stderr, "spawn_loop: TASKS and CONCURRENCY must be > 0\n");
    return 2;
  }
  const std::string json =
      R"({"id":"touch","config":{},"prev_status":{},"worker_node":"vm"})";
  long started = 0, running = 0, failed = 0;
  bistro::bench::stopwatch watch;
  while (started < tasks || running > 0) {
    while (started < tasks && running < concurrency) {
      std::string node = "node";
      node += std::to_string(started);
      std::string status = status_dir;
      status += '/';
      status += node;
      std::string arg_json = json;
      char* args[] = {command.data(), node.data(), status.data(),
                      arg_json.data(), nullptr};
      pid_t pid = 0;
      if (posix_spawn(&pid, command.c_str(), nullptr, nullptr, args,
                      environ) != 0) {
        std::perror("spawn_loop: posix_spawn");
        return 1;
      }
      ++started;
      ++running;
    }
    int wstatus = 0;
    if (::waitpid(-1, &wstatus, 0) > 0) {
      --running;
      if (!WIFEXITED(wstatus) || WEXITSTATUS(wstatus) != 0) ++failed;
    }
  }
  const double seconds = watch.seconds();
  std::printf(
      "{\"bench\":\"spawn_loop\",\"tasks\":%ld,\"concurrency\":%ld,"
      "\"seconds\":%.3f,\"tasks_per_s\":%.1f,\"failed\":%ld}\n",
      tasks, concurrency, seconds, static_cast<double>(tasks) / seconds,
      failed);
  return failed == 0 ? 0 : 1;
}
