// The cgroups of one task: made before the task starts (the child joins
// them between vfork and exec, task_process.cpp), limited (memory, CPU,
// pids), signaled as a whole (freeze, signal, thaw; or cgroup.kill on v2),
// watched until empty, sampled for usage, and removed.
//
// A `cgroup_layout` is a checked `task_subprocess.cgroups`: which version,
// which directories hold the task cgroups. `clean_leftover_cgroups` kills
// and removes task cgroups a previous worker left behind. With a
// cgroup_pool, a task's v1 `cpu` and `cpuacct` cgroups are taken from the
// pool and given back to it instead of made and removed (cgroup_pool.hpp).
//
// Plain logic, no CAF include. Not thread-safe: one owner (the task's
// task_process, on the worker's thread) uses a task_cgroup.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "config/cgroup_settings.hpp"

namespace bistro {

class cgroup_pool;

/// Real cgroup file systems, or plain directories standing in for one
/// (tests): control files are then created on first write, and the file
/// system type is not checked.
enum class cgroup_fs { real, fake };

/// Where a worker puts task cgroups, checked: every slice directory exists
/// (it is created when missing) on a cgroup file system and is writable.
struct cgroup_layout {
  cgroup_options options;
  cgroup_fs fs = cgroup_fs::real;
  /// `root` is a cgroup2 mount.
  bool unified = false;
  /// The directories task cgroups are made in: v1 `<root>/<sub>/<slice>`
  /// per subsystem (same order as options.subsystems), v2 one.
  std::vector<std::string> slice_dirs;
  bool has(const char* subsystem) const;
};

/// Checks `options` on this machine; an error names the path and why.
std::variant<cgroup_layout, std::string> open_cgroup_layout(
    const cgroup_options& options, cgroup_fs fs = cgroup_fs::real);

/// Memory and CPU use of a task's cgroups; -1 where not measured.
struct cgroup_usage {
  std::int64_t memory_bytes = -1;
  std::int64_t memory_peak_bytes = -1;
  std::int64_t cpu_time_ns = -1;
};

class task_cgroup {
 public:
  /// Makes `<slice dir>/<name>` in every slice dir and writes the limits
  /// (read back: a limit the kernel did not take is an error). On error
  /// nothing is left behind. With `pool` (of `layout`), the pooled
  /// hierarchies' cgroups are an idle entry of the pool renamed to `name`
  /// when it has one, with cpu.shares written whether the task asks for
  /// CPU or not (the kernel's default 1024 when not), and `remove` gives
  /// them back to the pool.
  static std::variant<std::unique_ptr<task_cgroup>, std::string> create(
      const cgroup_layout& layout, const std::string& name,
      const task_cgroup_limits& limits,
      std::shared_ptr<cgroup_pool> pool = nullptr);

  /// The cgroups `name` would have under `layout`, whether they exist or
  /// not (to clean up after an earlier worker).
  static std::unique_ptr<task_cgroup> adopt(const cgroup_layout& layout,
                                            const std::string& name);

  task_cgroup(const task_cgroup&) = delete;
  task_cgroup& operator=(const task_cgroup&) = delete;

  const std::string& name() const { return name_; }
  /// The task's cgroup directories.
  const std::vector<std::string>& dirs() const { return dirs_; }
  /// `<dir>/cgroup.procs` of each: what lists the task's processes.
  const std::vector<std::string>& procs_files() const { return procs_files_; }
  /// What the task's child writes "0" to, before exec, to join each: v1's
  /// per-thread `tasks` (the child is a single thread, so its whole
  /// process moves), v2's `cgroup.procs`. A thread moving itself spares
  /// v1 the global threadgroup lock a `cgroup.procs` write takes: in the v1
  /// `cpu` hierarchy a join took 1.8 ms through `cgroup.procs` and 0.5 ms
  /// through `tasks` (README, "The v1 `cpu` cost").
  const std::vector<std::string>& join_files() const { return join_files_; }
  std::int64_t memory_limit_mb() const { return memory_limit_mb_; }

  /// Processes in any of the task's cgroups (sorted, unique).
  std::vector<pid_t> pids() const;
  bool empty() const;

  enum class signal_result {
    done,        // every process was signaled
    pending,     // the freezer is still freezing: call again
    unsupported  // v1 without freezer nor kill_without_freezer
  };
  /// Signals every process of the task: SIGKILL on v2 through cgroup.kill;
  /// otherwise freeze, signal what cgroup.procs lists, thaw (the v1
  /// freezer, v2's cgroup.freeze); without a freezer only with
  /// kill_without_freezer (a pid may be reused between read and kill).
  signal_result signal_all(int sig, std::int64_t now_ms);

  /// Removes the (empty) cgroups, or gives the pooled ones back to the
  /// pool: "" or what could not be removed.
  std::string remove();
  bool removed() const { return removed_; }
  /// Its pooled cgroups were an idle entry of the pool.
  bool from_pool() const { return taken_; }

  /// Kills by the OOM killer in the memory cgroup so far.
  std::int64_t oom_kills() const;
  /// What this task used: a pooled `cpuacct` cgroup's usage counts from
  /// its value when the task took it, not from the cgroup's first task.
  cgroup_usage usage() const;

 private:
  task_cgroup() = default;
  std::string dir_of(const char* subsystem) const;
  bool freeze(bool on, std::int64_t now_ms);
  bool frozen() const;

  cgroup_layout layout_;
  std::string name_;
  std::vector<std::string> dirs_;
  std::vector<std::string> procs_files_;
  std::vector<std::string> join_files_;
  std::int64_t memory_limit_mb_ = 0;
  bool removed_ = false;
  /// The pool the pooled cgroups go back to; null without one, or while
  /// they are not all ours (a make failed half way).
  std::shared_ptr<cgroup_pool> pool_;
  bool taken_ = false;
  bool given_back_ = false;
  /// cpuacct.usage when the task took a pooled cgroup; 0 for a new one.
  std::int64_t cpu_baseline_ns_ = 0;
  /// A freeze in progress: since when, for which signal.
  std::int64_t freeze_started_ms_ = -1;
};

/// Kills every process of each task cgroup under `layout`'s slice dirs
/// whose name starts with `prefix`, waits up to `timeout_ms` for them to
/// go, and removes them. Returns the cleaned paths and, separately, what
/// could not be cleaned.
struct cgroup_cleanup {
  std::vector<std::string> removed;
  std::vector<std::string> errors;
};
cgroup_cleanup clean_leftover_cgroups(const cgroup_layout& layout,
                                      const std::string& prefix,
                                      std::int64_t timeout_ms);

/// Removes cgroup directories (rmdir; a fake tree's whole directory),
/// those already gone included: "" when all are gone, else what was not.
std::string remove_cgroup_dirs(cgroup_fs fs,
                               const std::vector<std::string>& dirs);

/// The processes that hold the pipe `fd` is one end of (by
/// /proc/<pid>/fd), each as "pid (comm)", without this process: for the
/// log when a killed task lingers without cgroups.
std::vector<std::string> pipe_holders(int fd);

}  // namespace bistro
