// Small pieces every app's wiring shares: the host name, spdlog's level,
// and CAF's scheduler sized for the machine.
// Called from main() before the actor system starts; single-threaded.
#pragma once

#include <caf/actor_system_config.hpp>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace bistro {

std::string host_name();

/// False when `level` is not a spdlog level name.
bool set_log_level(const std::string& level);

/// One CAF thread per core (at least 2) that block when idle instead of
/// CAF 0.17's long busy polling, and keep a chain of messages between pool
/// actors on one thread (affine_sharing.hpp).
void set_thread_count(caf::actor_system_config& cfg);

/// Blocks SIGTERM and SIGINT in this thread and every thread started
/// after it; `on_signal` then runs on a thread of its own when one arrives.
/// Call before the actor system starts.
void handle_stop_signals(std::function<void(int)> on_signal);

/// Loads CAF's middleman with BASP heartbeats every second and a connection
/// timeout, so that a frozen peer is detected (both are off by default).
void enable_networking(caf::actor_system_config& cfg);

/// --tls_cert_file, --tls_key_file, --tls_ca_file: the same three flags on
/// every program that speaks CAF (see actors/protocol/secure_transport.hpp).
struct tls_files {
  std::string cert;
  std::string key;
  std::string ca;
  static constexpr const char* cert_help =
      "TLS: this program's certificate (PEM); with --tls_key_file and "
      "--tls_ca_file, every CAF connection is TLS with mutual "
      "authentication";
  static constexpr const char* key_help = "TLS: the certificate's private key";
  static constexpr const char* ca_help =
      "TLS: the CA that must have signed every peer's certificate";
};

/// --server_address: a comma-separated list of addresses to listen on
/// (spaces around the commas ignored); "" = all interfaces.
inline constexpr const char* loopback_addresses = "127.0.0.1,::1";
std::vector<std::string> split_addresses(const std::string& list);

/// True for a literal loopback address (127.0.0.0/8, ::1, or IPv4-mapped
/// 127.x); false for names, wildcards and every other address.
bool is_loopback_address(const std::string& address);

/// After parsing: none of the three set = plain text; all three set and
/// readable = loads CAF's OpenSSL module; anything else is the error,
/// naming the flag or file. Call before the actor system starts.
std::optional<std::string> enable_tls(caf::actor_system_config& cfg,
                                      const tls_files& files);

}  // namespace bistro
