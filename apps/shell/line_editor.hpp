// bistro_shell's prompt: libedit (BSD-licensed, through its readline
// interface) gives line editing, a history saved to a file after every
// line, and tab completion through a callback that gets the line before
// the word and the word.
//
// Thread contract: one line_editor at a time (libedit's readline state is
// global), used from the shell's main thread only.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace bistro::shell {

using completer = std::function<std::vector<std::string>(
    std::string_view before, std::string_view word)>;

class line_editor {
 public:
  /// Reads `history_path` if it exists ("" = keep no history).
  line_editor(std::string history_path, completer complete);
  ~line_editor();
  line_editor(const line_editor&) = delete;
  line_editor& operator=(const line_editor&) = delete;

  /// One line without its newline; nullopt at end of input (Ctrl-D).
  /// Lines that are not blank go to the history, saved at once.
  std::optional<std::string> read_line(const std::string& prompt);

 private:
  std::string history_path_;
};

/// $HOME/.bistro_shell_history, or "" when $HOME is not set.
std::string default_history_path();

}  // namespace bistro::shell
