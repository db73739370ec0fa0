#include "actors/tasks/task_cgroup.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <thread>

#include "actors/tasks/cgroup_pool.hpp"

namespace bistro {

namespace {

/// A freeze that has not finished after this long is undone and tried
/// again (a task in the middle of an OOM kill may not freeze).
constexpr std::int64_t freeze_timeout_ms = 1000;

std::string errno_text(int e) { return std::strerror(e); }

bool read_text(const std::string& path, std::string& out,
               std::size_t max = 1 << 20) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  out.clear();
  char buf[4096];
  while (out.size() < max) {
    auto n = ::read(fd, buf, sizeof(buf));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    out.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return true;
}

/// 0 or the errno. A cgroup file takes a value in one write; the write
/// only counts when close does.
int write_text(const std::string& path, const std::string& value,
               cgroup_fs fs) {
  int flags = O_WRONLY | O_CLOEXEC;
  if (fs == cgroup_fs::fake) flags |= O_CREAT | O_TRUNC;
  int fd = ::open(path.c_str(), flags, 0644);
  if (fd < 0) return errno;
  int e = 0;
  if (::write(fd, value.data(), value.size()) !=
      static_cast<ssize_t>(value.size()))
    e = errno ? errno : EIO;
  if (::close(fd) != 0 && e == 0) e = errno;
  return e;
}

std::optional<std::int64_t> read_integer(const std::string& path) {
  std::string text;
  if (!read_text(path, text, 256)) return std::nullopt;
  while (!text.empty() && (text.back() == '\n' || text.back() == ' '))
    text.pop_back();
  if (text == "max") return INT64_MAX;
  try {
    std::size_t used = 0;
    auto n = std::stoll(text, &used);
    if (used != text.size()) return std::nullopt;
    return n;
  } catch (...) {
    return std::nullopt;
  }
}

/// The value of `key` in a "key value" per line file (memory.events,
/// memory.oom_control, cpu.stat).
std::optional<std::int64_t> read_keyed(const std::string& path,
                                       std::string_view key) {
  std::string text;
  if (!read_text(path, text, 64 * 1024)) return std::nullopt;
  std::size_t start = 0;
  while (start < text.size()) {
    auto end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    std::string_view line{text.data() + start, end - start};
    if (line.size() > key.size() && line.substr(0, key.size()) == key &&
        line[key.size()] == ' ') {
      try {
        return std::stoll(std::string{line.substr(key.size() + 1)});
      } catch (...) {
        return std::nullopt;
      }
    }
    start = end + 1;
  }
  return std::nullopt;
}

bool is_dir(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

bool has_word(const std::string& text, std::string_view word) {
  std::size_t start = 0;
  while (start < text.size()) {
    auto end = text.find_first_of(" \n", start);
    if (end == std::string::npos) end = text.size();
    auto w = std::string_view{text}.substr(start, end - start);
    if (w == word || (w.size() == word.size() + 1 && w.front() == '+' &&
                      w.substr(1) == word))
      return true;
    start = end + 1;
  }
  return false;
}

/// v2: the controllers whose files set limits; freezer and cpuacct stand
/// for core files every v2 cgroup has.
bool is_v2_controller(const std::string& subsystem) {
  return subsystem != "freezer" && subsystem != "cpuacct";
}

/// v2: makes `controller` available to the children of `slice_dir`,
/// enabling it on the way down from `root` where it is missing.
std::string enable_v2_controller(const std::string& root,
                                 const std::string& slice_dir,
                                 const std::string& controller, cgroup_fs fs) {
  std::string text;
  if (!read_text(slice_dir + "/cgroup.controllers", text))
    return slice_dir + "/cgroup.controllers: " + errno_text(errno);
  if (!has_word(text, controller)) {
    // Walk root -> slice's parent, enabling it in each subtree_control.
    auto rel = std::filesystem::path(slice_dir).lexically_relative(root);
    auto dir = std::filesystem::path(root);
    for (const auto& part : rel) {
      auto control = (dir / "cgroup.subtree_control").string();
      std::string enabled;
      read_text(control, enabled);
      if (!has_word(enabled, controller))
        if (int e = write_text(control, "+" + controller, fs))
          return "cannot enable the " + controller + " controller in " +
                 control + ": " + errno_text(e);
      dir /= part;
    }
    read_text(slice_dir + "/cgroup.controllers", text);
    if (!has_word(text, controller))
      return "the " + controller + " controller is not available in " +
             slice_dir +
             "/cgroup.controllers (enable it in the parent's "
             "cgroup.subtree_control)";
  }
  auto control = slice_dir + "/cgroup.subtree_control";
  std::string enabled;
  read_text(control, enabled);
  if (has_word(enabled, controller)) return {};
  if (int e = write_text(control, "+" + controller, fs))
    return "cannot enable the " + controller + " controller in " + control +
           ": " + errno_text(e);
  return {};
}

}  // namespace

bool cgroup_layout::has(const char* subsystem) const {
  return std::find(options.subsystems.begin(), options.subsystems.end(),
                   subsystem) != options.subsystems.end();
}

std::variant<cgroup_layout, std::string> open_cgroup_layout(
    const cgroup_options& options, cgroup_fs fs) {
  cgroup_layout layout;
  layout.options = options;
  layout.fs = fs;
  const auto prefix = std::string{"task_subprocess.cgroups: "};
  if (!options.enabled()) return prefix + "no subsystems";
  if (!is_dir(options.root))
    return prefix + "root " + options.root + " is not a directory (" +
           errno_text(errno) + "): are cgroups mounted there?";
  layout.unified =
      ::access((options.root + "/cgroup.controllers").c_str(), F_OK) == 0;
  auto check_fs = [&](const std::string& dir,
                      long magic) -> std::optional<std::string> {
    if (fs == cgroup_fs::fake) return std::nullopt;
    struct statfs sf;
    if (::statfs(dir.c_str(), &sf) != 0)
      return prefix + dir + ": " + errno_text(errno);
    if (static_cast<long>(sf.f_type) != magic)
      return prefix + dir + " is not a mounted cgroup" +
             (magic == CGROUP2_SUPER_MAGIC ? "2" : "") + " file system";
    return std::nullopt;
  };
  if (layout.unified) {
    if (auto e = check_fs(options.root, CGROUP2_SUPER_MAGIC)) return *e;
    layout.slice_dirs.push_back(
        (std::filesystem::path(options.root) / options.slice).string());
  } else {
    for (const auto& sub : options.subsystems) {
      auto hierarchy = options.root + "/" + sub;
      if (!is_dir(hierarchy))
        return prefix + "no hierarchy of subsystem " + sub + " at " +
               hierarchy + " (" + errno_text(errno) + ")";
      if (auto e = check_fs(hierarchy, CGROUP_SUPER_MAGIC)) return *e;
      layout.slice_dirs.push_back(
          (std::filesystem::path(hierarchy) / options.slice).string());
    }
  }
  for (auto& dir : layout.slice_dirs) {
    while (dir.size() > 1 && dir.back() == '/') dir.pop_back();
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec)
      return prefix + "cannot create the slice " + dir + ": " + ec.message();
    // Prove that task cgroups can be made here (permissions, limits on
    // the number of cgroups) before any task depends on it.
    auto probe = dir + "/bistro-probe-" + std::to_string(::getpid());
    if (::mkdir(probe.c_str(), 0755) != 0 && errno != EEXIST)
      return prefix + "cannot make a cgroup in " + dir + ": " +
             errno_text(errno);
    if (fs == cgroup_fs::fake)
      std::filesystem::remove_all(probe, ec);
    else
      ::rmdir(probe.c_str());
  }
  if (layout.unified) {
    for (const auto& sub : options.subsystems) {
      if (!is_v2_controller(sub)) continue;
      auto err =
          enable_v2_controller(options.root, layout.slice_dirs[0], sub, fs);
      if (!err.empty()) return prefix + err;
    }
  }
  return layout;
}

std::string task_cgroup::dir_of(const char* subsystem) const {
  if (layout_.unified) return dirs_.empty() ? std::string{} : dirs_[0];
  for (std::size_t i = 0; i < layout_.options.subsystems.size(); ++i)
    if (layout_.options.subsystems[i] == subsystem && i < dirs_.size())
      return dirs_[i];
  return {};
}

std::variant<std::unique_ptr<task_cgroup>, std::string> task_cgroup::create(
    const cgroup_layout& layout, const std::string& name,
    const task_cgroup_limits& limits, std::shared_ptr<cgroup_pool> pool) {
  std::unique_ptr<task_cgroup> cg{new task_cgroup};
  cg->layout_ = layout;
  cg->name_ = name;
  auto fail = [&](std::string why) {
    cg->remove();
    return "task cgroup: " + why;
  };
  // A taken entry is ours from here on; new cgroups become the pool's
  // only once all of them were made by us (not one that existed).
  cg->taken_ = pool && pool->take(name);
  if (cg->taken_) cg->pool_ = pool;
  for (std::size_t i = 0; i < layout.slice_dirs.size(); ++i) {
    auto dir = layout.slice_dirs[i] + "/" + name;
    if (cg->taken_ && pool->pools(i)) {
      cg->dirs_.push_back(dir);
      cg->procs_files_.push_back(dir + "/cgroup.procs");
      cg->join_files_.push_back(dir + "/tasks");
      continue;
    }
    if (::mkdir(dir.c_str(), 0755) != 0) {
      int e = errno;
      return fail(e == EEXIST ? dir + " already exists"
                              : "cannot make " + dir + ": " + errno_text(e));
    }
    cg->dirs_.push_back(dir);
    cg->procs_files_.push_back(dir + "/cgroup.procs");
    cg->join_files_.push_back(layout.unified ? cg->procs_files_.back()
                                             : dir + "/tasks");
    if (layout.fs == cgroup_fs::fake)
      for (const auto& f : {cg->procs_files_.back(), cg->join_files_.back()})
        if (int e = write_text(f, "", layout.fs))
          return fail(f + ": " + errno_text(e));
  }
  if (!cg->pool_) cg->pool_ = std::move(pool);
  // Each limit is read back: the kernel may refuse a value silently (a
  // memory limit is rounded to pages: up to 1 MiB off is accepted).
  auto set = [&](const char* subsystem, const char* file, std::int64_t value,
                 std::int64_t slack) -> std::string {
    auto dir = cg->dir_of(subsystem);
    if (dir.empty()) return {};
    auto path = dir + "/" + file;
    if (int e = write_text(path, std::to_string(value), layout.fs))
      return "cannot write " + std::to_string(value) + " to " + path + ": " +
             errno_text(e);
    auto back = read_integer(path);
    if (!back || *back > value + slack || *back < value - slack)
      return "wrote " + std::to_string(value) + " to " + path +
             " but read back " + (back ? std::to_string(*back) : "nothing");
    return {};
  };
  std::string err;
  if (limits.memory_limit_mb > 0 && layout.has("memory")) {
    cg->memory_limit_mb_ = limits.memory_limit_mb;
    err = set("memory", layout.unified ? "memory.max" : "memory.limit_in_bytes",
              limits.memory_limit_mb << 20, 1 << 20);
  }
  // A pooled cgroup keeps what its last task set: shares are written for
  // every task that takes one.
  if (err.empty() && (limits.cpu_cores > 0 || cg->taken_) &&
      layout.has("cpu")) {
    if (layout.unified)
      err = set("cpu", "cpu.weight",
                std::clamp<std::int64_t>(std::llround(100 * limits.cpu_cores),
                                         1, 10000),
                0);
    else
      err = set(
          "cpu", "cpu.shares",
          limits.cpu_cores > 0
              ? std::max<std::int64_t>(2, std::llround(1024 * limits.cpu_cores))
              : 1024,
          0);
  }
  if (err.empty() && cg->taken_ && layout.has("cpuacct")) {
    // What earlier tasks used stays in the counter: this task's usage is
    // what it adds.
    auto path = cg->dir_of("cpuacct") + "/cpuacct.usage";
    if (auto v = read_integer(path))
      cg->cpu_baseline_ns_ = *v;
    else
      err = "cannot read the CPU time of a pooled cgroup from " + path;
  }
  if (err.empty() && layout.options.pids_max > 0 && layout.has("pids"))
    err = set("pids", "pids.max", layout.options.pids_max, 0);
  if (!err.empty()) return fail(err);
  return cg;
}

std::vector<pid_t> task_cgroup::pids() const {
  std::vector<pid_t> out;
  std::string text;
  for (const auto& path : procs_files_) {
    if (!read_text(path, text)) continue;
    std::size_t start = 0;
    while (start < text.size()) {
      auto end = text.find('\n', start);
      if (end == std::string::npos) end = text.size();
      if (end > start) {
        try {
          out.push_back(
              static_cast<pid_t>(std::stol(text.substr(start, end - start))));
        } catch (...) {
        }
      }
      start = end + 1;
    }
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

bool task_cgroup::empty() const {
  for (const auto& path : procs_files_) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) continue;  // gone: empty
    char c;
    auto n = ::read(fd, &c, 1);
    ::close(fd);
    if (n == 1) return false;
  }
  return true;
}

bool task_cgroup::freeze(bool on, std::int64_t now_ms) {
  freeze_started_ms_ = on ? now_ms : -1;
  if (layout_.unified)
    return write_text(dirs_[0] + "/cgroup.freeze", on ? "1" : "0",
                      layout_.fs) == 0;
  return write_text(dir_of("freezer") + "/freezer.state",
                    on ? "FROZEN" : "THAWED", layout_.fs) == 0;
}

bool task_cgroup::frozen() const {
  if (layout_.fs == cgroup_fs::fake) return true;
  if (layout_.unified)
    return read_keyed(dirs_[0] + "/cgroup.events", "frozen").value_or(0) == 1;
  std::string state;
  read_text(dir_of("freezer") + "/freezer.state", state, 64);
  return state.rfind("FROZEN", 0) == 0;
}

task_cgroup::signal_result task_cgroup::signal_all(int sig,
                                                   std::int64_t now_ms) {
  if (dirs_.empty() || removed_) return signal_result::done;
  if (layout_.unified && sig == SIGKILL &&
      write_text(dirs_[0] + "/cgroup.kill", "1", layout_.fs) == 0)
    return signal_result::done;  // atomic: no pid is read, none reused
  auto signal_listed = [&] {
    const pid_t self = ::getpid();
    for (pid_t pid : pids())
      if (pid > 1 && pid != self) ::kill(pid, sig);
  };
  if (layout_.unified || layout_.has("freezer")) {
    if (freeze_started_ms_ < 0) {
      if (!freeze(true, now_ms)) {
        // The freezer cannot be used: fall back as without one.
        freeze_started_ms_ = -1;
        if (!layout_.options.kill_without_freezer)
          return signal_result::unsupported;
        signal_listed();
        return signal_result::done;
      }
    }
    if (!frozen()) {
      if (now_ms - freeze_started_ms_ > freeze_timeout_ms)
        freeze(false, now_ms);
      return signal_result::pending;
    }
    // Frozen: no process can fork, exit or be reaped, so no pid read here
    // can be reused before the signal lands.
    signal_listed();
    freeze(false, now_ms);
    return signal_result::done;
  }
  if (!layout_.options.kill_without_freezer) return signal_result::unsupported;
  signal_listed();
  return signal_result::done;
}

std::string remove_cgroup_dirs(cgroup_fs fs,
                               const std::vector<std::string>& dirs) {
  std::string err;
  for (const auto& dir : dirs) {
    if (fs == cgroup_fs::fake) {
      std::error_code ec;
      std::filesystem::remove_all(dir, ec);
      if (ec) err += (err.empty() ? "" : "; ") + dir + ": " + ec.message();
      continue;
    }
    if (::rmdir(dir.c_str()) != 0 && errno != ENOENT)
      err += (err.empty() ? "cannot remove " : "; ") + dir + ": " +
             errno_text(errno);
  }
  return err;
}

std::string task_cgroup::remove() {
  std::string err;
  if (pool_ && !given_back_) given_back_ = pool_->give_back(name_);
  std::vector<std::string> dirs;
  for (std::size_t i = 0; i < dirs_.size(); ++i)
    if (!given_back_ || !pool_->pools(i)) dirs.push_back(dirs_[i]);
  // A taken entry not given back is removed whole, also where a make
  // failed before its directories were listed.
  if (taken_ && !given_back_)
    for (auto& dir : pool_->dirs_named(name_))
      if (std::find(dirs.begin(), dirs.end(), dir) == dirs.end())
        dirs.push_back(std::move(dir));
  err = remove_cgroup_dirs(layout_.fs, dirs);
  removed_ = err.empty();
  return err;
}

std::int64_t task_cgroup::oom_kills() const {
  auto dir = dir_of("memory");
  if (dir.empty() || !layout_.has("memory")) return 0;
  return read_keyed(
             dir + (layout_.unified ? "/memory.events" : "/memory.oom_control"),
             "oom_kill")
      .value_or(0);
}

cgroup_usage task_cgroup::usage() const {
  cgroup_usage u;
  if (layout_.has("memory")) {
    auto dir = dir_of("memory");
    u.memory_bytes =
        read_integer(dir + (layout_.unified ? "/memory.current"
                                            : "/memory.usage_in_bytes"))
            .value_or(-1);
    u.memory_peak_bytes =
        read_integer(dir + (layout_.unified ? "/memory.peak"
                                            : "/memory.max_usage_in_bytes"))
            .value_or(-1);
  }
  if (layout_.unified) {
    if (auto us = read_keyed(dirs_[0] + "/cpu.stat", "usage_usec"))
      u.cpu_time_ns = *us * 1000;
  } else if (layout_.has("cpuacct")) {
    if (auto ns = read_integer(dir_of("cpuacct") + "/cpuacct.usage"))
      u.cpu_time_ns = std::max<std::int64_t>(0, *ns - cpu_baseline_ns_);
  }
  return u;
}

std::unique_ptr<task_cgroup> task_cgroup::adopt(const cgroup_layout& layout,
                                                const std::string& name) {
  std::unique_ptr<task_cgroup> cg{new task_cgroup};
  cg->layout_ = layout;
  cg->name_ = name;
  for (const auto& slice : layout.slice_dirs) {
    auto dir = slice + "/" + name;
    cg->dirs_.push_back(dir);
    cg->procs_files_.push_back(dir + "/cgroup.procs");
    cg->join_files_.push_back(layout.unified ? cg->procs_files_.back()
                                             : dir + "/tasks");
  }
  return cg;
}

cgroup_cleanup clean_leftover_cgroups(const cgroup_layout& layout,
                                      const std::string& prefix,
                                      std::int64_t timeout_ms) {
  cgroup_cleanup out;
  std::vector<std::string> names;
  for (const auto& slice : layout.slice_dirs) {
    DIR* d = ::opendir(slice.c_str());
    if (!d) continue;
    while (auto* e = ::readdir(d)) {
      std::string n = e->d_name;
      if (n.rfind(prefix, 0) == 0 && is_dir(slice + "/" + n))
        names.push_back(n);
    }
    ::closedir(d);
  }
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  auto now = [] {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
  };
  for (const auto& n : names) {
    auto cg = task_cgroup::adopt(layout, n);
    const auto deadline = now() + timeout_ms;
    while (!cg->empty() && now() < deadline) {
      // These are ours and their worker is gone: without a freezer they
      // are killed by pid all the same.
      if (cg->signal_all(SIGKILL, now()) ==
          task_cgroup::signal_result::unsupported)
        for (pid_t pid : cg->pids())
          if (pid > 1 && pid != ::getpid()) ::kill(pid, SIGKILL);
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    if (!cg->empty()) {
      out.errors.push_back("cgroup " + n + " under " + layout.slice_dirs[0] +
                           " still has processes after " +
                           std::to_string(timeout_ms) + " ms");
      continue;
    }
    auto err = cg->remove();
    if (err.empty()) {
      for (const auto& dir : cg->dirs()) out.removed.push_back(dir);
    } else {
      out.errors.push_back(err);
    }
  }
  return out;
}

std::vector<std::string> pipe_holders(int fd) {
  std::vector<std::string> out;
  struct stat st;
  if (fd < 0 || ::fstat(fd, &st) != 0 || !S_ISFIFO(st.st_mode)) return out;
  const auto target = "pipe:[" + std::to_string(st.st_ino) + "]";
  const auto self = std::to_string(::getpid());
  DIR* proc = ::opendir("/proc");
  if (!proc) return out;
  while (auto* e = ::readdir(proc)) {
    std::string pid = e->d_name;
    if (pid.empty() ||
        pid.find_first_not_of("0123456789") != std::string::npos || pid == self)
      continue;
    auto fd_dir = "/proc/" + pid + "/fd";
    DIR* fds = ::opendir(fd_dir.c_str());
    if (!fds) continue;
    bool holds = false;
    char link[64];
    while (auto* f = ::readdir(fds)) {
      if (f->d_name[0] == '.') continue;
      auto n = ::readlink((fd_dir + "/" + f->d_name).c_str(), link,
                          sizeof(link) - 1);
      if (n > 0 &&
          std::string_view(link, static_cast<std::size_t>(n)) == target) {
        holds = true;
        break;
      }
    }
    ::closedir(fds);
    if (!holds) continue;
    std::string comm;
    read_text("/proc/" + pid + "/comm", comm, 64);
    while (!comm.empty() && comm.back() == '\n') comm.pop_back();
    out.push_back(pid + " (" + comm + ")");
  }
  ::closedir(proc);
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace bistro
