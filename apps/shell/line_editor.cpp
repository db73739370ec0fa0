#include "apps/shell/line_editor.hpp"

// clang-format off
#include <cstdio>
#include <editline/readline.h>
// clang-format on

#include <cstdlib>
#include <cstring>

namespace bistro::shell {

namespace {

// libedit calls plain C functions: the one live editor's state.
completer* active_completer = nullptr;
std::vector<std::string> matches;
std::size_t next_match = 0;

char* generate(const char* /*text*/, int state) {
  if (state == 0) next_match = 0;
  if (next_match >= matches.size()) return nullptr;
  return ::strdup(matches[next_match++].c_str());
}

char** attempt(const char* text, int start, int /*end*/) {
  rl_attempted_completion_over = 1;  // never fall back to file names
  if (!active_completer) return nullptr;
  std::string_view line = rl_line_buffer ? rl_line_buffer : "";
  auto before =
      line.substr(0, std::min(line.size(), static_cast<std::size_t>(start)));
  matches = (*active_completer)(before, text);
  if (matches.empty()) return nullptr;
  return rl_completion_matches(text, generate);
}

}  // namespace

line_editor::line_editor(std::string history_path, completer complete)
    : history_path_(std::move(history_path)) {
  active_completer = new completer(std::move(complete));
  rl_readline_name = "bistro_shell";
  rl_attempted_completion_function = attempt;
  using_history();
  stifle_history(1000);
  if (!history_path_.empty()) read_history(history_path_.c_str());
}

line_editor::~line_editor() {
  rl_attempted_completion_function = nullptr;
  delete active_completer;
  active_completer = nullptr;
}

std::optional<std::string> line_editor::read_line(const std::string& prompt) {
  char* raw = readline(prompt.c_str());
  if (!raw) return std::nullopt;
  std::string line = raw;
  std::free(raw);
  if (line.find_first_not_of(" \t") != std::string::npos) {
    add_history(line.c_str());
    if (!history_path_.empty()) write_history(history_path_.c_str());
  }
  return line;
}

std::string default_history_path() {
  const char* home = std::getenv("HOME");
  if (!home || !*home) return {};
  return std::string{home} + "/.bistro_shell_history";
}

}  // namespace bistro::shell
