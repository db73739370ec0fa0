// How a worker runs and stops a task's process: `task_subprocess` and
// `kill_subprocess`, as the config states them and as a run order carries
// them to a worker (actors/protocol/messages.hpp sends these very structs,
// with inspect() overloads of its own).
//
// Plain values: copy freely, share nothing. Header-only and free of any
// project include, so that the protocol can carry these types and still
// link nothing but CAF. No CAF include.
#pragma once

#include <cstdint>

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
  friend bool operator==(const task_subprocess_options&,
                         const task_subprocess_options&) = default;
};

}  // namespace bistro
