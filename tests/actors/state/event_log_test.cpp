// The scheduler's event log (actors/state/event_log.hpp): sequence
// numbers, the bound, reading after a sequence number and filters.
#include "actors/state/event_log.hpp"

#include <catch2/catch.hpp>

using namespace bistro;

TEST_CASE(
    "event_log: events come back after a sequence number, oldest "
    "first") {
  event_log log{10};
  CHECK(log.last_seq() == 0);
  CHECK(log.add(100, "worker_joined", "w1", "on host a") == 1);
  CHECK(log.add(200, "config_loaded", "/etc/c", "2 jobs") == 2);
  CHECK(log.add(300, "kill", "j n1", "on request") == 3);
  auto all = log.after(0, 100);
  REQUIRE(all.size() == 3);
  CHECK(all[0]->seq == 1);
  CHECK(all[0]->kind == "worker_joined");
  CHECK(all[0]->subject == "w1");
  CHECK(all[2]->time_ms == 300);
  auto later = log.after(2, 100);
  REQUIRE(later.size() == 1);
  CHECK(later[0]->kind == "kill");
  CHECK(log.after(3, 100).empty());
}

TEST_CASE(
    "event_log: the ring keeps the newest events; a limit keeps the "
    "newest of those asked for") {
  event_log log{3};
  for (int i = 1; i <= 5; ++i)
    log.add(i, "kill", "j n" + std::to_string(i), "");
  CHECK(log.size() == 3);
  CHECK(log.first_seq() == 3);
  CHECK(log.last_seq() == 5);
  auto kept = log.after(0, 100);
  REQUIRE(kept.size() == 3);
  CHECK(kept[0]->seq == 3);
  CHECK(kept[2]->seq == 5);
  auto newest = log.after(0, 2);
  REQUIRE(newest.size() == 2);
  CHECK(newest[0]->seq == 4);
  CHECK(newest[1]->seq == 5);
}

TEST_CASE("event_log: filters by kind and subject") {
  event_log log{10};
  log.add(1, "worker_joined", "w1", "");
  log.add(2, "worker_health", "w1", "NEW -> HEALTHY");
  log.add(3, "worker_joined", "w2", "");
  log.add(4, "worker_health", "w2", "NEW -> HEALTHY");
  auto joined = log.after(0, 10, "worker_joined");
  REQUIRE(joined.size() == 2);
  CHECK(joined[1]->subject == "w2");
  auto w1 = log.after(0, 10, "", "w1");
  REQUIRE(w1.size() == 2);
  CHECK(w1[1]->message == "NEW -> HEALTHY");
  CHECK(log.after(0, 10, "worker_health", "w2").size() == 1);
}
