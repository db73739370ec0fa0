// How a worker runs and stops a task's process: `task_subprocess` (with
// its `cgroups`) and `kill_subprocess`, as the config states them and as a
// run order carries them to a worker (actors/protocol/messages.hpp sends these
// very structs, with inspect() overloads of its own).
//
// Plain values: copy freely, share nothing. Header-only and free of any
// project include, so that the protocol can carry these types and still
// link nothing but CAF. No CAF include.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace bistro {

/// How a task's process is killed (`kill_subprocess.method`). Sent to
/// workers: never renumber, only append.
enum class kill_method : std::uint8_t { term, term_wait_kill, kill };

struct kill_request {
  kill_method method = kill_method::term_wait_kill;
  /// For term_wait_kill: ms between SIGTERM and SIGKILL.
  std::int64_t kill_wait_ms = 5000;
  friend bool operator==(const kill_request&, const kill_request&) = default;
};

/// `task_subprocess.cgroups`. On when `subsystems` is not empty.
///
/// cgroup v1 (`root` holds one hierarchy per subsystem): a task's cgroups
/// are `<root>/<subsystem>/<slice>/<task>`, one per subsystem.
/// cgroup v2 (`root` is itself a cgroup2 mount, it has cgroup.controllers):
/// one cgroup `<root>/<slice>/<task>`; `subsystems` names the controllers
/// to set limits with (memory, cpu, pids must be enabled in the slice's
/// parent), while `freezer` and `cpuacct` name v2's core files
/// (cgroup.freeze, cpu.stat) and need no controller.
struct cgroup_options {
  std::string root = "/sys/fs/cgroup";
  std::string slice;
  std::vector<std::string> subsystems;
  /// v1 without the freezer: signal the processes read from cgroup.procs
  /// anyway (a pid may be reused between the read and the kill).
  bool kill_without_freezer = false;
  /// pids.max of each task's cgroup when `pids` is a subsystem; 0 = none.
  std::int64_t pids_max = 0;

  bool enabled() const { return !subsystems.empty(); }
  friend bool operator==(const cgroup_options&,
                         const cgroup_options&) = default;
};

/// `task_subprocess`: how the worker supervises a task's process.
struct task_subprocess_options {
  std::int64_t poll_ms = 10;
  std::int64_t max_log_lines_per_poll_interval = 50;
  /// Line bytes kept per stream in each poll_ms window; what is over waits
  /// in the pipe (the task blocks). A longer line is cut to this. 0 = none.
  std::int64_t max_log_bytes_per_poll_interval = 64 * 1024;
  /// Line bytes kept of one run, both streams together; what is over is
  /// read and dropped (the task runs on), and one line says so. 0 = none.
  std::int64_t max_log_bytes_per_task = 64 * 1024 * 1024;
  std::int64_t parent_death_signal = 9;
  bool process_group_leader = false;
  bool use_canary_pipe = true;
  /// Each task in its own cgroups (config/cgroup_settings.hpp reads them).
  cgroup_options cgroups;
  friend bool operator==(const task_subprocess_options&,
                         const task_subprocess_options&) = default;
};

}  // namespace bistro
