// The run table (actors/state/run_table.hpp): run ids, finishing and
// taken results, lost workers, restored runs, and which shard may deliver
// which late result.
#include "actors/state/run_table.hpp"

#include <catch2/catch.hpp>

using namespace bistro;

namespace {

run_info run_of(const std::string& job, const std::string& node,
                worker_index w) {
  run_info r;
  r.job = job;
  r.node = node;
  r.worker = w;
  r.start_ms = 1000;
  return r;
}

}  // namespace

TEST_CASE("run_table: new runs get growing ids, an adopted one stays ahead") {
  run_table t;
  t.set_next_id(5000);
  auto [a, ra] = t.start(run_of("j", "n1", 0));
  auto [b, rb] = t.start(run_of("j", "n2", 1));
  CHECK(a == 5000);
  CHECK(b == 5001);
  CHECK(ra->node == "n1");
  CHECK(rb->worker == 1);
  CHECK(t.size() == 2);
  t.adopt(9000, run_of("k", "n3", 1));
  CHECK(t.next_id() == 9001);
  t.adopt(10, run_of("k", "n4", 1));  // an old id does not move ids back
  CHECK(t.next_id() == 9001);
  CHECK(t.start(run_of("k", "n5", 0)).first == 9001);
  CHECK(t.busy_tasks() ==
        std::unordered_set<std::string>{
            task_name_key("j", "n1"), task_name_key("j", "n2"),
            task_name_key("k", "n3"), task_name_key("k", "n4"),
            task_name_key("k", "n5")});
}

TEST_CASE(
    "run_table: a finished run is remembered as taken, up to the "
    "capacity") {
  run_table t{2};
  std::vector<std::uint64_t> ids;
  for (int i = 0; i < 3; ++i)
    ids.push_back(t.start(run_of("j", "n" + std::to_string(i), 0)).first);
  for (auto id : ids) {
    auto run = t.finish(t.find(id));
    CHECK(run.job == "j");
    CHECK(t.find(id) == t.end());
  }
  CHECK(t.empty());
  CHECK_FALSE(t.taken(ids[0]));  // forgotten: the capacity is 2
  CHECK(t.taken(ids[1]));
  CHECK(t.taken(ids[2]));
  CHECK_FALSE(t.taken(12345));
}

TEST_CASE(
    "run_table: a lost worker's runs may still be delivered by its "
    "shard, once, until the task runs again") {
  run_table t;
  auto [a, ra] = t.start(run_of("j", "n1", 3));
  auto [b, rb] = t.start(run_of("j", "n2", 3));
  auto [c, rc] = t.start(run_of("j", "n3", 4));
  (void)ra, (void)rb, (void)rc;
  std::vector<std::uint64_t> given_up;
  CHECK(t.lose_worker(3, "w3", [&](std::uint64_t id, run_info& run) {
    CHECK(run.worker == 3);
    given_up.push_back(id);
  }) == 2);
  CHECK(given_up.size() == 2);
  CHECK(t.size() == 1);
  CHECK(t.count(c) == 1);

  SECTION("another shard, another run id or another task is refused") {
    CHECK(t.claim_late(a, "j", "n1", "w4") == run_table::late_result::none);
    CHECK(t.claim_late(a + 100, "j", "n1", "w3") ==
          run_table::late_result::none);
    CHECK(t.claim_late(a, "j", "n2", "w3") == run_table::late_result::none);
  }
  SECTION("the shard that ran it claims it once") {
    CHECK(t.claim_late(a, "j", "n1", "w3") == run_table::late_result::lost);
    CHECK(t.claim_late(a, "j", "n1", "w3") == run_table::late_result::none);
  }
  SECTION("the task running again ends the claim") {
    t.start(run_of("j", "n2", 4));
    CHECK(t.claim_late(b, "j", "n2", "w3") == run_table::late_result::none);
    CHECK(t.claim_late(a, "j", "n1", "w3") == run_table::late_result::lost);
  }
}

TEST_CASE(
    "run_table: runs stored as running may be delivered or reported "
    "by their shard until the start-up wait settles them") {
  run_table t;
  t.restore("j", "n1", 77, restored_run{"j", "n1", "w1", 500});
  t.restore("j", "n2", 78, restored_run{"j", "n2", "w1", 500});
  t.restore("j", "n3", 0, restored_run{"j", "n3", "", 0});  // no run id
  CHECK(t.unconfirmed().size() == 3);

  CHECK(t.claim_late(77, "j", "n1", "w2") == run_table::late_result::none);
  CHECK(t.claim_late(77, "j", "n9", "w1") == run_table::late_result::none);
  CHECK(t.claim_late(77, "j", "n1", "w1") == run_table::late_result::restored);
  CHECK(t.claim_late(77, "j", "n1", "w1") == run_table::late_result::none);

  auto reported = t.take_restored(78);
  REQUIRE(reported);
  CHECK(reported->shard == "w1");
  CHECK_FALSE(t.take_restored(78));
  CHECK_FALSE(t.take_restored(0));

  t.restore("j", "n4", 79, restored_run{"j", "n4", "w1", 500});
  t.settle();
  CHECK(t.unconfirmed().empty());
  CHECK(t.claim_late(79, "j", "n4", "w1") == run_table::late_result::none);
}
