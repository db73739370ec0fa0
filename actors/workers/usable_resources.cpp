#include "actors/workers/usable_resources.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

extern char** environ;

namespace bistro {

namespace {

std::string trim(std::string s) {
  auto b = s.find_first_not_of(" \t\r\n");
  auto e = s.find_last_not_of(" \t\r\n");
  return b == std::string::npos ? std::string{} : s.substr(b, e - b + 1);
}

/// The limit of this process's memory cgroup in MB, or 0 when none.
double own_memory_limit_mb() {
  std::ifstream in("/proc/self/cgroup");
  std::string line;
  double best = 0;
  while (std::getline(in, line)) {
    // "4:memory:/path" (v1) or "0::/path" (v2).
    auto first = line.find(':');
    auto second = line.find(':', first + 1);
    if (first == std::string::npos || second == std::string::npos) continue;
    auto controllers = line.substr(first + 1, second - first - 1);
    auto path = line.substr(second + 1);
    std::string file;
    if (controllers == "memory")
      file = "/sys/fs/cgroup/memory" + path + "/memory.limit_in_bytes";
    else if (controllers.empty())
      file = "/sys/fs/cgroup" + path + "/memory.max";
    else
      continue;
    std::ifstream f(file);
    std::string value;
    if (!(f >> value) || value == "max") continue;
    try {
      double mb = static_cast<double>(std::stoull(value)) / (1024.0 * 1024.0);
      // v1 reports "no limit" as a huge number.
      if (mb > 0 && mb < 1e12 && (best == 0 || mb < best)) best = mb;
    } catch (...) {
    }
  }
  return best;
}

/// Runs argv with stdout captured, for at most `timeout_ms`.
bool run_captured(const std::vector<std::string>& argv, std::int64_t timeout_ms,
                  std::string& out, std::string& error) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) {
    error = std::string{"pipe: "} + std::strerror(errno);
    return false;
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, fds[1], 1);
  posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
  std::vector<char*> args;
  std::vector<std::string> copy = argv;
  for (auto& a : copy) args.push_back(a.data());
  args.push_back(nullptr);
  pid_t pid = -1;
  int rc =
      ::posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(fds[1]);
  if (rc != 0) {
    ::close(fds[0]);
    if (rc != ENOENT) error = argv[0] + ": " + std::strerror(rc);
    return false;
  }
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  bool timed_out = false;
  char buf[4096];
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                    deadline - std::chrono::steady_clock::now())
                    .count();
    if (left <= 0) {
      timed_out = true;
      break;
    }
    pollfd p{fds[0], POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left)) <= 0) continue;
    auto n = ::read(fds[0], buf, sizeof(buf));
    if (n <= 0) break;
    if (out.size() < (1 << 20)) out.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fds[0]);
  if (timed_out) ::kill(pid, SIGKILL);
  int status = 0;
  ::waitpid(pid, &status, 0);
  if (timed_out) {
    error = argv[0] + " did not answer within " + std::to_string(timeout_ms) +
            " ms";
    return false;
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    error = argv[0] + " failed (status " + std::to_string(status) + ")";
    return false;
  }
  return true;
}

}  // namespace

std::vector<gpu_info> parse_nvidia_smi(const std::string& csv,
                                       std::string& error) {
  std::vector<gpu_info> out;
  std::istringstream in(csv);
  std::string line;
  while (std::getline(in, line)) {
    if (trim(line).empty()) continue;
    auto a = line.find(',');
    auto b = a == std::string::npos ? a : line.find(',', a + 1);
    if (b == std::string::npos) {
      error = "nvidia-smi: cannot read the line \"" + line + "\"";
      continue;
    }
    gpu_info g;
    g.pci_bus_id = trim(line.substr(0, a));
    g.name = trim(line.substr(b + 1));
    try {
      g.memory_mb = std::stod(trim(line.substr(a + 1, b - a - 1)));
    } catch (...) {
      error = "nvidia-smi: no memory size in the line \"" + line + "\"";
      continue;
    }
    out.push_back(std::move(g));
  }
  return out;
}

double meminfo_total_mb(const std::string& text) {
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("MemTotal:", 0) != 0) continue;
    std::istringstream words(line.substr(9));
    double kib = 0;
    std::string unit;
    if (!(words >> kib >> unit) || unit != "kB" || kib < 0) return 0;
    return kib / 1024.0;
  }
  return 0;
}

measured_resources measure_usable_resources(std::int64_t gpu_timeout_ms) {
  measured_resources m;
  // BISTRO_TEST_MEMINFO names a file in /proc/meminfo's format that stands
  // for it: the tests' way to give a worker a machine of a chosen size.
  const char* fake = std::getenv("BISTRO_TEST_MEMINFO");
  const std::string meminfo = fake && *fake ? fake : "/proc/meminfo";
  std::ifstream in(meminfo);
  std::stringstream text;
  text << in.rdbuf();
  m.usable.memory_mb = meminfo_total_mb(text.str());
  if (m.usable.memory_mb <= 0) {
    if (fake && *fake) m.error = meminfo + ": no \"MemTotal: N kB\" line";
    const double pages = static_cast<double>(::sysconf(_SC_PHYS_PAGES));
    const double page = static_cast<double>(::sysconf(_SC_PAGESIZE));
    m.usable.memory_mb = pages * page / (1024.0 * 1024.0);
  }
  if (auto limit = own_memory_limit_mb();
      limit > 0 && limit < m.usable.memory_mb)
    m.usable.memory_mb = limit;
  cpu_set_t set;
  CPU_ZERO(&set);
  if (::sched_getaffinity(0, sizeof(set), &set) == 0)
    m.usable.cpu_cores = CPU_COUNT(&set);
  else
    m.usable.cpu_cores = static_cast<double>(::sysconf(_SC_NPROCESSORS_ONLN));
  std::string csv, error;
  if (run_captured({"nvidia-smi", "--query-gpu=gpu_bus_id,memory.total,name",
                    "--format=csv,noheader,nounits"},
                   gpu_timeout_ms, csv, error))
    m.gpus = parse_nvidia_smi(csv, error);
  m.usable.gpu_cards = static_cast<std::int64_t>(m.gpus.size());
  if (!error.empty()) m.error += (m.error.empty() ? "" : "; ") + error;
  return m;
}

std::string describe(const measured_resources& m) {
  char text[160];
  std::snprintf(text, sizeof(text),
                "usable resources: %.0f MB memory, %g CPU cores, %lld GPUs",
                m.usable.memory_mb, m.usable.cpu_cores,
                static_cast<long long>(m.usable.gpu_cards));
  return text + (m.error.empty() ? "" : " (" + m.error + ")");
}

}  // namespace bistro
