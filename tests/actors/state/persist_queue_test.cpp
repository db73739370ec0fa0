// The persist queue (actors/state/persist_queue.hpp): batches,
// acknowledgements in order, and a failing store's state and counters.
#include "actors/state/persist_queue.hpp"

#include <catch2/catch.hpp>

using namespace bistro;

namespace {

stored_status status_of(const std::string& node) {
  stored_status s;
  s.job = "j";
  s.node = node;
  return s;
}

}  // namespace

TEST_CASE(
    "persist_queue: one batch takes every status and acknowledgement "
    "queued, in order") {
  persist_queue q;
  CHECK(q.empty());
  q.push(status_of("n1"));
  std::vector<std::string> called;
  q.after([&](bool ok) { called.push_back(ok ? "a ok" : "a failed"); });
  q.push(status_of("n2"));
  q.after([&](bool ok) { called.push_back(ok ? "b ok" : "b failed"); });
  CHECK(q.queued() == 2);
  CHECK_FALSE(q.empty());

  auto batch = q.take();
  CHECK(q.empty());
  REQUIRE(batch.statuses.size() == 2);
  CHECK(batch.statuses[0].node == "n1");
  CHECK(batch.statuses[1].node == "n2");
  REQUIRE(batch.acks.size() == 2);
  for (const auto& ack : batch.acks) ack(true);
  CHECK(called == std::vector<std::string>{"a ok", "b ok"});

  SECTION("an acknowledgement alone is a batch too") {
    q.after([](bool) {});
    CHECK_FALSE(q.empty());
    auto only = q.take();
    CHECK(only.statuses.empty());
    CHECK(only.acks.size() == 1);
  }
}

TEST_CASE(
    "persist_queue: a failed commit holds until one succeeds; counters "
    "count what was kept") {
  persist_queue q;
  CHECK_FALSE(q.failing());
  CHECK_FALSE(q.committed(true, 5, 0.5));
  CHECK(q.statuses_persisted() == 5);
  CHECK(q.commits() == 1);
  CHECK_FALSE(q.committed(false, 3, 0.25));
  CHECK(q.failing());
  CHECK_FALSE(q.committed(false, 3, 0.25));
  CHECK(q.failing());
  CHECK(q.statuses_persisted() == 5);  // nothing of a failed commit counts
  CHECK(q.committed(true, 3, 0.125));  // this one ends the failure
  CHECK_FALSE(q.failing());
  CHECK_FALSE(q.committed(true, 1, 0.125));
  CHECK(q.statuses_persisted() == 9);
  CHECK(q.commits() == 3);
  CHECK(q.commit_seconds() == Approx(1.25));
}
