// One bistro_shell session: runs command lines against a scheduler
// connection and prints the answers (tables, or JSON with --json) to `out`
// and every error to `err`. Live commands (top, logs --follow) redraw or
// poll once a second until a key, a stop signal or their --count. Job and
// node names for completion are fetched from the scheduler and kept for a
// few seconds.
//
// Thread contract: the shell's main thread only (it owns the connection,
// which blocks for at most its timeouts).
#pragma once

#include <chrono>
#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "apps/shell/completion.hpp"
#include "apps/shell/reply_view.hpp"
#include "apps/shell/request_target.hpp"
#include "apps/shell/shell_command.hpp"

namespace bistro::shell {

/// run_line's exit codes, as bistro_shell -c returns them.
inline constexpr int exit_ok = 0;
inline constexpr int exit_failed = 1;  // bad command, or the scheduler said no
inline constexpr int exit_unreachable = 3;  // no answer from the scheduler

struct session_options {
  bool json = false;
  /// How long completion names stay fresh.
  std::chrono::milliseconds names_ttl{5000};
  /// top's redraw and logs --follow's poll period.
  std::chrono::milliseconds refresh{1000};
};

class shell_session {
 public:
  shell_session(request_target& connection, session_options options,
                std::ostream& out, std::ostream& err);

  /// Runs one command line (a blank line does nothing).
  int run_line(std::string_view line);

  /// `quit` was run.
  bool quit_requested() const { return quit_; }

  /// Completion candidates for `word` after `before`.
  std::vector<std::string> complete(std::string_view before,
                                    std::string_view word);

 private:
  /// Sends one request; nullopt (error printed) when there is no answer.
  std::optional<monitor_reply> ask(const std::string& request);
  int run(const command& cmd);
  int logs(const command& cmd);
  int top(const command& cmd);
  int show(const view_result& view);

  request_target& connection_;
  session_options options_;
  std::ostream& out_;
  std::ostream& err_;
  bool quit_ = false;
  completion_names names_;
  std::optional<std::chrono::steady_clock::time_point> names_at_;
  /// Notices that completion met: said before the next command's output.
  std::vector<std::string> held_notices_;
};

}  // namespace bistro::shell
