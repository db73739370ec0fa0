// The few terminal facts bistro_shell needs beyond line editing: the
// terminal's size, a raw mode (no echo, no line buffering, Ctrl-C as a
// key) while a live view waits for a key, and that wait. Line editing
// itself is libedit's (line_editor.hpp).
//
// Thread contract: the shell's main thread only; raw_mode restores the
// terminal when it goes out of scope.
#pragma once

#include <termios.h>

#include <chrono>
#include <cstddef>

namespace bistro::shell {

struct terminal_size {
  std::size_t width = 100;
  std::size_t height = 24;
};

/// Of stdout when it is a terminal, else $COLUMNS/$LINES, else 100x24.
terminal_size current_terminal_size();

/// True when stdin is a terminal: live views then stop on a key.
bool stdin_is_terminal();

/// Puts a terminal stdin into raw mode for its lifetime; does nothing
/// when stdin is not a terminal.
class raw_mode {
 public:
  raw_mode();
  ~raw_mode();
  raw_mode(const raw_mode&) = delete;
  raw_mode& operator=(const raw_mode&) = delete;

 private:
  bool active_ = false;
  termios saved_{};
};

/// Counts SIGINT and SIGTERM while alive, instead of dying of them: how a
/// live view on a stdin that is not a terminal is stopped.
class stop_signals {
 public:
  stop_signals();
  ~stop_signals();
  stop_signals(const stop_signals&) = delete;
  stop_signals& operator=(const stop_signals&) = delete;
  bool raised() const;
};

/// Waits up to `timeout` for a key on a terminal stdin and consumes it
/// (true), or for a stop signal (true); false when the time is up.
bool wait_key_or_stop(std::chrono::milliseconds timeout,
                      const stop_signals& stop);

}  // namespace bistro::shell
