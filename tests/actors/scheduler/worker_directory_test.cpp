// The worker directory (actors/scheduler/worker_directory.hpp): slots by
// index, who may speak for a shard (first contact, a proven secret, a
// stranger), drains, and in-process workers that come before the config.
#include "actors/scheduler/worker_directory.hpp"

#include <catch2/catch.hpp>

#include "actors/workers/worker_secret.hpp"

using namespace bistro;

namespace {

worker_record hello_of(const std::string& shard, std::int64_t start_ms) {
  worker_record r;
  r.shard = shard;
  r.host = "h";
  r.pid = 42;
  r.start_ms = start_ms;
  r.heartbeat_period_ms = 1000;
  return r;
}

}  // namespace

TEST_CASE(
    "worker_directory: slots by index; only a connected slot is found "
    "by its shard") {
  worker_directory d;
  CHECK(d.empty());
  worker_slot a;
  a.shard = "w1";
  d.place(2, a);  // the roster's index; the ones before stay empty
  CHECK(d.size() == 3);
  CHECK(d[2].shard == "w1");
  CHECK_FALSE(d.index_of("w1"));  // no handle: not connected
  CHECK_FALSE(d.known("w1"));
}

TEST_CASE(
    "worker_directory: a shard's first hello is trusted, then only a "
    "hello with its secret speaks for it") {
  worker_directory d;
  auto first = d.identify(hello_of("w1", 100), "", 1000);
  CHECK(first.first_contact);
  CHECK_FALSE(first.proven);
  CHECK(first.trusted());
  CHECK(first.result.accepted);
  CHECK(d.known("w1"));  // the health registry has it now

  auto secret = make_worker_secret();
  d.remember_secret("w1", worker_secret_hash(secret));
  CHECK(d.secret_hash("w1") == worker_secret_hash(secret));
  CHECK(d.secret_hash("w2").empty());

  SECTION(
      "a stranger naming the shard is neither first contact nor "
      "proven, and is refused while the worker lives") {
    auto stranger = d.identify(hello_of("w1", 200), "guess", 2000);
    CHECK_FALSE(stranger.first_contact);
    CHECK_FALSE(stranger.proven);
    CHECK_FALSE(stranger.trusted());
    CHECK_FALSE(stranger.result.accepted);
  }
  SECTION(
      "the worker's new instance proves the secret and replaces the old "
      "one") {
    auto again = d.identify(hello_of("w1", 300), secret, 3000);
    CHECK(again.proven);
    CHECK(again.trusted());
    CHECK(again.result.accepted);
    CHECK(again.result.bumped);
  }
  SECTION("secrets kept from an earlier run count from the start") {
    worker_directory restarted{worker_timeouts{},
                               {{"w1", worker_secret_hash(secret)}}};
    CHECK_FALSE(restarted.identify(hello_of("w1", 400), "", 4000).trusted());
    CHECK(restarted.identify(hello_of("w1", 500), secret, 5000).proven);
  }
}

TEST_CASE(
    "worker_directory: drains change once, and a drained shard is "
    "known before it connects") {
  worker_directory d{worker_timeouts{}, {}, {"kept"}};
  CHECK(d.drained("kept"));
  CHECK(d.known("kept"));
  CHECK(d.set_drained("w1", true));
  CHECK_FALSE(d.set_drained("w1", true));  // no change
  CHECK(d.drained_shards() == std::set<std::string>{"kept", "w1"});
  CHECK(d.set_drained("w1", false));
  CHECK_FALSE(d.set_drained("w1", false));
  CHECK_FALSE(d.drained("w1"));
  CHECK_FALSE(d.known("w1"));
}

TEST_CASE(
    "worker_directory: in-process workers before the config are kept "
    "in order and handed over once") {
  worker_directory d;
  d.join_later(worker_actor{}, "local1", "h1");
  d.join_later(worker_actor{}, "local2", "h2");
  auto early = d.take_early_joins();
  REQUIRE(early.size() == 2);
  CHECK(std::get<1>(early[0]) == "local1");
  CHECK(std::get<2>(early[1]) == "h2");
  CHECK(d.take_early_joins().empty());
}
