// Why bistro_shell cannot reach a scheduler, in the operating system's
// words. CAF 0.17 says "cannot connect to node" for every failure and, for
// an IPv6 address that refuses, "no such host" (it retries the address
// over IPv4, where it does not parse); the probe resolves the name and
// connects itself, so that the shell says "connection refused" when
// nothing listens and "no such host" only when the name does not resolve.
//
// Blocking (name lookup, a connect bounded by `timeout`): call it from the
// shell's own thread, never a CAF worker thread. Thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace bistro::shell {

enum class probe_outcome {
  connected,  // something accepts connections there
  no_such_host,
  refused,
  unreachable,  // timed out, or no route
};

struct probe_result {
  probe_outcome outcome = probe_outcome::unreachable;
  /// The system's words: "Connection refused", "Name or service not known".
  std::string detail;
};

/// Resolves `host` and tries a TCP connection to each of its addresses
/// until one accepts; the outcome of the last try otherwise.
probe_result probe_tcp(const std::string& host, std::uint16_t port,
                       std::chrono::milliseconds timeout);

}  // namespace bistro::shell
