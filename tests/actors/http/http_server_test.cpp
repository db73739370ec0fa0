// The server in-process, with a fake scheduler (monitor_function) or the
// real CAF bridge to an actor that never answers: timeouts and failures
// become 504 and 503, and the bridge never blocks.
#include "actors/http/http_server.hpp"

#include <boost/json.hpp>
#include <caf/all.hpp>
#include <catch2/catch.hpp>
#include <condition_variable>
#include <future>
#include <mutex>

#include "actors/http/monitor_bridge.hpp"
#include "tests/actors/http/http_client.hpp"
#include "tests/support/e2e_support.hpp"

using namespace bistro;
using namespace bistro::http;
using namespace bistro::testing;

namespace {

std::unique_ptr<http_server> start_server(monitor_function f,
                                          std::string token = "") {
  http_server_options o;
  o.port = 0;
  o.token = std::move(token);
  auto started = http_server::start(o, std::move(f));
  REQUIRE(std::holds_alternative<std::unique_ptr<http_server>>(started));
  return std::move(std::get<std::unique_ptr<http_server>>(started));
}

/// Answers every entry with {"data": "fake"}.
void fake_scheduler(std::string request,
                    std::function<void(monitor_answer)> done) {
  auto doc = boost::json::parse(request);
  boost::json::object out;
  for (const auto& [key, _] : doc.as_object())
    out[key] = boost::json::object{{"data", "fake"}};
  done({monitor_answer::outcome::ok, boost::json::serialize(out)});
}

}  // namespace

TEST_CASE("http: a scheduler that times out is a 504, one that fails a 503") {
  auto server = start_server([](std::string, auto done) {
    done({monitor_answer::outcome::timeout, "request_timeout"});
  });
  auto r = http_call(server->port(), "GET", "/api/jobs");
  CHECK(r.status == 504);
  CHECK_THAT(r.body, Catch::Contains("did not answer in time"));
  auto failing = start_server([](std::string, auto done) {
    done({monitor_answer::outcome::failed, "actor exited"});
  });
  CHECK(http_call(failing->port(), "GET", "/healthz").status == 503);
}

TEST_CASE("http: the CAF bridge answers 504 when the scheduler never replies") {
  caf::actor_system_config cfg;
  cfg.set("scheduler.max-threads", 2);
  cfg.add_message_types<caf::id_block::bistro>();
  caf::actor_system sys{cfg};
  // Takes every monitor request and never answers it (the promises are
  // kept, so none is broken).
  auto silent = sys.spawn([](caf::event_based_actor* self) -> caf::behavior {
    auto kept = std::make_shared<
        std::vector<caf::typed_response_promise<std::string>>>();
    return {[=](monitor_atom, const std::string&) -> caf::result<std::string> {
      kept->push_back(self->make_response_promise<std::string>());
      return kept->back();
    }};
  });
  auto server = start_server(
      make_monitor_bridge(sys, caf::actor_cast<scheduler_actor>(silent),
                          std::chrono::milliseconds(300)));
  auto began = steady_ms();
  auto r = http_call(server->port(), "GET", "/api/status");
  CHECK(r.status == 504);
  CHECK(steady_ms() - began < 10000);
  server->stop();
  caf::anon_send_exit(silent, caf::exit_reason::user_shutdown);
}

TEST_CASE(
    "http: the fake scheduler's answers reach the client over keep-alive") {
  auto server = start_server(fake_scheduler);
  http_connection c{server->port()};
  for (int i = 0; i < 3; ++i) {
    auto r = c.request("GET", "/api/workers");
    CHECK(r.status == 200);
    CHECK(r.body == "\"fake\"");
    CHECK(r.keep_alive);
  }
  auto head = c.request("HEAD", "/");
  CHECK(head.status == 200);
  CHECK(head.content_type == "text/html; charset=utf-8");
}

TEST_CASE(
    "http: stop closes a connection waiting for the scheduler, and its "
    "late answer is dropped") {
  // The fake scheduler keeps the request's `done` and answers only after
  // the server is gone.
  std::mutex mutex;
  std::condition_variable asked;
  std::function<void(monitor_answer)> pending;
  auto server = start_server([&](std::string, auto done) {
    std::lock_guard lock{mutex};
    pending = std::move(done);
    asked.notify_all();
  });
  auto port = server->port();
  // The client gives up after 20 s; a connection left open would take that.
  auto client = std::async(std::launch::async, [port] {
    http_connection c{port, std::chrono::seconds(20)};
    return c.request("GET", "/api/status");
  });
  {
    std::unique_lock lock{mutex};
    REQUIRE(asked.wait_for(lock, std::chrono::seconds(10),
                           [&] { return bool(pending); }));
  }
  server->stop();
  REQUIRE(client.wait_for(std::chrono::seconds(10)) ==
          std::future_status::ready);
  auto r = client.get();
  CHECK(r.status == 0);
  CHECK_THAT(r.error, Catch::StartsWith("read: "));
  CHECK_THAT(r.error, !Catch::Contains("timeout"));
  server.reset();
  // Under ASan, a use of the destroyed server or session here fails.
  pending({monitor_answer::outcome::ok, R"({"status":{"data":{}}})"});
}

TEST_CASE("http: the token is checked before the scheduler is asked") {
  int asked = 0;
  auto server = start_server(
      [&asked](std::string r, auto done) {
        ++asked;
        fake_scheduler(std::move(r), std::move(done));
      },
      "s3cret");
  auto port = server->port();
  CHECK(http_call(port, "POST", "/api/jobs/j/forgive").status == 401);
  CHECK(http_call(port, "DELETE", "/api/jobs/j", "",
                  {{"Authorization", "Bearer wrong!"}})
            .status == 401);
  CHECK(
      http_call(port, "POST", "/", R"({"k":{"handler":"kill_task"}})").status ==
      401);
  CHECK(asked == 0);
  CHECK(http_call(port, "POST", "/", R"({"k":{"handler":"jobs"}})").status ==
        200);
  CHECK(http_call(port, "DELETE", "/api/jobs/j", "",
                  {{"Authorization", "Bearer s3cret"}})
            .status == 200);
  CHECK(asked == 2);
}

TEST_CASE("http: a port in use is refused with the reason") {
  auto first = start_server(fake_scheduler);
  http_server_options o;
  o.port = first->port();
  auto second = http_server::start(o, fake_scheduler);
  REQUIRE(std::holds_alternative<std::string>(second));
  CHECK_THAT(std::get<std::string>(second),
             Catch::Contains("cannot listen on 127.0.0.1:") &&
                 Catch::Contains("in use"));
}

TEST_CASE(
    "http: a scheduler answer with a byte that is not UTF-8 still goes out "
    "as valid UTF-8 JSON, the byte replaced by U+FFFD") {
  auto server = start_server([](std::string, auto done) {
    // What Boost.JSON's serializer makes of a string holding 0xff.
    done({monitor_answer::outcome::ok,
          "{\"q\":{\"data\":[\"good\",\"bad\xff\",\"caf\xc3\xa9\"]}}"});
  });
  auto r = http_call(server->port(), "POST", "/", R"({"q": {}})");
  CHECK(r.status == 200);
  CHECK(r.body ==
        "{\"q\":{\"data\":[\"good\",\"bad\xef\xbf\xbd\",\"caf\xc3\xa9\"]}}");
  boost::system::error_code ec;
  boost::json::parse(r.body, ec);  // the parser refuses invalid UTF-8
  CHECK_FALSE(ec);
}
