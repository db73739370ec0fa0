// The read_req cache in front of the scheduler: one answer shared by identical
// reads, none for mutations, and a mutation empties it.
#include "actors/http/monitor_cache.hpp"

#include <catch2/catch.hpp>

#include "actors/monitor/monitor_table.hpp"

using namespace bistro::http;

namespace {

/// A scheduler stand-in whose answers the test delivers by hand.
struct fake_scheduler {
  std::vector<std::pair<std::string, std::function<void(monitor_answer)>>>
      asked;
  monitor_function fn() {
    return
        [this](std::string request, std::function<void(monitor_answer)> done) {
          asked.emplace_back(std::move(request), std::move(done));
        };
  }
  void answer(std::size_t i, std::string text,
              monitor_answer::outcome result = monitor_answer::outcome::ok) {
    asked.at(i).second({result, std::move(text)});
  }
};

const std::string read_req = R"({"q": {"handler": "job_summary"}})";
const std::string kill_req = R"({"q": {"handler": "kill_task"}})";

}  // namespace

TEST_CASE("http: identical reads share one scheduler answer") {
  fake_scheduler s;
  auto cached = cache_monitor(s.fn(), std::chrono::hours(1));
  std::vector<std::string> got;
  auto collect = [&](monitor_answer a) { got.push_back(a.text); };
  cached(read_req, collect);
  cached(read_req, collect);  // while the first is on its way
  REQUIRE(s.asked.size() == 1);
  s.answer(0, "A");
  CHECK(got == std::vector<std::string>{"A", "A"});
  cached(read_req, collect);  // within the ttl: no new request
  CHECK(s.asked.size() == 1);
  CHECK(got.back() == "A");
  cached(R"({"q": {"handler": "status"}})", collect);  // another request
  CHECK(s.asked.size() == 2);
}

TEST_CASE("http: a mutation is never cached and empties the cache") {
  fake_scheduler s;
  auto cached = cache_monitor(s.fn(), std::chrono::hours(1));
  std::vector<std::string> got;
  auto collect = [&](monitor_answer a) { got.push_back(a.text); };
  cached(read_req, collect);
  s.answer(0, "before");
  cached(kill_req, collect);
  cached(kill_req, collect);
  REQUIRE(s.asked.size() == 3);  // both kills went through
  cached(read_req, collect);
  REQUIRE(s.asked.size() == 4);  // the read_req is asked again
  s.answer(3, "after");
  CHECK(got.back() == "after");
}

TEST_CASE("http: failed answers are not kept") {
  fake_scheduler s;
  auto cached = cache_monitor(s.fn(), std::chrono::hours(1));
  int answers = 0;
  auto count = [&](monitor_answer) { ++answers; };
  cached(read_req, count);
  s.answer(0, "timeout", monitor_answer::outcome::timeout);
  cached(read_req, count);
  CHECK(s.asked.size() == 2);
  CHECK(answers == 1);
}

TEST_CASE("http: an answer that raced a mutation is passed on, not kept") {
  fake_scheduler s;
  auto cached = cache_monitor(s.fn(), std::chrono::hours(1));
  std::vector<std::string> got;
  auto collect = [&](monitor_answer a) { got.push_back(a.text); };
  cached(read_req, collect);
  cached(kill_req, collect);  // the read_req's answer may predate the kill_req
  s.answer(0, "stale");
  CHECK(got == std::vector<std::string>{"stale"});
  cached(read_req, collect);
  CHECK(s.asked.size() == 3);
}

TEST_CASE("http: the cache's mutation rule follows monitor_roles") {
  for (const auto& role : bistro::monitor_roles) {
    fake_scheduler s;
    auto cached = cache_monitor(s.fn(), std::chrono::hours(1));
    auto request = R"({"q": {"handler": ")" + std::string{role.name} + "\"}}";
    INFO("handler " << role.name);
    cached(request, [](monitor_answer) {});
    s.answer(0, "A");
    cached(request, [](monitor_answer) {});
    // A read is answered from the cache; a mutation always goes through.
    CHECK(s.asked.size() == (role.mutates ? 2u : 1u));
  }
}

TEST_CASE("http: a read that mentions a mutating handler's name is cached") {
  fake_scheduler s;
  auto cached = cache_monitor(s.fn(), std::chrono::hours(1));
  const std::string req =
      R"({"q": {"handler": "job_summary", "jobs": ["kill_task"]}})";
  cached(req, [](monitor_answer) {});
  s.answer(0, "A");
  cached(req, [](monitor_answer) {});
  CHECK(s.asked.size() == 1);
}
