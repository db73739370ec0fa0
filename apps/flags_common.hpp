// Small pieces every app's wiring shares: the host name, splitting a
// command line, spdlog's level, and CAF's scheduler sized for the machine.
// Called from main() before the actor system starts; single-threaded.
#pragma once

#include <caf/actor_system_config.hpp>
#include <functional>
#include <string>
#include <vector>

namespace bistro {

std::string host_name();

/// Splits on whitespace; no quoting (Bistro passed --worker_command to
/// exec as one path, we also allow arguments).
std::vector<std::string> split_command(const std::string& command);

/// False when `level` is not a spdlog level name.
bool set_log_level(const std::string& level);

/// One CAF thread per core (at least 2), and workers that sleep soon when
/// idle instead of CAF 0.17's long busy polling.
void set_thread_count(caf::actor_system_config& cfg);

/// Blocks SIGTERM and SIGINT in this thread and every thread started
/// after it; `on_signal` then runs on a thread of its own when one arrives.
/// Call before the actor system starts.
void handle_stop_signals(std::function<void(int)> on_signal);

/// Loads CAF's middleman with BASP heartbeats every second and a connection
/// timeout, so that a frozen peer is detected (both are off by default).
void enable_networking(caf::actor_system_config& cfg);

}  // namespace bistro
