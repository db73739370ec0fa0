// How bistro_shell shows a monitor reply: one renderer per command turns
// the handler's JSON data (actors/protocol/monitor.md) into tables that fit
// the terminal, or prints the data itself as JSON (--json). A handler's
// error, or a job the scheduler does not know, fails the command.
//
// Plain functions of their arguments (time is passed in); no I/O;
// thread-compatible.
#pragma once

#include <boost/json.hpp>
#include <cstdint>
#include <string>
#include <string_view>

#include "apps/shell/shell_command.hpp"

namespace bistro::shell {

/// A monitor reply split into its entries.
struct monitor_reply {
  /// The request failed as a whole (not JSON, not an object).
  std::string error;
  boost::json::object entries;

  /// The data of one entry, or nullptr with `why` set to its error.
  const boost::json::value* data(std::string_view entry,
                                 std::string& why) const;
};

/// Never fails: a reply that is not a JSON object becomes an error.
monitor_reply parse_reply(std::string_view text);

struct view_options {
  /// Terminal columns.
  std::size_t width = 100;
  /// Terminal rows (top only).
  std::size_t height = 24;
  /// Now, in ms since the epoch: ages are relative to it.
  std::int64_t now_ms = 0;
};

/// What a command prints, or why it failed.
struct view_result {
  std::string text;
  std::string error;
};

/// Tables (or lines) for every command that sends a monitor request.
view_result render_reply(const command& cmd, const monitor_reply& reply,
                         const view_options& options);

/// --json: the main entry's data as one line of JSON (top: an object with
/// "status" and "running_tasks").
view_result render_reply_json(const command& cmd, const monitor_reply& reply);

/// logs: a task_logs page as "time  line" lines, oldest first.
/// `last_line_id` grows to the newest line id shown (for --follow).
view_result render_log_page(const monitor_reply& reply, bool newest_first,
                            std::int64_t& last_line_id);

/// top: one screen of status and running tasks, `options.height` lines at
/// most, headed by where the scheduler is.
view_result render_top(const monitor_reply& reply, const view_options& options,
                       std::string_view where);

}  // namespace bistro::shell
