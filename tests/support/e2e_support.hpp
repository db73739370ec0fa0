// Helpers for end-to-end tests that drive the real binaries: a temporary
// directory, a task script that records every start and end, a child
// process with a bounded wait, a free port, and the records read back.
// Single-threaded test code.
#pragma once

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
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
  /// BISTRO_KEEP_TEST_DIRS=1 keeps the directory (logs, stores) for a
  /// post-mortem and prints where it is.
  ~temp_dir() {
    if (const char* keep = std::getenv("BISTRO_KEEP_TEST_DIRS");
        keep && *keep && *keep != '0') {
      std::fprintf(stderr, "kept test dir %s\n", path.c_str());
      return;
    }
    std::filesystem::remove_all(path);
  }
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

/// A port nobody listens on right now, on any address (IPv6 and IPv4 when
/// the kernel has IPv6, else IPv4): bound, then released.
inline std::uint16_t free_port() {
  int fd = ::socket(AF_INET6, SOCK_STREAM, 0);
  if (fd >= 0) {
    sockaddr_in6 addr{};
    addr.sin6_family = AF_INET6;
    addr.sin6_addr = in6addr_any;
    REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0);
    socklen_t len = sizeof(addr);
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
    ::close(fd);
    return ntohs(addr.sin6_port);
  }
  fd = ::socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_ANY);
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0);
  socklen_t len = sizeof(addr);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

struct child_options {
  /// The child leads a process group of its own, so that it and its
  /// children (a worker and its tasks) are frozen or killed together; the
  /// group is killed with it when the object goes.
  bool own_process_group = false;
  /// Append to the log instead of truncating it (a restarted process).
  bool append_log = false;
};

/// A child process with its output in a file; killed if still running
/// when destroyed.
class child_process {
 public:
  child_process(std::vector<std::string> argv, const std::string& log_path,
                child_options options = {})
      : log_path_(log_path), own_group_(options.own_process_group) {
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(
        &actions, 1, log_path.c_str(),
        O_WRONLY | O_CREAT | (options.append_log ? O_APPEND : O_TRUNC), 0644);
    posix_spawn_file_actions_adddup2(&actions, 1, 2);
    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    if (own_group_) {
      posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
      posix_spawnattr_setpgroup(&attr, 0);
    }
    std::vector<char*> args;
    for (auto& a : argv) args.push_back(a.data());
    args.push_back(nullptr);
    int rc =
        ::posix_spawn(&pid_, args[0], &actions, &attr, args.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attr);
    REQUIRE(rc == 0);
  }
  child_process(const child_process&) = delete;
  child_process& operator=(const child_process&) = delete;
  child_process(child_process&& other) noexcept
      : pid_(std::exchange(other.pid_, -1)),
        exit_code_(other.exit_code_),
        log_path_(std::move(other.log_path_)),
        own_group_(other.own_group_) {}
  ~child_process() {
    if (pid_ > 0 && !exit_code_) {
      if (own_group_) ::kill(-pid_, SIGKILL);
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
  }
  pid_t pid() const { return pid_; }
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

  /// Waits up to `timeout_ms` for the exit (0: just looks); nullopt if
  /// still running. The exit code, or minus the signal that killed it.
  std::optional<int> wait(std::int64_t timeout_ms) {
    auto deadline = steady_ms() + timeout_ms;
    while (!exit_code_) {
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        exit_code_ =
            WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
        break;
      }
      if (steady_ms() >= deadline) break;
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
  bool log_has(const std::string& text) const {
    return log().find(text) != std::string::npos;
  }
  /// The last `n` bytes of the log, for failure messages.
  std::string log_tail(std::size_t n = 3000) const {
    auto l = log();
    return l.size() > n ? l.substr(l.size() - n) : l;
  }

 private:
  pid_t pid_ = -1;
  std::optional<int> exit_code_;
  std::string log_path_;
  bool own_group_ = false;
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
