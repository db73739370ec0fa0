// The read_req cache in front of the scheduler: one answer shared by identical
// reads, none for mutations, and a mutation empties it.
#include "actors/http/monitor_cache.hpp"

#include <catch2/catch.hpp>

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
