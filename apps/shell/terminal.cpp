#include "apps/shell/terminal.hpp"

#include <poll.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <cstdlib>
#include <string>

namespace bistro::shell {

namespace {

volatile std::sig_atomic_t stop_count = 0;

void on_stop_signal(int) { stop_count = stop_count + 1; }

std::size_t env_size(const char* name, std::size_t fallback) {
  const char* v = std::getenv(name);
  if (!v) return fallback;
  try {
    auto n = std::stoul(v);
    return n > 0 ? n : fallback;
  } catch (const std::exception&) {
    return fallback;
  }
}

struct sigaction saved_int {
}, saved_term{};

}  // namespace

terminal_size current_terminal_size() {
  terminal_size out{env_size("COLUMNS", 100), env_size("LINES", 24)};
  winsize ws{};
  if (::isatty(STDOUT_FILENO) && ::ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 &&
      ws.ws_col > 0) {
    out.width = ws.ws_col;
    if (ws.ws_row > 0) out.height = ws.ws_row;
  }
  return out;
}

bool stdin_is_terminal() { return ::isatty(STDIN_FILENO) == 1; }

raw_mode::raw_mode() {
  if (!stdin_is_terminal() || ::tcgetattr(STDIN_FILENO, &saved_) != 0) return;
  termios raw = saved_;
  raw.c_lflag &= ~static_cast<tcflag_t>(ICANON | ECHO | ISIG);
  raw.c_cc[VMIN] = 1;
  raw.c_cc[VTIME] = 0;
  active_ = ::tcsetattr(STDIN_FILENO, TCSANOW, &raw) == 0;
}

raw_mode::~raw_mode() {
  if (active_) ::tcsetattr(STDIN_FILENO, TCSANOW, &saved_);
}

stop_signals::stop_signals() {
  stop_count = 0;
  struct sigaction sa {};
  sa.sa_handler = on_stop_signal;
  sigemptyset(&sa.sa_mask);
  ::sigaction(SIGINT, &sa, &saved_int);
  ::sigaction(SIGTERM, &sa, &saved_term);
}

stop_signals::~stop_signals() {
  ::sigaction(SIGINT, &saved_int, nullptr);
  ::sigaction(SIGTERM, &saved_term, nullptr);
}

bool stop_signals::raised() const { return stop_count > 0; }

bool wait_key_or_stop(std::chrono::milliseconds timeout,
                      const stop_signals& stop) {
  // Short slices: a signal may land on another thread and not wake poll.
  constexpr auto slice = std::chrono::milliseconds(50);
  auto deadline = std::chrono::steady_clock::now() + timeout;
  bool terminal = stdin_is_terminal();
  while (!stop.raised()) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    auto wait = std::min(left, slice);
    if (!terminal) {
      ::poll(nullptr, 0, static_cast<int>(wait.count()));
      continue;
    }
    pollfd p{STDIN_FILENO, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(wait.count())) > 0) {
      char buf[64];
      (void)!::read(STDIN_FILENO, buf, sizeof(buf));
      return true;
    }
  }
  return true;
}

}  // namespace bistro::shell
