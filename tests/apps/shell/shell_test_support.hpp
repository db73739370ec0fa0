// What bistro_shell's end-to-end tests share: a scheduler with a remote
// worker running a small job set, bistro_shell run once (-c) with its
// stdout and stderr apart, a pseudo-terminal that drives the interactive
// prompt, and fake servers that are not schedulers.
// Single-threaded test code, except fake_server's own accept thread.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pty.h>
#include <sys/socket.h>

#include <atomic>
#include <boost/json.hpp>
#include <thread>

#include "tests/support/e2e_support.hpp"

namespace bistro::testing {

inline const std::string scheduler_bin = BISTRO_SCHEDULER_BIN;
inline const std::string worker_bin = BISTRO_WORKER_BIN;
inline const std::string shell_bin = BISTRO_SHELL_BIN;

inline std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

/// A scheduler (--server_port) and one remote worker "w1". Jobs `alpha`
/// and `beta` on nodes node11..node13: node11's task is done, node12's
/// fails, node13's runs for a minute printing "tick N" every second;
/// every task writes a line to stdout and one to stderr first.
struct shell_cluster {
  temp_dir dir;
  int port = free_port();
  std::string config = dir.write("config", R"({"bistro_settings": {
      "nodes": {"levels": ["level1", "level2"], "node_sources": [
        {"source": "range_label", "prefs": {"parent_level": "instance",
         "start": 1, "end": 1, "format": "node1"}},
        {"source": "range_label", "prefs": {"parent_level": "level1",
         "start": 1, "end": 3, "format": "{parent}{i}"}}]},
      "enabled": true, "idle_wait": 0.2, "working_wait": 0.05},
    "bistro_job->alpha": {"owner": "test", "priority": 2},
    "bistro_job->beta": {"owner": "test"}})");
  std::string task = dir.script("task.sh", R"(NODE="$1"
echo "hello from $NODE"
echo "complaint from $NODE" >&2
case "$NODE" in
  node11) echo done > "$2" ;;
  node12) echo failed > "$2" ;;
  *) i=0
     while [ $i -lt 60 ]; do i=$((i+1)); echo "tick $i"; sleep 1; done
     echo done > "$2" ;;
esac)");

  std::unique_ptr<child_process> scheduler, worker;

  shell_cluster() {
    start_scheduler("sched.log");
    worker = std::make_unique<child_process>(
        std::vector<std::string>{
            worker_bin,
            "--scheduler_host=::", "--scheduler_port=" + std::to_string(port),
            "--worker_command=" + task, "--data_dir=" + dir.file("w1"),
            "--shard_id=w1", "--heartbeat_period_sec=1"},
        dir.file("worker.log"));
  }

  void start_scheduler(const std::string& log) {
    scheduler = std::make_unique<child_process>(
        std::vector<std::string>{
            scheduler_bin, "--server_port=" + std::to_string(port),
            "--http_server_port=0", "--config_file=" + config,
            "--clean_statuses", "--CAUTION_startup_wait_for_workers=1",
            "--instance_node_name=scheduler",
            "--data_dir=" + dir.file("sched_data"), "--log_level=warn"},
        dir.file(log));
  }

  std::vector<std::string> shell_args(std::vector<std::string> extra) const {
    std::vector<std::string> argv{shell_bin, "--scheduler_host=::",
                                  "--scheduler_port=" + std::to_string(port)};
    argv.insert(argv.end(), extra.begin(), extra.end());
    return argv;
  }
};

struct shell_run {
  std::optional<int> exit_code;
  std::string out, err;
  std::int64_t ms = 0;
};

/// Runs bistro_shell to its end (at most `timeout_ms`), stdin /dev/null.
inline shell_run run_shell(const std::vector<std::string>& argv,
                           const temp_dir& dir,
                           std::int64_t timeout_ms = 20000) {
  static int n = 0;
  auto out_path = dir.file("shell_out_" + std::to_string(++n));
  auto err_path = out_path + ".err";
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, out_path.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&actions, 2, err_path.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0644);
  std::vector<std::string> copy = argv;
  std::vector<char*> args;
  for (auto& a : copy) args.push_back(a.data());
  args.push_back(nullptr);
  pid_t pid = -1;
  auto start = steady_ms();
  int rc =
      ::posix_spawn(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  REQUIRE(rc == 0);
  shell_run run;
  auto deadline = start + timeout_ms;
  while (steady_ms() < deadline) {
    int status = 0;
    if (::waitpid(pid, &status, WNOHANG) == pid) {
      run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  run.ms = steady_ms() - start;
  if (!run.exit_code) {
    ::kill(pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
  }
  run.out = read_file(out_path);
  run.err = read_file(err_path);
  return run;
}

inline bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

/// Waits until both jobs have one task done, one failed and one running
/// on a healthy w1 (what `status --json` says).
inline bool cluster_settled(const shell_cluster& c) {
  return eventually(
      [&] {
        auto r = run_shell(c.shell_args({"-c", "status", "--json"}), c.dir);
        if (r.exit_code != 0) return false;
        auto v = boost::json::parse(r.out).as_object();
        const auto& counts = v["counts"].as_object();
        auto n = [&](const char* k) {
          return counts.contains(k) ? counts.at(k).to_number<int>() : 0;
        };
        const auto& workers = v["workers"].as_object();
        return n("done") == 2 && n("failed") == 2 && n("running") == 2 &&
               workers.contains("HEALTHY");
      },
      30000);
}

/// bistro_shell on a pseudo-terminal (80x24), with its own $HOME.
class pty_shell {
 public:
  pty_shell(const std::vector<std::string>& argv, const std::string& home) {
    winsize ws{};
    ws.ws_col = 100;
    ws.ws_row = 30;
    pid_ = ::forkpty(&master_, nullptr, nullptr, &ws);
    REQUIRE(pid_ >= 0);
    if (pid_ == 0) {
      ::setenv("HOME", home.c_str(), 1);
      ::setenv("TERM", "xterm", 1);
      std::vector<std::string> copy = argv;
      std::vector<char*> args;
      for (auto& a : copy) args.push_back(a.data());
      args.push_back(nullptr);
      ::execv(args[0], args.data());
      ::_exit(127);
    }
  }
  pty_shell(const pty_shell&) = delete;
  pty_shell& operator=(const pty_shell&) = delete;
  ~pty_shell() {
    if (!exited_) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
    ::close(master_);
  }

  void send(const std::string& keys) {
    REQUIRE(::write(master_, keys.data(), keys.size()) ==
            static_cast<ssize_t>(keys.size()));
  }

  /// Reads until the output since `mark()` contains `text`; false after
  /// `timeout_ms`.
  bool expect(const std::string& text, std::int64_t timeout_ms = 15000) {
    auto deadline = steady_ms() + timeout_ms;
    while (!contains(output_.substr(mark_), text)) {
      auto left = deadline - steady_ms();
      if (left <= 0) {
        UNSCOPED_INFO("no \"" << text
                              << "\" in the shell's output since "
                                 "the mark:\n"
                              << output_.substr(mark_));
        return false;
      }
      pollfd p{master_, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(std::min<std::int64_t>(left, 100))) >
          0) {
        char buf[4096];
        auto n = ::read(master_, buf, sizeof(buf));
        if (n <= 0) return contains(output_.substr(mark_), text);
        output_.append(buf, static_cast<std::size_t>(n));
      }
    }
    return true;
  }

  /// Later expects look only at what comes after this.
  void mark() { mark_ = output_.size(); }
  const std::string& output() const { return output_; }

  std::optional<int> wait(std::int64_t timeout_ms) {
    auto deadline = steady_ms() + timeout_ms;
    while (steady_ms() < deadline) {
      expect("\x01never", 0);  // drain the output so the child can exit
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        exited_ = true;
        return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return std::nullopt;
  }

 private:
  pid_t pid_ = -1;
  int master_ = -1;
  bool exited_ = false;
  std::string output_;
  std::size_t mark_ = 0;
};

/// A TCP server that is not a scheduler: it accepts every connection and
/// writes `greeting` (nothing when empty), then keeps it open.
class fake_server {
 public:
  explicit fake_server(std::string greeting) : greeting_(std::move(greeting)) {
    fd_ = ::socket(AF_INET6, SOCK_STREAM, 0);
    int yes = 1;
    ::setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
    sockaddr_in6 addr{};
    addr.sin6_family = AF_INET6;
    addr.sin6_addr = in6addr_any;
    REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0);
    REQUIRE(::listen(fd_, 16) == 0);
    socklen_t len = sizeof(addr);
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin6_port);
    thread_ = std::thread([this] { serve(); });
  }
  ~fake_server() {
    stop_ = true;
    thread_.join();
    for (int c : clients_) ::close(c);
    ::close(fd_);
  }
  int port() const { return port_; }
  int accepted() const { return accepted_; }

 private:
  void serve() {
    while (!stop_) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 50) <= 0) continue;
      int c = ::accept(fd_, nullptr, nullptr);
      if (c < 0) continue;
      ++accepted_;
      clients_.push_back(c);
      if (!greeting_.empty())
        (void)!::write(c, greeting_.data(), greeting_.size());
    }
  }
  std::string greeting_;
  int fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> accepted_{0};
  std::vector<int> clients_;
  std::thread thread_;
};

}  // namespace bistro::testing
