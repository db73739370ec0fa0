// timeseries and events over rings the test fills: no scheduler actor.
#include "actors/monitor/activity_handlers.hpp"

#include <catch2/catch.hpp>

#include "tests/actors/monitor/view_fixture.hpp"

using namespace bistro;
using namespace bistro::testing;
namespace json = boost::json;

TEST_CASE("activity handlers: timeseries has a row per sample and per job") {
  view_fixture f;
  f.activity.started("a");
  f.activity.finished("a", true);
  f.activity.close(1000, {{"b", 2}});
  auto all = timeseries_answer(f.view(), {});
  REQUIRE(all);
  CHECK(all->at("now_ms") == 100000);
  CHECK(all->at("interval_ms") == 1000);
  CHECK(all->at("total") == json::parse(R"([[1000, 1000, 2, 1, 1, 1]])"));
  CHECK(all->at("jobs").as_object().size() == 2);
  auto one = timeseries_answer(f.view(), entry(R"({"jobs": ["a", "z"]})"));
  REQUIRE(one);
  CHECK(one->at("jobs") == json::parse(R"({"a": [[1000, 1000, 0, 1, 1, 1]],
                        "z": [[1000, 1000, 0, 0, 0, 0]]})"));
  auto bad = timeseries_answer(f.view(), entry(R"({"since_ms": "soon"})"));
  REQUIRE_FALSE(bad);
  CHECK(bad.error().code == monitor_errc::bad_request);
  CHECK(bad.error().message == "since_ms: expected an integer");
}

TEST_CASE("activity handlers: events pages the log and says what it missed") {
  view_fixture f;  // a ring of 5
  for (int i = 1; i <= 7; ++i)
    f.events.add(i, i % 2 ? "kill" : "worker_lost", "w" + std::to_string(i),
                 "m");
  auto all = events_answer(f.view(), {});
  REQUIRE(all);
  CHECK(all->at("events").as_array().size() == 5);
  CHECK(all->at("first_seq") == 3);
  CHECK(all->at("last_seq") == 7);
  CHECK(all->at("missed") == true);
  auto kills =
      events_answer(f.view(), entry(R"({"after": 3, "kind": "kill"})"));
  REQUIRE(kills);
  CHECK(kills->at("events").as_array().size() == 2);  // 5 and 7
  CHECK(kills->at("missed") == false);
  auto bad = events_answer(f.view(), entry(R"({"limit": 0})"));
  REQUIRE_FALSE(bad);
  CHECK(bad.error().message == "limit: must be between 1 and 1000");
  CHECK(events_answer(f.view(), entry(R"({"after": -1})")).error().message ==
        "after: must be >= 0");
}
