// Helpers for the fault-injection tests: processes that can be frozen and
// killed (each in its own process group), a pair of network namespaces
// joined by a veth pair, a bare HTTP client, and task runs rebuilt from the
// records task scripts write, with the "no two runs of one (job, node)
// overlap" check.
// Single-threaded test code; everything here blocks.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <map>
#include <set>

#include "tests/support/e2e_support.hpp"

namespace bistro::testing {

/// A child process in its own process group (so that a worker and its
/// tasks can be frozen or killed together), appending to its log (restarts
/// share one); killed with its group if still running when destroyed.
class fault_process : public child_process {
 public:
  fault_process(std::vector<std::string> argv, const std::string& log_path)
      : child_process(std::move(argv), log_path,
                      {.own_process_group = true, .append_log = true}) {}
};

/// 1 s health settings: a silent worker is lost within ~3-4 s, and kills
/// its own tasks after 3 s without an acknowledged heartbeat. The 3 s
/// safety margin outlasts 0.5 s tasks, so a frozen worker's tasks (which
/// keep running: only the worker's pid is stopped) end before anything may
/// run them again. Stopping the worker's whole group instead would freeze
/// its tasks too, and a frozen task can outlive any margin; Bistro's
/// contract (and ours) only covers a worker that cannot kill.
inline const std::vector<std::string> one_second_health = {
    "--heartbeat_grace_period=1",
    "--healthcheck_period=1",
    "--healthcheck_grace_period=1",
    "--lose_unhealthy_worker_after=1",
    "--worker_check_interval=1",
    "--CAUTION_worker_suicide_backoff_safety_margin_sec=3",
    "--CAUTION_worker_suicide_task_kill_wait_ms=300"};

/// Runs a shell command; its exit code (-1 if it could not run).
inline int run_shell(const std::string& command) {
  int rc = std::system(command.c_str());
  return rc == -1 ? -1 : WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

/// Two network namespaces, "server" and "client", joined by a veth pair
/// (10.231.0.1/30 on the server side, .2 on the client side). The names
/// carry this process's pid and a counter, so concurrent test processes
/// never collide; the addresses exist only inside the two namespaces.
/// Everything is removed when destroyed; namespaces left behind by a test
/// process that died are removed when the next one starts.
/// Needs root (CAP_SYS_ADMIN, CAP_NET_ADMIN): check `ok()`.
class netns_pair {
 public:
  static constexpr const char* server_address = "10.231.0.1";
  static constexpr const char* client_address = "10.231.0.2";
  static constexpr const char* server_dev = "vs";
  static constexpr const char* client_dev = "vc";

  netns_pair() {
    static int counter = 0;
    remove_stale();
    auto tag = std::to_string(::getpid()) + "_" + std::to_string(++counter);
    server_ = prefix() + tag + "_s";
    client_ = prefix() + tag + "_c";
    if (run_shell("ip netns add " + server_ + " 2>" + errors()) != 0) {
      error_ = "ip netns add failed: " + read_errors();
      server_.clear();
      client_.clear();
      return;
    }
    if (run_shell("ip netns add " + client_ + " 2>" + errors()) != 0) {
      error_ = "ip netns add failed: " + read_errors();
      client_.clear();
      return;
    }
    // The veth pair is made inside the server namespace, its peer moved to
    // the client one: the names never exist in the root namespace. Running
    // a program in each (`ip netns exec` mounts a /sys of its own) is part
    // of the check: a container may allow the one and not the other.
    std::string script =
        "set -e; ip -n " + server_ + " link set lo up; ip -n " + client_ +
        " link set lo up; ip -n " + server_ + " link add " + server_dev +
        " type veth peer name " + client_dev + " netns " + client_ +
        "; ip -n " + server_ + " addr add " + server_address + "/30 dev " +
        server_dev + "; ip -n " + client_ + " addr add " + client_address +
        "/30 dev " + client_dev + "; ip -n " + server_ + " link set " +
        server_dev + " up; ip -n " + client_ + " link set " + client_dev +
        " up; ip netns exec " + server_ + " true; ip netns exec " + client_ +
        " true";
    if (run_shell("(" + script + ") 2>" + errors()) != 0) {
      error_ = "setting up the veth pair failed: " + read_errors();
      return;
    }
    ok_ = true;
  }
  netns_pair(const netns_pair&) = delete;
  netns_pair& operator=(const netns_pair&) = delete;
  ~netns_pair() {
    // Deleting a namespace destroys its veth end (and so the pair) once
    // its last process is gone; the processes are destroyed before us.
    if (!server_.empty()) run_shell("ip netns del " + server_ + " 2>/dev/null");
    if (!client_.empty()) run_shell("ip netns del " + client_ + " 2>/dev/null");
    std::filesystem::remove(errors());
  }

  bool ok() const { return ok_; }
  const std::string& error() const { return error_; }
  const std::string& server() const { return server_; }
  const std::string& client() const { return client_; }

  /// argv prefix that runs a program inside `ns` (`ip netns exec` execs
  /// it, so the pid is the program's).
  static std::vector<std::string> exec_in(const std::string& ns,
                                          std::vector<std::string> argv) {
    std::vector<std::string> out{"/usr/sbin/ip", "netns", "exec", ns};
    if (!std::filesystem::exists(out[0])) out[0] = "/sbin/ip";
    out.insert(out.end(), argv.begin(), argv.end());
    return out;
  }

  /// Cuts (false) or heals (true) the link: the client's end goes down,
  /// which takes the carrier away from both.
  bool set_link(bool up) {
    return run_shell("ip -n " + client_ + " link set " + client_dev +
                     (up ? " up" : " down")) == 0;
  }

 private:
  static std::string prefix() { return "bistro_f"; }
  std::string errors() const {
    return "/tmp/bistro_faults_netns_" + std::to_string(::getpid()) + ".err";
  }
  std::string read_errors() const {
    std::ifstream in(errors());
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }
  /// Namespaces named after a test process that no longer exists.
  static void remove_stale() {
    std::filesystem::path dir{"/var/run/netns"};
    std::error_code ec;
    if (!std::filesystem::is_directory(dir, ec)) return;
    for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
      auto name = entry.path().filename().string();
      if (name.rfind(prefix(), 0) != 0) continue;
      auto pid = std::atoi(name.c_str() + prefix().size());
      if (pid > 0 && ::kill(pid, 0) != 0 && errno == ESRCH)
        run_shell("ip netns del " + name + " 2>/dev/null");
    }
  }

  std::string server_, client_, error_;
  bool ok_ = false;
};

struct http_answer {
  int code = 0;  // 0: no answer
  std::string body;
};

/// One HTTP/1.0 request to 127.0.0.1:`port`, read to the end (10 s bound).
inline http_answer http_request(int port, const std::string& method,
                                const std::string& target,
                                const std::string& body = "") {
  http_answer out;
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  timeval tv{10, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    ::close(fd);
    return out;
  }
  auto request = method + " " + target +
                 " HTTP/1.0\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
                 "Content-Length: " +
                 std::to_string(body.size()) + "\r\n\r\n" + body;
  if (::send(fd, request.data(), request.size(), MSG_NOSIGNAL) !=
      static_cast<ssize_t>(request.size())) {
    ::close(fd);
    return out;
  }
  std::string reply;
  char buf[64 * 1024];
  for (ssize_t n; (n = ::recv(fd, buf, sizeof(buf), 0)) > 0;)
    reply.append(buf, static_cast<std::size_t>(n));
  ::close(fd);
  auto head_end = reply.find("\r\n\r\n");
  if (reply.rfind("HTTP/1.", 0) != 0 || head_end == std::string::npos)
    return out;
  out.code = std::atoi(reply.c_str() + reply.find(' ') + 1);
  out.body = reply.substr(head_end + 4);
  return out;
}

/// Peak resident set of a live process (VmHWM), in KiB; -1 if unknown.
inline std::int64_t peak_rss_kib(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(in, line);)
    if (line.rfind("VmHWM:", 0) == 0) return std::atoll(line.c_str() + 6);
  return -1;
}

/// Whether `pid` names a process that is still alive (not a zombie).
inline bool process_alive(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string text;
  if (!std::getline(in, text)) return false;
  auto close_paren = text.rfind(')');
  return close_paren != std::string::npos && close_paren + 2 < text.size() &&
         text[close_paren + 2] != 'Z' && text[close_paren + 2] != 'X';
}

/// Shell a fault task script starts with: NODE, JOB, RUN (the worker's
/// pid and this run's shell pid: "WORKERPID.PID", unique per run) and
/// `record EVENT [EXTRA]`, appending "EVENT JOB NODE MS RUN [EXTRA]" to
/// `records_path` (one short O_APPEND write per line: lines never mix).
inline std::string run_prelude(const std::string& records_path) {
  return "NODE=\"$1\"\n"
         "JOB=$(printf '%s' \"$3\" | sed -n "
         "'s/.*\"id\":\"\\([^\"]*\\)\".*/\\1/p')\n"
         "RUN=\"$PPID.$$\"\n"
         "record() { echo \"$1 $JOB $NODE $(($(date +%s%N)/1000000)) $RUN "
         "$2\" >> " +
         records_path + "; }\n";
}

/// One run of a task, rebuilt from its records.
struct task_run {
  std::string key;  // JOB/NODE
  std::string run;  // WORKERPID.PID
  std::int64_t start_ms = 0;
  std::optional<std::int64_t> end_ms;  // its "end" or "killed" record
  std::string end_event, result;
  pid_t worker_pid() const { return std::atoi(run.c_str()); }
};

/// Every run in `records`, in start order. A record's `extra` is
/// "RUN [RESULT]" (run_prelude).
inline std::vector<task_run> read_runs(const std::string& records_path) {
  std::vector<task_run> runs;
  std::map<std::string, std::size_t> by_run;
  for (const auto& r : read_records(records_path)) {
    std::istringstream words(r.extra);
    std::string run, result;
    words >> run >> result;
    auto id = r.job + "/" + r.node + "#" + run;
    if (r.event == "start") {
      by_run[id] = runs.size();
      runs.push_back({r.job + "/" + r.node, run, r.ms, {}, "", ""});
    } else if (auto it = by_run.find(id); it != by_run.end()) {
      auto& out = runs[it->second];
      if (!out.end_ms) {
        out.end_ms = r.ms;
        out.end_event = r.event;
        out.result = result;
      }
    }
  }
  return runs;
}

/// Checks that no two runs of one (job, node) overlap in time. A run with
/// no end record ended when its worker was killed: `killed_at` maps a
/// worker pid to when it got SIGKILL (its tasks die with it, by the
/// parent-death signal). A run with neither is reported as never ended
/// unless `open_ok`. Returns the number of violations (each one INFO'd
/// through a failed CHECK).
inline int check_runs_never_overlap(
    const std::vector<task_run>& runs,
    const std::map<pid_t, std::int64_t>& killed_at, bool open_ok = false) {
  std::map<std::string, std::vector<std::pair<std::int64_t, std::int64_t>>>
      spans;
  int violations = 0;
  for (const auto& r : runs) {
    std::int64_t end = 0;
    if (r.end_ms) {
      end = *r.end_ms;
    } else if (auto it = killed_at.find(r.worker_pid());
               it != killed_at.end() && it->second >= r.start_ms) {
      end = it->second;
    } else if (open_ok) {
      end = std::numeric_limits<std::int64_t>::max();
    } else {
      INFO(r.key << ": run " << r.run << " started at " << r.start_ms
                 << " never ended and its worker was not killed");
      CHECK(false);
      ++violations;
      continue;
    }
    spans[r.key].emplace_back(r.start_ms, end);
  }
  for (auto& [key, list] : spans) {
    std::sort(list.begin(), list.end());
    for (std::size_t i = 1; i < list.size(); ++i) {
      if (list[i].first >= list[i - 1].second) continue;
      INFO(key << ": a run starts at " << list[i].first
               << " before the previous one ended at " << list[i - 1].second);
      CHECK(false);
      ++violations;
    }
  }
  return violations;
}

}  // namespace bistro::testing
