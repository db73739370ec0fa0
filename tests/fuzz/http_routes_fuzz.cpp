// Target `http_routes`: the bytes are "METHOD\nTARGET\nBODY", optionally
// followed by "\0REPLY" (else the body doubles as the reply). plan_route
// must answer every request at once or with one well-formed monitor
// request; the plan's finish must turn any scheduler reply (here REPLY,
// truncated JSON included) into an HTTP answer; route labels must stay the
// bounded set /metrics counts by, never a piece of the client's target.
//
// The monitor request's decoding itself runs inside the scheduler actor
// (actors/scheduler/scheduler_monitor.cpp, its helpers in an anonymous
// namespace), so it is not reached here: see README.md.
#include <algorithm>
#include <array>
#include <boost/json/parse.hpp>
#include <string>
#include <string_view>
#include <system_error>

#include "actors/http/http_routes.hpp"
#include "actors/http/prometheus_text.hpp"
#include "tests/fuzz/fuzz_targets.hpp"

namespace bistro::fuzz {

namespace {

constexpr std::array<std::string_view, 22> known_routes = {
    "other",
    "/",
    "/healthz",
    "/metrics",
    "/api/jobs",
    "/api/jobs/{job}",
    "/api/jobs/{job}/forgive",
    "/api/tasks",
    "/api/tasks/{job}/{node}/kill",
    "/api/nodes",
    "/api/logs",
    "/api/workers",
    "/api/running",
    "/api/config",
    "/api/status",
    "/api/errors",
    "/api/events",
    "/api/timeseries",
    "/api/jobs/{job}/config",
    "/api/jobs/{job}/history",
    "/api/tasks/{job}/{node}",
    "/api/tasks/{job}/{node}/history",
};

bool is_json(const std::string& text) {
  std::error_code ec;
  (void)boost::json::parse(text, ec);
  return !ec;
}

void check_reply(const http::http_reply& r, bool verbatim) {
  fuzz_check(r.status >= 200 && r.status < 600, "http: status out of range");
  if (r.status == 405) fuzz_check(!r.allow.empty(), "http: 405 without Allow");
  if (!verbatim && r.content_type == "application/json")
    fuzz_check(is_json(r.body), "http: JSON reply body is not JSON");
}

/// Cuts `text` at the first `sep`: the part before, the rest after.
std::string_view take_until(std::string_view& text, char sep) {
  auto at = text.find(sep);
  auto head = text.substr(0, at);
  text =
      at == std::string_view::npos ? std::string_view{} : text.substr(at + 1);
  return head;
}

}  // namespace

int fuzz_http_routes(const std::uint8_t* data, std::size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  auto method = take_until(in, '\n');
  auto target = take_until(in, '\n');
  auto nul = in.find('\0');
  const std::string body{in.substr(0, nul)};
  const std::string reply{nul == std::string_view::npos ? in
                                                        : in.substr(nul + 1)};

  for (bool plus : {false, true}) {
    if (auto decoded = http::url_decode(target, plus))
      fuzz_check(decoded->size() <= target.size(), "http: decoding grew");
  }

  http::request_counts counts;
  auto plan = http::plan_route(method, target, body, counts);
  fuzz_check(std::find(known_routes.begin(), known_routes.end(), plan.route) !=
                 known_routes.end(),
             "http: route label outside the bounded set");
  const bool passthrough = plan.route == "/";
  if (plan.immediate) {
    check_reply(*plan.immediate, false);
    counts.add(plan.route, plan.immediate->status);
  } else {
    fuzz_check(static_cast<bool>(plan.finish), "http: plan without finish");
    if (passthrough) {
      fuzz_check(plan.monitor_request == body, "http: POST / body altered");
      fuzz_check(plan.mutating == http::has_mutating_handler(body),
                 "http: POST / mutating flag differs from the body's");
    } else {
      std::error_code ec;
      auto request = boost::json::parse(plan.monitor_request, ec);
      fuzz_check(!ec && request.is_object(),
                 "http: monitor request is not a JSON object");
      fuzz_check(
          plan.mutating == http::has_mutating_handler(plan.monitor_request),
          "http: mutating flag differs from the request's handlers");
    }
    auto answer = plan.finish(reply);
    check_reply(answer, passthrough);
    counts.add(plan.route, answer.status);
  }
  (void)http::has_mutating_handler(body);
  std::error_code ec;
  auto metrics = boost::json::parse(reply, ec);
  if (!ec) (void)http::prometheus_text(metrics, counts.snapshot());
  return 0;
}

}  // namespace bistro::fuzz
