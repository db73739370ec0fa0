// Helpers for end-to-end tests that drive the real binaries: a temporary
// directory, a task script that records every start and end, a child
// process with a bounded wait, and the records read back.
// Single-threaded test code.
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

extern char** environ;

namespace bistro::testing {

inline std::int64_t steady_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

/// Wall-clock ms, comparable with the times task scripts record.
inline std::int64_t wall_ms_now() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

struct temp_dir {
  std::filesystem::path path;
  temp_dir() {
    char tmpl[] = "/tmp/bistro_e2e_XXXXXX";
    path = ::mkdtemp(tmpl);
  }
  ~temp_dir() { std::filesystem::remove_all(path); }
  std::string file(const std::string& name) const {
    return (path / name).string();
  }
  std::string write(const std::string& name, const std::string& text) const {
    auto p = file(name) + ".tmp";
    std::ofstream(p) << text;
    std::filesystem::rename(p, file(name));  // atomic, as editors do
    return file(name);
  }
  std::string script(const std::string& name, const std::string& body) const {
    auto p = write(name, "#!/bin/sh\n" + body + "\n");
    std::filesystem::permissions(p, std::filesystem::perms::owner_all);
    return p;
  }
};

/// A child process with its output in a file; killed if still running
/// when destroyed.
class child_process {
 public:
  child_process(std::vector<std::string> argv, const std::string& log_path)
      : log_path_(log_path) {
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, log_path.c_str(),
                                     O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_adddup2(&actions, 1, 2);
    std::vector<char*> args;
    for (auto& a : argv) args.push_back(a.data());
    args.push_back(nullptr);
    int rc =
        ::posix_spawn(&pid_, args[0], &actions, nullptr, args.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    REQUIRE(rc == 0);
  }
  child_process(const child_process&) = delete;
  child_process& operator=(const child_process&) = delete;
  child_process(child_process&& other) noexcept
      : pid_(std::exchange(other.pid_, -1)),
        exit_code_(other.exit_code_),
        log_path_(std::move(other.log_path_)) {}
  ~child_process() {
    if (pid_ > 0 && !exit_code_) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
  }
  void kill(int sig) { ::kill(pid_, sig); }

  /// SIGSTOP, then waits until every thread has stopped (the kernel stops
  /// a process's threads one by one, so until then it may still answer).
  bool stop(std::int64_t timeout_ms = 10000) {
    ::kill(pid_, SIGSTOP);
    auto deadline = steady_ms() + timeout_ms;
    while (steady_ms() < deadline) {
      int status = 0;
      if (::waitpid(pid_, &status, WUNTRACED | WNOHANG) == pid_) {
        if (WIFSTOPPED(status)) return true;
        exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
        return false;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    return false;
  }

  /// Waits up to `timeout_ms` for the exit; nullopt if still running.
  std::optional<int> wait(std::int64_t timeout_ms) {
    auto deadline = steady_ms() + timeout_ms;
    while (!exit_code_ && steady_ms() < deadline) {
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_)
        exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
      else
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return exit_code_;
  }
  std::string log() const {
    std::ifstream in(log_path_);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }

 private:
  pid_t pid_ = -1;
  std::optional<int> exit_code_;
  std::string log_path_;
};

/// Polls `pred` every 10 ms until it holds; false after `timeout_ms`.
template <class Pred>
bool eventually(Pred pred, std::int64_t timeout_ms) {
  auto deadline = steady_ms() + timeout_ms;
  while (!pred()) {
    if (steady_ms() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return true;
}

/// One line a recording task wrote: "start|end JOB NODE MS [extra]".
struct task_record {
  std::string event, job, node;
  std::int64_t ms = 0;
  std::string extra;
};

inline std::vector<task_record> read_records(const std::string& path) {
  std::vector<task_record> out;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);) {
    std::istringstream words(line);
    task_record r;
    words >> r.event >> r.job >> r.node >> r.ms;
    std::getline(words, r.extra);
    if (!r.extra.empty() && r.extra[0] == ' ') r.extra.erase(0, 1);
    out.push_back(r);
  }
  return out;
}

/// Shell that a recording task script starts with: defines JOB, NODE and
/// `record EVENT [EXTRA]`, appending to `records_path`.
inline std::string record_prelude(const std::string& records_path) {
  return "NODE=\"$1\"\n"
         "JOB=$(printf '%s' \"$3\" | sed -n "
         "'s/.*\"id\":\"\\([^\"]*\\)\".*/\\1/p')\n"
         "record() { echo \"$1 $JOB $NODE $(($(date +%s%N)/1000000)) $2\" >> " +
         records_path + "; }\n";
}

}  // namespace bistro::testing
