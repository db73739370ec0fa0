// The HTTP API's routes (README "HTTP API"): each request becomes an answer
// at once (the web page, a refusal) or ONE monitor request
// (actors/protocol/monitor.md) plus the function that turns the
// scheduler's reply into the HTTP answer. Plain logic: no sockets, no
// actors, so every route is tested without a network.
//
// Stateless functions; safe from any thread. `plan_route` keeps a reference
// to `counts` in the /metrics plan, which must outlive the plan.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "actors/http/prometheus_text.hpp"
#include "actors/monitor/monitor_error.hpp"

namespace bistro::http {

/// What goes back to the client.
struct http_reply {
  unsigned status = 200;
  std::string body;
  std::string content_type = "application/json";
  /// Set on 405: the methods the route has.
  std::string allow;
};

/// {"error": message} with `status`.
http_reply json_error(unsigned status, std::string_view message);

/// The HTTP status a handler's refusal becomes, from its code alone (the
/// message is for people): not_found 404, unavailable 503, internal 500,
/// bad_request 400.
unsigned http_status(monitor_errc code);

/// How one request is answered.
struct route_plan {
  /// The route's pattern, a bounded label for metrics ("/api/jobs/{job}").
  std::string route = "other";
  /// Changes something: needs the token when one is configured.
  bool mutating = false;
  /// The answer, when no scheduler question is needed.
  std::optional<http_reply> immediate;
  /// Otherwise: the monitor request to send, and what its reply becomes.
  std::string monitor_request;
  std::function<http_reply(const std::string& monitor_reply)> finish;
};

/// Plans the answer to `method target` with `body`; `counts` feeds /metrics.
/// Path segments and query parameters must decode to UTF-8 (else 400), as
/// they go into JSON: the monitor request and error replies.
route_plan plan_route(std::string_view method, std::string_view target,
                      const std::string& body, const request_counts& counts);

/// Decodes %XX escapes (and '+' as a space when `plus_is_space`);
/// nullopt on a malformed escape.
std::optional<std::string> url_decode(std::string_view text,
                                      bool plus_is_space);

/// True when a monitor request body names a handler that changes
/// something (a mutating handler of actors/monitor/monitor_table.hpp).
bool has_mutating_handler(const std::string& body);

}  // namespace bistro::http
