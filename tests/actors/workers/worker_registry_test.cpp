#include "actors/workers/worker_registry.hpp"

#include <catch2/catch.hpp>
#include <limits>

#include "actors/protocol/messages.hpp"

using namespace bistro;

namespace {

worker_timeouts short_timeouts(bool allow_bump = false) {
  worker_timeouts t;
  t.heartbeat_grace_ms = 1000;
  t.healthcheck_period_ms = 1000;
  t.healthcheck_grace_ms = 1000;
  t.lose_unhealthy_worker_after_ms = 3000;
  t.allow_bump_unhealthy_worker = allow_bump;
  return t;
}

worker_record worker(const std::string& shard, std::int64_t start_ms,
                     std::int32_t pid = 1) {
  worker_record r;
  r.shard = shard;
  r.host = "h";
  r.pid = pid;
  r.start_ms = start_ms;
  r.heartbeat_period_ms = 1000;
  return r;
}

}  // namespace

TEST_CASE("a worker is new until a healthcheck succeeds, then healthy") {
  worker_registry reg(short_timeouts());
  REQUIRE(reg.hello(worker("w", 5), 0, false).accepted);
  CHECK(reg.find("w")->health == worker_health::new_worker);
  CHECK(reg.usable("w"));
  CHECK(reg.check(500).empty());
  reg.healthcheck_ok("w", 5, 600);
  auto t = reg.check(700);
  REQUIRE(t.size() == 1);
  CHECK(t[0].to == worker_health::healthy);
}

TEST_CASE("a heartbeat period outside 1 ms to 1 day is refused, saying why") {
  worker_registry reg(short_timeouts());
  for (std::int64_t bad :
       {std::int64_t{0}, std::int64_t{-5}, max_heartbeat_period_ms + 1,
        std::numeric_limits<std::int64_t>::max()}) {
    auto w = worker("w", 5);
    w.heartbeat_period_ms = bad;
    auto result = reg.hello(w, 0, false);
    CHECK_FALSE(result.accepted);
    CHECK(result.message == "heartbeat period " + std::to_string(bad) +
                                " ms is outside [1 ms, 1 day]; start the "
                                "worker with --heartbeat_period_sec between "
                                "1 and 86400");
    CHECK(reg.find("w") == nullptr);
  }
  auto longest = worker("w", 5);
  longest.heartbeat_period_ms = max_heartbeat_period_ms;
  CHECK(reg.hello(longest, 0, false).accepted);
}

TEST_CASE("deadline sums saturate instead of overflowing") {
  auto t = short_timeouts();
  t.heartbeat_grace_ms = std::numeric_limits<std::int64_t>::max();
  t.healthcheck_grace_ms = std::numeric_limits<std::int64_t>::max();
  worker_registry reg(t);
  auto w = worker("w", 5);
  w.heartbeat_period_ms = max_heartbeat_period_ms;
  REQUIRE(reg.hello(w, 0, false).accepted);
  reg.healthcheck_ok("w", 5, 0);
  // Never late: the sums stop at INT64_MAX rather than wrap negative.
  auto moves = reg.check(1'000'000'000'000);
  REQUIRE(moves.size() == 1);
  CHECK(moves[0].to == worker_health::healthy);
  CHECK(reg.usable("w"));
}

TEST_CASE("health_settings' silence limit saturates") {
  health_settings h;
  h.heartbeat_period_ms = std::numeric_limits<std::int64_t>::max();
  CHECK(h.lose_after_silence_ms() == std::numeric_limits<std::int64_t>::max());
  h.heartbeat_period_ms = 1000;
  CHECK(h.lose_after_silence_ms() == 1000 + 60000 + 500000);
}

TEST_CASE("late heartbeats make a worker unhealthy, then lost") {
  worker_registry reg(short_timeouts());
  reg.hello(worker("w", 5), 0, false);
  reg.healthcheck_ok("w", 5, 0);
  reg.check(100);
  // Heartbeat period 1000 + grace 1000: late after 2000.
  CHECK(reg.check(2000).empty());
  auto t = reg.check(2001);
  REQUIRE(t.size() == 1);
  CHECK(t[0].to == worker_health::unhealthy);
  CHECK_FALSE(reg.usable("w"));
  CHECK(reg.check(5000).empty());
  t = reg.check(5001);
  REQUIRE(t.size() == 1);
  CHECK(t[0].to == worker_health::must_die);
  CHECK_FALSE(reg.heartbeat("w", 5, 5002));
}

TEST_CASE("an unhealthy worker recovers when heartbeats and pings resume") {
  worker_registry reg(short_timeouts());
  reg.hello(worker("w", 5), 0, false);
  reg.healthcheck_ok("w", 5, 0);
  reg.check(2500);
  CHECK(reg.find("w")->health == worker_health::unhealthy);
  CHECK(reg.heartbeat("w", 5, 2600));
  reg.healthcheck_ok("w", 5, 2600);
  auto t = reg.check(2700);
  REQUIRE(t.size() == 1);
  CHECK(t[0].to == worker_health::healthy);
}

TEST_CASE("failing healthchecks alone make a worker unhealthy") {
  worker_registry reg(short_timeouts());
  reg.hello(worker("w", 5), 0, false);
  reg.healthcheck_ok("w", 5, 0);
  for (std::int64_t t = 500; t <= 2500; t += 500) reg.heartbeat("w", 5, t);
  CHECK(reg.check(2000).size() == 1);  // healthy
  auto t = reg.check(2001);
  REQUIRE(t.size() == 1);
  CHECK(t[0].to == worker_health::unhealthy);
}

TEST_CASE("a second worker with a healthy worker's shard id is refused") {
  worker_registry reg(short_timeouts());
  reg.hello(worker("w", 5, 100), 0, false);
  auto r = reg.hello(worker("w", 9, 200), 10, false);
  CHECK_FALSE(r.accepted);
  CHECK(r.message ==
        "shard id \"w\" is already taken by the NEW worker on h (pid 100); use "
        "another --shard_id, or stop that worker");
  CHECK(reg.find("w")->start_ms == 5);
}

TEST_CASE("the same worker instance may reconnect and keeps its state") {
  worker_registry reg(short_timeouts());
  reg.hello(worker("w", 5), 0, false);
  reg.healthcheck_ok("w", 5, 0);
  reg.check(10);
  auto r = reg.hello(worker("w", 5), 20, true);
  CHECK(r.accepted);
  CHECK(r.message == "welcome back");
  CHECK_FALSE(r.bumped);
  CHECK(reg.find("w")->health == worker_health::healthy);
}

TEST_CASE(
    "a hello that repeats a worker's identity without its secret is refused") {
  worker_registry reg(short_timeouts());
  reg.hello(worker("w", 5), 0, false);
  reg.healthcheck_ok("w", 5, 0);
  reg.check(10);
  // Shard, host, pid and start time are public (GET /api/workers).
  auto r = reg.hello(worker("w", 5), 20, false);
  CHECK_FALSE(r.accepted);
  CHECK(r.message.find("already taken") != std::string::npos);
  CHECK(reg.find("w")->health == worker_health::healthy);
}

TEST_CASE("an unhealthy worker is bumped only when allowed") {
  for (bool allow : {false, true}) {
    worker_registry reg(short_timeouts(allow));
    reg.hello(worker("w", 5, 100), 0, false);
    reg.check(2500);  // unhealthy
    auto r = reg.hello(worker("w", 9, 200), 2600, false);
    CHECK(r.accepted == allow);
    CHECK(r.bumped.has_value() == allow);
  }
}

TEST_CASE("a lost worker's shard id is free for a new instance") {
  worker_registry reg(short_timeouts());
  reg.hello(worker("w", 5), 0, false);
  reg.check(2500);
  reg.check(6000);
  REQUIRE(reg.find("w")->health == worker_health::must_die);
  auto r = reg.hello(worker("w", 9), 6100, false);
  CHECK(r.accepted);
  CHECK(reg.find("w")->health == worker_health::new_worker);
  CHECK_FALSE(reg.heartbeat("w", 5, 6200));  // the old instance stays lost
  CHECK(reg.heartbeat("w", 9, 6200));
}

TEST_CASE("heartbeats that stop are reported once, and once when they resume") {
  worker_registry reg(short_timeouts());
  REQUIRE(reg.hello(worker("w", 5), 0, false).accepted);
  CHECK(silence_after_ms(1000) == 2000);
  CHECK(silence_after_ms(15000) == 30000);
  CHECK(reg.check_silence(2000).empty());  // one beat may be late
  auto stopped = reg.check_silence(2001);
  REQUIRE(stopped.size() == 1);
  CHECK(stopped[0].shard == "w");
  CHECK(stopped[0].silent);
  CHECK(stopped[0].gap_ms == 2001);
  CHECK(reg.find("w")->silent);
  CHECK(reg.check_silence(2500).empty());  // said once
  REQUIRE(reg.heartbeat("w", 5, 2600));
  auto again = reg.check_silence(2700);
  REQUIRE(again.size() == 1);
  CHECK_FALSE(again[0].silent);
  CHECK(again[0].gap_ms == 2600);
  CHECK_FALSE(reg.find("w")->silent);
}

TEST_CASE("a worker turning unhealthy says why: heartbeats or healthchecks") {
  worker_registry reg(short_timeouts());
  REQUIRE(reg.hello(worker("w", 5), 0, false).accepted);
  reg.healthcheck_ok("w", 5, 100);
  REQUIRE(reg.check(200).size() == 1);
  auto t = reg.check(2100);  // heartbeat period 1 s + grace 1 s passed
  REQUIRE(t.size() == 1);
  CHECK(t[0].to == worker_health::unhealthy);
  CHECK(t[0].why ==
        "no heartbeat for 2.1 s (it sends one every 1 s, grace "
        "1 s)");
  auto lost = reg.check(5100);
  REQUIRE(lost.size() == 1);
  CHECK(lost[0].to == worker_health::must_die);
  CHECK(lost[0].why.find("; UNHEALTHY for 3 s") != std::string::npos);

  worker_registry quiet(short_timeouts());
  REQUIRE(quiet.hello(worker("q", 5), 0, false).accepted);
  REQUIRE(quiet.heartbeat("q", 5, 1900));
  auto unanswered = quiet.check(2100);
  REQUIRE(unanswered.size() == 1);
  CHECK(unanswered[0].why ==
        "no healthcheck answered since it joined 2.1 s ago");
}

TEST_CASE(
    "a new instance that proves the secret replaces a healthy one at once") {
  worker_registry reg(short_timeouts());
  reg.hello(worker("w", 5, 100), 0, false);
  reg.healthcheck_ok("w", 5, 0);
  reg.check(10);
  REQUIRE(reg.find("w")->health == worker_health::healthy);
  // The same worker after its suicide (a new start time), or restarted on
  // its data dir (a new pid too).
  auto r = reg.hello(worker("w", 9, 200), 20, true);
  CHECK(r.accepted);
  REQUIRE(r.bumped);
  CHECK(r.bumped->start_ms == 5);
  CHECK(reg.find("w")->start_ms == 9);
  CHECK(reg.find("w")->health == worker_health::new_worker);
  // Without the secret, the same new instance is refused.
  worker_registry other(short_timeouts());
  other.hello(worker("w", 5, 100), 0, false);
  CHECK_FALSE(other.hello(worker("w", 9, 200), 20, false).accepted);
}
