// The HTTP server: Boost.Beast on its own asio io_context and thread(s).
// It parses requests (keep-alive, a body limit checked against
// Content-Length before any body byte is read, a header-read timeout so a
// slow client only ever holds its own connection), plans each one with
// http_routes and asks the scheduler through `monitor_function`, which
// must not block: it calls back, from any thread, once. The answer is
// posted back to the connection's strand.
//
// Thread contract: `start`/`stop` from one thread (main); everything else
// runs on the server's own threads. No CAF include: the bridge to the
// actors (monitor_bridge.hpp) is passed in, and tests may pass a fake.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <variant>

namespace bistro::http {

/// What became of one monitor request.
struct monitor_answer {
  enum class outcome { ok, timeout, failed };
  outcome result = outcome::ok;
  /// The reply JSON (ok) or what went wrong.
  std::string text;
};

/// Sends a monitor request; calls `done` exactly once, from any thread.
using monitor_function = std::function<void(
    std::string request, std::function<void(monitor_answer)> done)>;

struct http_server_options {
  std::string address = "127.0.0.1";
  /// 0 = any free port (see `port()`).
  std::uint16_t port = 6790;
  /// Bearer token for mutating requests; empty = no check.
  std::string token;
  std::size_t body_limit = 1 << 20;
  /// A request head (or an idle keep-alive connection) must arrive within.
  std::chrono::milliseconds header_timeout{10000};
  std::chrono::milliseconds body_timeout{60000};
  int threads = 1;
};

class http_server {
 public:
  /// Binds and listens, serving nothing yet (connections wait in the
  /// backlog); the error says why it could not listen. Lets a program
  /// refuse a port in use before it starts anything else.
  static std::variant<std::unique_ptr<http_server>, std::string> listen(
      http_server_options options);

  /// Starts serving with `monitor` on the server's own threads. Once.
  void serve(monitor_function monitor);

  /// listen + serve.
  static std::variant<std::unique_ptr<http_server>, std::string> start(
      http_server_options options, monitor_function monitor);

  ~http_server();
  http_server(const http_server&) = delete;
  http_server& operator=(const http_server&) = delete;

  /// The port it listens on.
  std::uint16_t port() const;

  /// Stops accepting and serving; joins the threads and closes every
  /// connection, also those waiting for the scheduler, whose `done` may
  /// still be called later: it is then a no-op. Idempotent.
  void stop();

  struct state;

 private:
  explicit http_server(std::shared_ptr<state> s);
  std::shared_ptr<state> state_;
};

}  // namespace bistro::http
