// The routes as plain logic: what monitor request each one sends and what
// HTTP answer each reply becomes.
#include "actors/http/http_routes.hpp"

#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include "actors/monitor/monitor_table.hpp"

using namespace bistro::http;
namespace json = boost::json;

namespace {

request_counts no_counts;

json::value request_of(const route_plan& p) {
  REQUIRE_FALSE(p.immediate);
  return json::parse(p.monitor_request);
}

}  // namespace

TEST_CASE("http: url_decode turns escapes into bytes and refuses bad ones") {
  CHECK(url_decode("a%2Fb%20c", false) == "a/b c");
  CHECK(url_decode("a+b", true) == "a b");
  CHECK(url_decode("a+b", false) == "a+b");
  CHECK_FALSE(url_decode("a%2", false));
  CHECK_FALSE(url_decode("a%zz", false));
}

TEST_CASE("http: each plain route builds one monitor request") {
  auto p = plan_route("GET", "/api/jobs", "", no_counts);
  CHECK(p.route == "/api/jobs");
  CHECK(request_of(p) == json::parse(R"({"q":{"handler":"job_summary"}})"));

  p = plan_route("GET", "/api/jobs/my%20job", "", no_counts);
  CHECK(p.route == "/api/jobs/{job}");
  CHECK(request_of(p) ==
        json::parse(R"({"q":{"handler":"job_summary","jobs":["my job"]}})"));

  p = plan_route("GET", "/api/tasks?job=j&state=done&limit=5&after=j%2Fn1", "",
                 no_counts);
  CHECK(request_of(p) == json::parse(R"({"q":{"handler":"tasks","job":"j",
        "state":"done","limit":"5","after":"j/n1"}})"));

  p = plan_route("GET", "/api/nodes?level=l2&prefix=n+1&limit=3&after=x", "",
                 no_counts);
  CHECK(request_of(p) == json::parse(R"({"q":{"handler":"node_page",
        "level":"l2","prefix":"n 1","limit":"3","after":"x"}})"));

  p = plan_route("GET", "/api/logs?job=j&node=n&type=stderr&after=42&limit=7",
                 "", no_counts);
  CHECK(request_of(p) == json::parse(R"({"q":{"handler":"task_logs",
        "log_type":"stderr","jobs":["j"],"nodes":["n"],"line_id":"42",
        "limit":"7"}})"));

  p = plan_route("POST", "/api/tasks/j/a%2Fb/kill", "", no_counts);
  CHECK(p.mutating);
  CHECK(request_of(p) == json::parse(R"({"q":{"handler":"kill_task",
        "job_id":"j","node_id":"a/b"}})"));

  p = plan_route("PUT", "/api/jobs/j", R"({"owner":"me"})", no_counts);
  CHECK(p.mutating);
  CHECK(request_of(p) == json::parse(R"({"q":{"handler":"save_job",
        "job_id":"j","job":{"owner":"me"}}})"));

  p = plan_route("DELETE", "/api/jobs/j", "", no_counts);
  CHECK(p.mutating);
  CHECK(request_of(p) ==
        json::parse(R"({"q":{"handler":"delete_job","job_id":"j"}})"));

  for (auto [path, handler] : {std::pair{"/api/workers", "workers"},
                               {"/api/running", "running_tasks"},
                               {"/api/config", "config"},
                               {"/api/status", "status"},
                               {"/healthz", "status"},
                               {"/metrics", "metrics"}}) {
    p = plan_route("GET", path, "", no_counts);
    CHECK_FALSE(p.mutating);
    CHECK(request_of(p).at("q").at("handler") == handler);
  }
}

TEST_CASE("http: unknown routes are 404 and wrong methods 405") {
  auto p = plan_route("GET", "/api/nope", "", no_counts);
  REQUIRE(p.immediate);
  CHECK(p.immediate->status == 404);
  p = plan_route("POST", "/api/jobs", "", no_counts);
  REQUIRE(p.immediate);
  CHECK(p.immediate->status == 405);
  CHECK(p.immediate->allow == "GET");
  p = plan_route("PUT", "/api/jobs/j", "{not json", no_counts);
  REQUIRE(p.immediate);
  CHECK(p.immediate->status == 400);
  p = plan_route("GET", "/api/jobs/a%zz", "", no_counts);
  REQUIRE(p.immediate);
  CHECK(p.immediate->status == 400);
}

TEST_CASE("http: a path segment or query parameter not UTF-8 is refused") {
  auto refusal = [](std::string_view target) {
    auto p = plan_route("GET", target, "", no_counts);
    REQUIRE(p.immediate);
    CHECK(p.immediate->status == 400);
    return json::parse(p.immediate->body).at("error");
  };
  CHECK(refusal("/api/jobs/%FF") == "bad path: not UTF-8");
  CHECK(refusal("/api/jobs/a%C0%AFb") == "bad path: not UTF-8");   // overlong
  CHECK(refusal("/api/jobs/%ED%A0%80") == "bad path: not UTF-8");  // surrogate
  CHECK(refusal("/api/tasks/j/%F4%90%80%80/kill") == "bad path: not UTF-8");
  CHECK(refusal("/api/tasks?job=%FF") == "bad query string: job is not UTF-8");
  CHECK(refusal("/api/logs?node=ok&regex=%E2%82") ==
        "bad query string: regex is not UTF-8");
  CHECK(refusal("/api/tasks?%FF=1") ==
        "bad query string: a parameter name is not UTF-8");
  // Well-formed multi-byte UTF-8 passes through.
  auto p =
      plan_route("GET", "/api/jobs/caf%C3%A9?x=%F0%9F%98%80", "", no_counts);
  CHECK(request_of(p) ==
        json::parse(R"({"q":{"handler":"job_summary","jobs":["café"]}})"));
}

TEST_CASE("http: handler errors become 404 for missing things, else 400") {
  auto p = plan_route("GET", "/api/jobs/j", "", no_counts);
  CHECK(p.finish(R"({"q":{"data":{}}})").status == 404);
  CHECK(p.finish(R"({"q":{"data":{"j":{"counts":{}}}}})").body ==
        R"({"counts":{}})");
  p = plan_route("POST", "/api/tasks/j/n/kill", "", no_counts);
  CHECK(p.finish(R"({"q":{"error":"Unknown running task j, n",)"
                 R"("error_code":"not_found"}})")
            .status == 404);
  CHECK(p.finish(R"({"q":{"data":"signaled"}})").body ==
        R"({"result":"signaled"})");
  p = plan_route("GET", "/api/tasks?limit=x", "", no_counts);
  auto bad = p.finish(R"({"q":{"error":"limit: expected an integer"}})");
  CHECK(bad.status == 400);
  CHECK(bad.body == R"({"error":"limit: expected an integer"})");
}

TEST_CASE("http: POST / is mutating only when it names a mutating handler") {
  CHECK_FALSE(plan_route("POST", "/", R"({"a":{"handler":"jobs"}})", no_counts)
                  .mutating);
  CHECK(plan_route("POST", "/",
                   R"({"a":{"handler":"jobs"},"b":{"handler":"kill_task"}})",
                   no_counts)
            .mutating);
  auto p = plan_route("POST", "/", "{bad", no_counts);
  CHECK(p.monitor_request == "{bad");
  CHECK(p.finish(R"({"error":"monitor request: not JSON"})").status == 400);
  CHECK(p.finish(R"({"a":{"error":"x"}})").status == 200);
}

TEST_CASE("http: the token rule follows monitor_roles for every handler") {
  for (const auto& role : bistro::monitor_roles) {
    auto body = R"({"q":{"handler":")" + std::string{role.name} + "\"}}";
    INFO("handler " << role.name);
    CHECK(has_mutating_handler(body) == role.mutates);
    CHECK(plan_route("POST", "/", body, no_counts).mutating == role.mutates);
  }
}

TEST_CASE("http: a route is mutating exactly when its request is") {
  for (auto [method, target, body] :
       std::vector<std::tuple<std::string, std::string, std::string>>{
           {"GET", "/api/jobs", ""},
           {"GET", "/api/tasks?job=j", ""},
           {"GET", "/api/workers", ""},
           {"PUT", "/api/jobs/j", R"({"command": ["true"]})"},
           {"DELETE", "/api/jobs/j", ""},
           {"POST", "/api/jobs/j/forgive", ""},
           {"POST", "/api/tasks/j/n/kill", ""}}) {
    auto p = plan_route(method, target, body, no_counts);
    INFO(method << " " << target);
    if (p.immediate) continue;
    CHECK(p.mutating == !bistro::mutating_handlers_in(p.monitor_request,
                                                      bistro::monitor_roles)
                             .empty());
  }
  CHECK(plan_route("DELETE", "/api/jobs/j", "", no_counts).mutating);
  CHECK(plan_route("POST", "/api/jobs/j/forgive", "", no_counts).mutating);
  CHECK_FALSE(plan_route("GET", "/api/jobs", "", no_counts).mutating);
}

TEST_CASE(
    "http: the history, task, activity and event routes build their "
    "read-only monitor requests") {
  auto p = plan_route("GET", "/api/tasks/j/a%2Fb/history", "", no_counts);
  CHECK(p.route == "/api/tasks/{job}/{node}/history");
  CHECK_FALSE(p.mutating);
  CHECK(request_of(p) == json::parse(R"({"q":{"handler":"task_history",
        "job_id":"j","node_id":"a/b"}})"));

  p = plan_route("GET", "/api/jobs/j/history?limit=20", "", no_counts);
  CHECK(p.route == "/api/jobs/{job}/history");
  CHECK(request_of(p) == json::parse(R"({"q":{"handler":"job_history",
        "job_id":"j","limit":"20"}})"));

  p = plan_route("GET", "/api/tasks/j/n1", "", no_counts);
  CHECK(p.route == "/api/tasks/{job}/{node}");
  CHECK(request_of(p) ==
        json::parse(R"({"q":{"handler":"task","job_id":"j","node_id":"n1"}})"));

  p = plan_route("GET", "/api/jobs/j/config", "", no_counts);
  CHECK(p.route == "/api/jobs/{job}/config");
  CHECK(request_of(p) ==
        json::parse(R"({"q":{"handler":"jobs","jobs":["j"]}})"));
  CHECK(p.finish(R"({"q":{"data":{"j":{"owner":"o"}}}})").body ==
        R"({"owner":"o"})");
  CHECK(p.finish(R"({"q":{"data":{}}})").status == 404);

  p = plan_route("GET", "/api/timeseries?jobs=a,b&since_ms=5", "", no_counts);
  CHECK(p.route == "/api/timeseries");
  CHECK(request_of(p) == json::parse(R"({"q":{"handler":"timeseries",
        "jobs":["a","b"],"since_ms":"5"}})"));

  p = plan_route("GET", "/api/events?after=3&limit=9&kind=kill&subject=w1", "",
                 no_counts);
  CHECK(p.route == "/api/events");
  CHECK(request_of(p) == json::parse(R"({"q":{"handler":"events","after":"3",
        "limit":"9","kind":"kill","subject":"w1"}})"));

  for (auto target : {"/api/tasks/j/n/history", "/api/jobs/j/history",
                      "/api/timeseries", "/api/events"})
    CHECK(plan_route("POST", target, "", no_counts).immediate->status == 405);

  // A task_history error naming a missing node is a 404.
  p = plan_route("GET", "/api/tasks/j/x/history", "", no_counts);
  CHECK(p.finish(R"({"q":{"error":"Unknown node x","error_code":"not_found"}})")
            .status == 404);
}

TEST_CASE("http: an entry's status comes from its error code, not its text") {
  auto p = plan_route("GET", "/api/tasks/j/n", "", no_counts);
  // The words of a missing thing without its code: a plain 400.
  auto text_only = p.finish(R"({"q":{"error":"Unknown job j"}})");
  CHECK(text_only.status == 400);
  CHECK(text_only.body == R"({"error":"Unknown job j"})");
  // The code decides, whatever the message says.
  CHECK(p.finish(R"({"q":{"error":"gone","error_code":"not_found"}})").status ==
        404);
  CHECK(p.finish(R"({"q":{"error":"x","error_code":"unavailable"}})").status ==
        503);
  CHECK(p.finish(R"({"q":{"error":"x","error_code":"internal"}})").status ==
        500);
  CHECK(p.finish(R"({"q":{"error":"x","error_code":"bad_request"}})").status ==
        400);
  // A code this build does not know is a bad request.
  CHECK(p.finish(R"({"q":{"error":"x","error_code":"teapot"}})").status == 400);
}
