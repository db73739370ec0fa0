// Strangers on the scheduler's ports: connections that open and close
// (plain TCP, refused TLS handshakes, valid shell requests) while a real
// bistro_worker runs tasks over TLS, and connections held until the
// scheduler runs out of descriptors. Each peer's connection is its own:
// no stranger may drop the worker, and at the descriptor limit both accept
// loops (CAF's and HTTP's) pause instead of spinning and flooding the log.
#include <sys/resource.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <sstream>

#include "tests/faults/faults_support.hpp"
#include "tests/support/tls_material.hpp"

using namespace bistro::testing;

namespace {

const std::string scheduler_bin = BISTRO_SCHEDULER_BIN;
const std::string worker_bin = BISTRO_WORKER_BIN;
const std::string shell_bin = BISTRO_SHELL_BIN;

/// UBSan's vptr check reads the vtable through a pipe to learn whether its
/// memory is readable (sanitizer_common's IsAccessibleMemoryRange); at the
/// descriptor limit that pipe cannot be made, and every check that misses
/// its cache reports "invalid vptr ... memory cannot be printed", on any
/// object, ours or CAF's. For a process this test drives to the limit, the
/// UBSAN_OPTIONS of a sanitized run (scripts/sanitize.sh) get a copy of its
/// suppressions plus vptr, while the scope lasts; other checks stay on.
class vptr_unchecked_at_the_limit {
 public:
  explicit vptr_unchecked_at_the_limit(const temp_dir& dir) {
    const char* options = std::getenv("UBSAN_OPTIONS");
    if (!options) return;
    saved_ = options;
    std::string opts = options;
    std::string supp = "vptr:*\n";
    const std::string key = "suppressions=";
    auto at = opts.find(key);
    if (at != std::string::npos) {
      auto end = opts.find(' ', at);
      auto path =
          opts.substr(at + key.size(),
                      end == std::string::npos ? end : end - at - key.size());
      std::ifstream in(path);
      std::stringstream text;
      text << in.rdbuf();
      supp = text.str() + "\n" + supp;
      opts.erase(at, end == std::string::npos ? end : end - at);
    }
    opts += " suppressions=" + dir.write("ubsan.supp", supp);
    ::setenv("UBSAN_OPTIONS", opts.c_str(), 1);
  }
  ~vptr_unchecked_at_the_limit() {
    if (saved_) ::setenv("UBSAN_OPTIONS", saved_->c_str(), 1);
  }
  vptr_unchecked_at_the_limit(const vptr_unchecked_at_the_limit&) = delete;
  vptr_unchecked_at_the_limit& operator=(const vptr_unchecked_at_the_limit&) =
      delete;

 private:
  std::optional<std::string> saved_;
};

/// `n` level2 nodes under one level1 node, one job running `task`, a
/// worker running at most `concurrency` tasks at once.
std::string churn_config(int n, int concurrency) {
  return R"({"bistro_settings": {"nodes": {"levels": ["level1", "level2"],
      "node_sources": [
        {"source": "range_label", "prefs": {"parent_level": "instance",
         "start": 1, "end": 1, "format": "node1"}},
        {"source": "range_label", "prefs": {"parent_level": "level1",
         "start": 1, "end": )" +
         std::to_string(n) + R"(, "format": "{parent}{i}"}}]},
      "enabled": true, "idle_wait": 0.2, "working_wait": 0.05,
      "resources": {"instance": {"concurrency": {"limit": )" +
         std::to_string(concurrency) + R"(, "default": 1}}}},
      "bistro_job->j": {"owner": "t"}})";
}

/// A TCP connection to 127.0.0.1:`port`; -1 if it failed.
int connect_to(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

/// A plain TCP connection to 127.0.0.1:`port` that sends `payload` and
/// closes; false if it could not connect.
bool stranger_tcp(int port, const std::string& payload) {
  int fd = connect_to(port);
  if (fd < 0) return false;
  if (!payload.empty()) {
    // Whether it arrives does not matter: a stranger does not wait.
    [[maybe_unused]] auto sent =
        ::send(fd, payload.data(), payload.size(), MSG_NOSIGNAL);
  }
  ::close(fd);
  return true;
}

/// How many lines of `log` contain both `a` and `b`.
int lines_with(const std::string& log, const std::string& a,
               const std::string& b) {
  int n = 0;
  std::istringstream in(log);
  for (std::string line; std::getline(in, line);)
    n += line.find(a) != std::string::npos && line.find(b) != std::string::npos;
  return n;
}

/// How often `text` occurs in `log`.
int count_of(const std::string& log, const std::string& text) {
  int n = 0;
  for (auto at = log.find(text); at != std::string::npos;
       at = log.find(text, at + text.size()))
    ++n;
  return n;
}

struct thread_cpu {
  std::string name;
  double seconds = 0;  // user + system
};

/// The CPU time each thread of `pid` has used, by thread id.
std::map<int, thread_cpu> thread_cpu_seconds(pid_t pid) {
  std::map<int, thread_cpu> out;
  const double ticks = static_cast<double>(::sysconf(_SC_CLK_TCK));
  auto dir = "/proc/" + std::to_string(pid) + "/task";
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    std::ifstream in(entry.path() / "stat");
    std::string text;
    if (!std::getline(in, text)) continue;
    // "TID (NAME) STATE ...": utime is field 14 and stime 15.
    auto open = text.find('('), close = text.rfind(')');
    std::istringstream rest(text.substr(close + 2));
    std::string field;
    double utime = 0, stime = 0;
    for (int i = 3; i <= 15 && rest >> field; ++i) {
      if (i == 14) utime = std::stod(field);
      if (i == 15) stime = std::stod(field);
    }
    out[std::stoi(entry.path().filename().string())] = {
        text.substr(open + 1, close - open - 1), (utime + stime) / ticks};
  }
  return out;
}

/// The number of descriptors `pid` has open.
int open_descriptors(pid_t pid) {
  int n = 0;
  std::error_code ec;
  for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator(
           "/proc/" + std::to_string(pid) + "/fd", ec))
    ++n;
  return n;
}

}  // namespace

TEST_CASE(
    "under TLS no stranger's connect or refused handshake or shell request "
    "drops a connected worker",
    "[churn]") {
  temp_dir dir;
  tls_material tls(dir);
  const int port = free_port();
  const int tasks = 20;
  auto records = dir.file("records");
  auto task = dir.script("task.sh", run_prelude(records) +
                                        "record start\nsleep 1\n"
                                        "echo done > \"$2\"\nrecord end\n");
  auto config = dir.write("config", churn_config(tasks, 4));
  std::vector<std::string> sched_argv{scheduler_bin,
                                      "--server_port=" + std::to_string(port),
                                      "--http_server_port=0",
                                      "--config_file=" + config,
                                      "--clean_statuses",
                                      "--CAUTION_startup_wait_for_workers=1",
                                      "--instance_node_name=scheduler",
                                      "--data_dir=" + dir.file("sched_data")};
  for (auto& f : tls.flags("sched")) sched_argv.push_back(f);
  fault_process sched(sched_argv, dir.file("sched.log"));
  REQUIRE(eventually([&] { return sched.log_has("workers connect on port"); },
                     15000));
  std::vector<std::string> worker_argv{
      worker_bin,
      "--scheduler_host=::",
      "--scheduler_port=" + std::to_string(port),
      "--worker_command=" + task,
      "--data_dir=" + dir.file("w_data"),
      "--shard_id=w1"};
  for (auto& f : tls.flags("worker")) worker_argv.push_back(f);
  fault_process worker(worker_argv, dir.file("worker.log"));
  REQUIRE(eventually([&] { return sched.log_has("joined"); }, 20000));

  // 100 strangers, in turn: a plain TCP connect and close, a TLS handshake
  // without a client certificate, one with a certificate from another CA,
  // a valid shell request, and a connect that sends garbage and closes.
  const std::string target = "127.0.0.1:" + std::to_string(port);
  int shell_runs = 0, shell_ok = 0;
  for (int i = 0; i < 100; ++i) {
    switch (i % 5) {
      case 0:
        REQUIRE(stranger_tcp(port, ""));
        break;
      case 4:
        REQUIRE(stranger_tcp(port, "GET / HTTP/1.0\r\n\r\n"));
        break;
      case 1:
        run_shell("timeout 10 openssl s_client -connect " + target +
                  " </dev/null >/dev/null 2>&1");
        break;
      case 2:
        run_shell("timeout 10 openssl s_client -connect " + target + " -cert " +
                  tls.dir + "/rogue.pem -key " + tls.dir +
                  "/rogue.key </dev/null >/dev/null 2>&1");
        break;
      case 3: {
        std::vector<std::string> argv{
            shell_bin,
            "--scheduler_host=::", "--scheduler_port=" + std::to_string(port),
            "-c", "workers"};
        for (auto& f : tls.flags("worker")) argv.push_back(f);
        child_process shell(argv, dir.file("shell.log"));
        ++shell_runs;
        shell_ok += shell.wait(30000) == 0;
        break;
      }
    }
  }

  bool all_done = eventually(
      [&] {
        int ends = 0;
        for (const auto& r : read_runs(records)) ends += r.end_event == "end";
        return ends >= tasks;
      },
      60000);
  auto worker_log = worker.log();
  auto sched_log = sched.log();
  int drops = lines_with(worker_log, "connection to scheduler", " lost");
  int losses = lines_with(sched_log, "worker w1 lost (", "");
  int joins = count_of(sched_log, "joined");
  std::cout << "connection churn under TLS: " << drops << " worker drop(s), "
            << losses << " worker loss(es), " << joins << " join(s), "
            << shell_ok << "/" << shell_runs << " shell requests answered\n";
  INFO("scheduler log tail:\n"
       << sched.log_tail() << "\nworker log tail:\n"
       << worker.log_tail());
  CHECK(drops == 0);
  CHECK(losses == 0);
  CHECK(joins == 1);
  CHECK(shell_ok == shell_runs);
  REQUIRE(all_done);
  std::map<std::string, int> starts, ends;
  for (const auto& r : read_runs(records)) {
    ++starts[r.key];
    ends[r.key] += r.end_event == "end";
  }
  CHECK(starts.size() == static_cast<std::size_t>(tasks));
  for (const auto& [key, n] : starts) {
    INFO(key);
    CHECK(n == 1);
    CHECK(ends[key] == 1);
  }
}

TEST_CASE(
    "at the descriptor limit both accept loops pause and log little and "
    "serve again once descriptors are free",
    "[churn]") {
  temp_dir dir;
  const int port = free_port();
  const int http_port = free_port();
  auto task = dir.script("task.sh", "echo done > \"$2\"");
  auto config = dir.write("config", churn_config(2, 2));
  // The scheduler is driven to the descriptor limit; the worker is not.
  auto sched = [&] {
    vptr_unchecked_at_the_limit ubsan{dir};
    return fault_process(
        {scheduler_bin, "--server_port=" + std::to_string(port),
         "--http_server_port=" + std::to_string(http_port), "--http_cache_ms=0",
         "--config_file=" + config, "--clean_statuses",
         "--instance_node_name=scheduler", "--data_dir=" + dir.file("data")},
        dir.file("sched.log"));
  }();
  REQUIRE(eventually(
      [&] {
        return sched.log_has("workers connect on port") &&
               sched.log_has("HTTP API");
      },
      15000));
  REQUIRE(http_request(http_port, "GET", "/api/workers").code == 200);

  // Room for 8 more descriptors: the test's connections use them up.
  rlimit limit{};
  limit.rlim_cur = limit.rlim_max =
      static_cast<rlim_t>(open_descriptors(sched.pid()) + 8);
  REQUIRE(::prlimit(sched.pid(), RLIMIT_NOFILE, &limit, nullptr) == 0);
  std::vector<int> held;
  // CAF's port first (a plain connection that never says hello stays
  // open), past the limit; then HTTP's, whose idle connections close
  // after the header timeout (10 s), which bounds the window below.
  for (int i = 0; i < 20; ++i) held.push_back(connect_to(port));
  for (int i = 0; i < 10; ++i) held.push_back(connect_to(http_port));
  for (int fd : held) REQUIRE(fd >= 0);
  const std::string emfile = "Too many open files";
  REQUIRE(eventually([&] { return sched.log_has(emfile); }, 10000));

  auto lines_before = count_of(sched.log(), emfile);
  auto cpu_before = thread_cpu_seconds(sched.pid());
  auto size_before = sched.log().size();
  // A measurement window, not a wait for anything: what the scheduler
  // does (logs, burns) in 3 s at the limit.
  std::this_thread::sleep_for(std::chrono::seconds(3));
  auto cpu_after = thread_cpu_seconds(sched.pid());
  auto log_now = sched.log();
  int lines = count_of(log_now, emfile) - lines_before;
  double busiest = 0;
  std::string busiest_name = "none";
  for (const auto& [tid, after] : cpu_after) {
    auto it = cpu_before.find(tid);
    if (it == cpu_before.end()) continue;
    if (after.seconds - it->second.seconds > busiest) {
      busiest = after.seconds - it->second.seconds;
      busiest_name = after.name;
    }
  }
  std::cout << "descriptor limit: " << lines << " \"" << emfile
            << "\" line(s) (" << count_of(log_now, emfile)
            << " in the whole log), " << (log_now.size() - size_before)
            << " log bytes and " << busiest
            << " CPU seconds in the busiest thread (" << busiest_name
            << ") over 3 s\n";
  INFO("scheduler log tail:\n" << sched.log_tail());
  CHECK(lines < 10);
  CHECK(busiest < 0.3);

  for (int fd : held) ::close(fd);
  CHECK(eventually(
      [&] {
        return http_request(http_port, "GET", "/api/workers").code == 200;
      },
      15000));
  fault_process worker(
      {worker_bin, "--scheduler_host=::",
       "--scheduler_port=" + std::to_string(port), "--worker_command=" + task,
       "--data_dir=" + dir.file("w_data"), "--shard_id=w1"},
      dir.file("worker.log"));
  CHECK(eventually([&] { return sched.log_has("joined"); }, 20000));
}
