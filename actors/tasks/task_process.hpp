// One running task process: started with its argv, cwd and a status pipe
// (argv[2] is "/dev/fd/3", so `echo done > "$2"` works), stdout and stderr
// captured line by line under the job's output limits, reaped without
// blocking, killed on request with the job's kill method.
//
// With cgroups (task_launch::cgroups) the child joins the task's cgroups
// between vfork and exec, before any code of the task runs; every signal
// then reaches every process of the task (task_cgroup.hpp), what is left
// when the task's process exits is killed, and the task is over when its
// cgroups are empty, whoever holds its pipes. Without cgroups, a killed
// task whose descendants hold its status pipe is reported (take_notices),
// naming them, until they let go.
//
// Plain logic, no CAF include. Not thread-safe: one owner calls `poll`
// every `poll_ms` (the worker's supervisor thread). That owner's thread
// must outlive the task, because Linux delivers the parent-death signal
// when the *thread* that started the child exits.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "actors/jobs/task_status.hpp"
#include "actors/tasks/cgroup_pool.hpp"
#include "actors/tasks/task_cgroup.hpp"
#include "config/config.hpp"

namespace bistro {

/// What to start.
struct task_launch {
  /// The program and its arguments, before the node, status path and JSON
  /// argument that `start` appends.
  std::vector<std::string> command;
  std::string node;
  std::string json_arg;
  /// Working directory; created (with parents) when missing.
  std::string cwd;
  task_subprocess_options options;
  /// When set, the task runs in its own cgroups `cgroup_name` under these,
  /// with these limits.
  std::shared_ptr<const cgroup_layout> cgroups;
  std::string cgroup_name;
  task_cgroup_limits cgroup_limits;
  /// The worker's pool of `cgroups` (v1 `cpu`, `cpuacct`), or null: the
  /// task's cgroups there are taken from it and go back to it.
  std::shared_ptr<cgroup_pool> pooled_cgroups;

  /// The full command line: `command`, then the node, the status path the
  /// task writes to, and the JSON argument.
  std::vector<std::string> argv() const;
};

/// One captured line of output.
struct task_output_line {
  enum stream_kind : std::uint8_t { out = 1, err = 2 };
  stream_kind stream;
  std::string text;  // without the newline; cut at max_log_line_bytes
};

class task_process {
 public:
  /// Lines longer than this are cut (the rest of the line is dropped).
  static constexpr std::size_t max_log_line_bytes = 64 * 1024;
  /// A status longer than this is an error, not a status.
  static constexpr std::size_t max_status_bytes = 4 * 1024 * 1024;

  /// Starts the process, or returns why it could not start (naming the
  /// program and the errno).
  static std::variant<std::unique_ptr<task_process>, std::string> start(
      const task_launch& launch);

  ~task_process();
  task_process(const task_process&) = delete;
  task_process& operator=(const task_process&) = delete;

  pid_t pid() const { return pid_; }

  /// The descriptor that becomes readable when the task may have ended: a
  /// pidfd of its process, or without one (a kernel before 5.3) its status
  /// pipe; -1 when neither. Valid until `poll` returns true; for an event
  /// loop to wake the owner. A status written while the process lives
  /// ends nothing, so it wakes nobody. `once`: its first event is all it
  /// has to tell (a pidfd also reports the reaping, since Linux 6.9, which
  /// would wake the owner for nothing).
  struct wake_source {
    int fd = -1;
    bool once = false;
  };
  wake_source wake_fd() const;

  /// With the canary, after `poll` saw the process exit while descendants
  /// still hold the status pipe: the pipe, to watch for the hang-up that
  /// ends the task. Once; -1 otherwise.
  int take_late_wake_fd();

  /// Reads what is ready on the pipes without blocking, appending at most
  /// `max_log_lines_per_poll_interval` lines and
  /// `max_log_bytes_per_poll_interval` bytes of line text per stream in
  /// each `poll_ms` window of `now_ms`, however often it is called (<= 0:
  /// no limit; what is left waits in the pipe, so a flooding task blocks,
  /// not us). Once the run's lines would pass `max_log_bytes_per_task`,
  /// the rest of its output is read and dropped (so the task runs on), and
  /// the poll that finishes the task appends one stderr line that says how
  /// many bytes were dropped and why. Also reaps the process if it exited
  /// and escalates a pending kill. Returns true once the task is finished:
  /// the process exited and, with `use_canary_pipe`, every holder of the
  /// status pipe closed it.
  bool poll(std::int64_t now_ms, std::vector<task_output_line>& out);

  /// Starts killing the task with `how`; `poll` sends SIGKILL when
  /// term_wait_kill's wait has passed.
  void kill(const kill_request& how, std::int64_t now_ms);
  bool kill_requested() const { return kill_requested_; }

  /// After `poll` returned true: the task's status by the getting-started
  /// rule (exactly one line), or the error that stands in for it.
  parsed_status status() const;

  /// What the task wrote to its status pipe so far, as written.
  const std::string& raw_status() const { return status_text_; }

  /// Exit code, or -signal when killed by a signal; set once reaped.
  std::optional<int> exit_code() const { return exit_code_; }

  /// Bytes of line text kept so far, both streams.
  std::int64_t kept_bytes() const { return kept_bytes_; }

  /// The task's cgroups, or null without.
  const task_cgroup* cgroup() const { return cgroup_.get(); }
  /// Memory and CPU use from the cgroups (all -1 without); once finished,
  /// as measured just before the cgroups were removed.
  cgroup_usage usage() const;

  /// What the owner should log about the task since the last call (a
  /// killed task that lingers, naming its processes; a cgroup that could
  /// not be removed).
  std::vector<std::string> take_notices();

 private:
  /// One of stdout and stderr.
  struct output_stream {
    explicit output_stream(task_output_line::stream_kind k) : kind(k) {}
    task_output_line::stream_kind kind;
    int fd = -1;
    std::string buffer;  // read, not yet a whole line
    /// A line was cut: what is left of it, up to its newline, is dropped.
    bool in_cut_line = false;
    /// What is left of the current window (< 0: no limit).
    std::int64_t lines_left = 0, bytes_left = 0;
    /// Read and not kept: over max_log_bytes_per_task.
    std::int64_t dropped_bytes = 0;
  };
  enum class take_result { kept, wait, dropped };

  task_process() = default;
  void signal_task(int sig, std::int64_t now_ms);
  /// With cgroups, once the process was reaped: kills what is left and
  /// finishes when the cgroups are empty and the pipes read.
  bool finish_contained(std::int64_t now_ms, std::vector<task_output_line>& out,
                        bool out_done, bool err_done);
  /// Closes a stream nobody writes to any more (its data read), keeping its
  /// last unended line; false while the window holds lines back.
  bool close_idle(output_stream& s, std::vector<task_output_line>& out);
  /// After a kill, while the exited task's status pipe is held: a notice
  /// naming the holders, every linger_report_ms.
  void report_lingering(std::int64_t now_ms);
  /// Moves whole lines from the pipe to `out` while the window allows;
  /// true once the stream is over.
  bool drain(output_stream& s, std::vector<task_output_line>& out);
  /// Keeps `line` (cut to cut_bytes_) if the window and the run's total
  /// allow it; over the total, switches to dropping.
  take_result take(output_stream& s, std::string_view line,
                   std::vector<task_output_line>& out);
  /// Past the run's total: reads and counts, keeps nothing.
  bool discard(output_stream& s);
  /// Once, when the task finishes: the line that says what was dropped.
  void tell_dropped(std::vector<task_output_line>& out);
  void read_status_pipe();

  pid_t pid_ = -1;
  bool group_leader_ = false;
  bool use_canary_ = true;
  std::int64_t max_lines_ = 50;
  std::int64_t max_window_bytes_ = 64 * 1024;
  std::int64_t max_task_bytes_ = 64 * 1024 * 1024;
  /// Lines are cut to this: a longer one could never fit in a window.
  std::size_t cut_bytes_ = max_log_line_bytes;
  std::int64_t poll_ms_ = 10;
  /// The rate limit's current window.
  std::int64_t window_end_ms_ = 0;
  output_stream out_{task_output_line::out};
  output_stream err_{task_output_line::err};
  std::int64_t kept_bytes_ = 0;
  bool dropping_ = false;
  bool drop_told_ = false;
  int status_fd_ = -1;
  int exit_fd_ = -1;  // pidfd: readable once the process exited
  bool has_pidfd_ = false;
  bool late_wake_taken_ = false;
  std::string status_text_;
  bool status_overflow_ = false;
  std::optional<int> exit_code_;
  bool kill_requested_ = false;
  std::optional<std::int64_t> sigkill_at_ms_;
  std::unique_ptr<task_cgroup> cgroup_;
  /// A signal waiting for the cgroup's freeze to finish; 0 = none.
  int pending_signal_ = 0;
  /// When the leftovers of an exited task were last sent SIGKILL.
  std::optional<std::int64_t> leftover_kill_ms_;
  std::optional<std::int64_t> exited_ms_;
  std::int64_t next_linger_report_ms_ = 0;
  std::int64_t oom_kills_ = 0;
  std::optional<cgroup_usage> final_usage_;
  std::vector<std::string> notices_;
};

}  // namespace bistro
