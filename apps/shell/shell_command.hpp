// bistro_shell's commands: a typed line parsed from what the user typed,
// and the one monitor request (actors/protocol/monitor.md) that answers
// it. The shell has no protocol of its own: every command becomes one JSON
// monitor request, with one entry per handler it needs.
//
// Plain functions of their arguments; no CAF, no I/O; thread-compatible.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace bistro::shell {

enum class command_kind {
  status,
  jobs,
  job,
  nodes,
  tasks,
  running,
  workers,
  logs,
  kill,
  kill_job,
  show_task,
  history,
  enable,
  disable,
  drain,
  undrain,
  forgive,
  top,
  help,
  quit,
};

/// One parsed command; fields a command does not take stay empty.
struct command {
  command_kind kind = command_kind::help;
  std::string job;   // job, logs, kill, forgive, show task, enable,
                     // disable; tasks and running --job
  std::string node;  // logs, kill, show task, history ("" = the job's history);
                     // running --node (a prefix)
  std::string worker;  // drain, undrain; running --worker
  std::string level;   // nodes ("" = every level)
  std::string prefix;  // nodes
  std::string state;   // tasks --state
  std::string log_type = "stdout";
  /// Rows to fetch and show; 0 = the command's default.
  std::int64_t limit = 0;
  /// logs --follow: keep polling for new lines.
  bool follow = false;
  /// top --count N: redraw N times, then stop (0 = until a key).
  std::int64_t count = 0;
};

/// A command, or what was wrong with the line.
struct parse_result {
  std::optional<command> cmd;
  std::string error;
};

/// Splits on blanks; "double" or 'single' quotes keep blanks in a word.
/// nullopt on an unterminated quote.
std::optional<std::vector<std::string>> split_words(std::string_view line);

/// Parses one line. An empty line is an error with an empty message.
parse_result parse_command(std::string_view line);

/// Every command name, for help and completion.
const std::vector<std::string>& command_names();

/// The help text: every command with its arguments.
std::string help_text();

/// Entry names inside a monitor request; `main` holds the command's answer.
inline constexpr std::string_view main_entry = "main";
/// tasks: job_summary counts, to say how many rows were left out.
/// forgive: job_summary of the job, to refuse unknown jobs.
inline constexpr std::string_view summary_entry = "summary";
/// top: the status handler beside running_tasks.
inline constexpr std::string_view status_entry = "status";
/// show task: the newest lines of its stdout and stderr.
inline constexpr std::string_view stdout_entry = "stdout";
inline constexpr std::string_view stderr_entry = "stderr";
/// show task: its run history (task_history).
inline constexpr std::string_view history_entry = "history";
/// How many of a task's newest log lines `show task` shows per stream.
inline constexpr std::int64_t show_task_log_lines = 10;

/// The JSON monitor request for `cmd` (not for help and quit).
std::string monitor_request(const command& cmd);

/// logs: a page of task_logs. Without `from_line_id`, the newest lines
/// (sorted newest first); with it, lines from that id on, oldest first
/// (how --follow polls).
std::string logs_request(const command& cmd,
                         std::optional<std::int64_t> from_line_id);

/// The request for completion: job names and node names at once.
std::string names_request();

/// The number of rows `cmd` shows by default.
std::int64_t default_limit(command_kind kind);

}  // namespace bistro::shell
