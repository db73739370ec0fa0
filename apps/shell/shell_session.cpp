#include "apps/shell/shell_session.hpp"

#include <unistd.h>

#include <ostream>

#include "apps/shell/terminal.hpp"

namespace bistro::shell {

namespace {

std::int64_t wall_ms_now() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

view_options current_view() {
  auto size = current_terminal_size();
  return {size.width, size.height, wall_ms_now()};
}

}  // namespace

shell_session::shell_session(request_target& connection,
                             session_options options, std::ostream& out,
                             std::ostream& err)
    : connection_(connection), options_(options), out_(out), err_(err) {}

std::optional<monitor_reply> shell_session::ask(const std::string& request) {
  auto outcome = connection_.ask(request);
  for (const auto& n : held_notices_) err_ << n << '\n';
  held_notices_.clear();
  for (const auto& n : outcome.notices) err_ << n << '\n';
  if (!outcome.ok()) {
    err_ << "error: " << outcome.error << '\n';
    return std::nullopt;
  }
  return parse_reply(outcome.reply);
}

int shell_session::show(const view_result& view) {
  if (!view.error.empty()) {
    err_ << "error: " << view.error << '\n';
    return exit_failed;
  }
  out_ << view.text << std::flush;
  return exit_ok;
}

int shell_session::run_line(std::string_view line) {
  auto parsed = parse_command(line);
  if (!parsed.cmd) {
    if (parsed.error.empty()) return exit_ok;  // a blank line
    err_ << "error: " << parsed.error << '\n';
    return exit_failed;
  }
  return run(*parsed.cmd);
}

int shell_session::run(const command& cmd) {
  switch (cmd.kind) {
    case command_kind::help:
      out_ << help_text() << std::flush;
      return exit_ok;
    case command_kind::quit:
      quit_ = true;
      return exit_ok;
    case command_kind::logs:
      return logs(cmd);
    case command_kind::top:
      return top(cmd);
    default:
      break;
  }
  auto reply = ask(monitor_request(cmd));
  if (!reply) return exit_unreachable;
  return show(options_.json ? render_reply_json(cmd, *reply)
                            : render_reply(cmd, *reply, current_view()));
}

int shell_session::logs(const command& cmd) {
  auto reply = ask(logs_request(cmd, std::nullopt));
  if (!reply) return exit_unreachable;
  std::int64_t last = -1;
  auto page = render_log_page(*reply, true, last);
  if (!page.error.empty() || options_.json) {
    if (auto rc = show(options_.json ? render_reply_json(cmd, *reply) : page))
      return rc;
  } else {
    if (page.text.empty() && !cmd.follow)
      page.text = "no " + cmd.log_type + " lines for " + cmd.job + " on " +
                  cmd.node + "\n";
    show(page);
  }
  if (!cmd.follow) return exit_ok;
  raw_mode raw;
  stop_signals stop;
  if (stdin_is_terminal())
    err_ << "following " << cmd.log_type << " of " << cmd.job << " on "
         << cmd.node << "; press any key to stop\n";
  while (!wait_key_or_stop(options_.refresh, stop)) {
    reply = ask(logs_request(cmd, last + 1));
    if (!reply) return exit_unreachable;
    auto before = last;
    page = render_log_page(*reply, false, last);
    if (!page.error.empty()) return show(page);
    if (last == before) continue;
    if (auto rc = show(options_.json ? render_reply_json(cmd, *reply) : page))
      return rc;
  }
  return exit_ok;
}

int shell_session::top(const command& cmd) {
  raw_mode raw;
  stop_signals stop;
  bool redraw = ::isatty(STDOUT_FILENO) == 1 && !options_.json;
  for (std::int64_t n = 1;; ++n) {
    auto reply = ask(monitor_request(cmd));
    if (!reply) return exit_unreachable;
    auto view = current_view();
    auto screen = options_.json ? render_reply_json(cmd, *reply)
                                : render_top(*reply, view, connection_.where());
    if (!screen.error.empty()) return show(screen);
    // Home and clear, then the screen; raw mode needs \r\n.
    if (redraw) {
      std::string text = "\033[H\033[2J";
      for (char c : screen.text)
        text += c == '\n' ? std::string{"\r\n"} : std::string{c};
      screen.text = text;
    }
    show(screen);
    if (cmd.count > 0 && n >= cmd.count) break;
    if (wait_key_or_stop(options_.refresh, stop)) break;
  }
  return exit_ok;
}

std::vector<std::string> shell_session::complete(std::string_view before,
                                                 std::string_view word) {
  auto now = std::chrono::steady_clock::now();
  bool needs_names =
      !split_words(before).value_or(std::vector<std::string>{}).empty();
  if (needs_names && (!names_at_ || now - *names_at_ > options_.names_ttl)) {
    // Completion stays quiet: no names is better than an error mid-line.
    auto outcome = connection_.ask(names_request());
    for (auto& n : outcome.notices) held_notices_.push_back(std::move(n));
    if (outcome.ok()) {
      names_ = parse_names(parse_reply(outcome.reply));
      names_at_ = now;
    }
  }
  return shell::complete(before, word, names_);
}

}  // namespace bistro::shell
