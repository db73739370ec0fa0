#include "apps/flags_common.hpp"

#include <signal.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <caf/io/middleman.hpp>
#include <chrono>
#include <sstream>
#include <thread>

namespace bistro {

std::string host_name() {
  char buf[256] = {};
  if (::gethostname(buf, sizeof(buf) - 1) != 0) return "localhost";
  return buf;
}

std::vector<std::string> split_command(const std::string& command) {
  std::vector<std::string> argv;
  std::istringstream in(command);
  for (std::string word; in >> word;) argv.push_back(word);
  return argv;
}

bool set_log_level(const std::string& level) {
  auto parsed = spdlog::level::from_str(level);
  if (parsed == spdlog::level::off && level != "off") return false;
  spdlog::set_level(parsed);
  spdlog::set_pattern("%Y-%m-%d %H:%M:%S.%e %^%l%$ %v");
  return true;
}

void set_thread_count(caf::actor_system_config& cfg) {
  auto cores = std::max(2u, std::thread::hardware_concurrency());
  cfg.set("scheduler.max-threads", static_cast<size_t>(cores));
  // CAF 0.17's idle workers poll their queues instead of waiting on a
  // condition: first spinning, then sleeping 50 us, then 10 ms (the
  // "relaxed" phase), which delays every message to an idle system by up
  // to 10 ms. Spin less, and cap the idle sleep at 1 ms.
  cfg.set("work-stealing.aggressive-poll-attempts", size_t{10});
  cfg.set("work-stealing.moderate-poll-attempts", size_t{50});
  cfg.set("work-stealing.relaxed-sleep-duration",
          caf::timespan{std::chrono::milliseconds(1)});
}

}  // namespace bistro

namespace bistro {

void enable_networking(caf::actor_system_config& cfg) {
  cfg.load<caf::io::middleman>();
  cfg.set("middleman.heartbeat-interval",
          caf::timespan{std::chrono::seconds(1)});
  cfg.set("middleman.connection-timeout",
          caf::timespan{std::chrono::seconds(10)});
}

}  // namespace bistro

namespace bistro {

void handle_stop_signals(std::function<void(int)> on_signal) {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  ::pthread_sigmask(SIG_BLOCK, &set, nullptr);
  std::thread([set, on_signal = std::move(on_signal)] {
    int sig = 0;
    if (::sigwait(&set, &sig) == 0) on_signal(sig);
  }).detach();
}

}  // namespace bistro
