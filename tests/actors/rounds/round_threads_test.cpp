// The round's per-job work on several threads: round_threads itself, and a
// round_scheduler on 1 thread against the same on 3 over randomized
// configs, trees and statuses, round after round.
#include "actors/rounds/round_threads.hpp"

#include <atomic>
#include <catch2/catch.hpp>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "tests/support/scheduler_fixtures.hpp"

using namespace bistro;
using namespace bistro::testing;

TEST_CASE("round_threads runs every item exactly once, on several threads") {
  for (unsigned threads : {1u, 2u, 4u}) {
    round_threads pool(threads);
    CHECK(pool.size() == threads);
    for (std::size_t items : {0u, 1u, 7u, 200u}) {
      std::vector<std::atomic<int>> runs(items);
      std::mutex mutex;
      std::set<std::thread::id> seen;
      pool.for_each(items, [&](std::size_t i) {
        ++runs[i];
        std::lock_guard lock(mutex);
        seen.insert(std::this_thread::get_id());
      });
      for (std::size_t i = 0; i < items; ++i) CHECK(runs[i] == 1);
      CHECK(seen.size() <= threads);
    }
  }
}

TEST_CASE("round_threads rethrows an item's exception after every item ran") {
  round_threads pool(3);
  std::atomic<int> ran{0};
  CHECK_THROWS_WITH(pool.for_each(50,
                                  [&](std::size_t i) {
                                    ++ran;
                                    if (i == 17)
                                      throw std::runtime_error("item 17");
                                  }),
                    "item 17");
  CHECK(ran == 50);
  // Still usable afterwards.
  std::atomic<int> again{0};
  pool.for_each(10, [&](std::size_t) { ++again; });
  CHECK(again == 10);
}

namespace {

// A random shape: hosts with dbs (some disabled, some tagged), jobs with
// priorities, filters, dependencies and backoff, one of the policies.
struct random_case {
  std::shared_ptr<const config> cfg;
  std::shared_ptr<const node_tree> tree;
};

random_case make_random_case(std::uint64_t seed) {
  std::mt19937_64 gen(seed);
  auto pick = [&](int n) {
    return static_cast<int>(gen() % static_cast<std::uint64_t>(n));
  };
  static const char* policies[] = {"roundrobin", "ranked_priority",
                                   "randomized_priority", "long_tail",
                                   "fair_share"};
  const std::string policy = policies[pick(5)];
  std::string jobs;
  const int num_jobs = 1 + pick(7);
  for (int j = 0; j < num_jobs; ++j) {
    std::string body = "\"priority\": " + std::to_string(1 + pick(20)) +
                       ", \"backoff\": [" + std::to_string(1 + pick(5)) + ", " +
                       std::to_string(6 + pick(20)) + ", \"fail\"]";
    switch (pick(6)) {
      case 0:
        body += R"(, "filters": {"db": {"whitelist_regex": "[02468]$"}})";
        break;
      case 1:
        body += R"(, "filters": {"db": {"tag_whitelist": ["ssd"]}})";
        break;
      case 2:
        body += R"(, "filters": {"host": {"blacklist": ["host1"]}})";
        break;
      default:
        break;
    }
    if (j > 0 && pick(4) == 0) {
      body += ", \"depends_on\": [\"job" + std::to_string(pick(j)) + "\"]";
    }
    if (!jobs.empty()) jobs += ", ";
    jobs += job("job" + std::to_string(j), body);
  }
  random_case out;
  out.cfg =
      make_config(bistro_settings("\"scheduler\": \"" + policy + "\""), jobs);
  std::vector<node_spec> nodes;
  const int hosts = 2 + pick(10);
  for (int h = 0; h < hosts; ++h) {
    const std::string host = "host" + std::to_string(h);
    nodes.push_back({host, "", pick(10) != 0});
    const int dbs = 1 + pick(8);
    for (int d = 0; d < dbs; ++d) {
      std::vector<std::string> tags;
      if (pick(3) == 0) tags.push_back("ssd");
      nodes.push_back(
          {host + ".db" + std::to_string(d), host, pick(12) != 0, tags});
    }
  }
  out.tree = make_tree(*out.cfg, nodes);
  return out;
}

}  // namespace

TEST_CASE("A round on several threads starts the same tasks as on one") {
  const status_label endings[] = {
      status_label::done, status_label::incomplete, status_label::error_backoff,
      status_label::incomplete_backoff, status_label::failed};
  for (std::uint64_t seed = 1; seed <= 40; ++seed) {
    INFO("seed " << seed);
    auto c = make_random_case(seed);
    INFO("scheduler " << c.cfg->scheduler << ", " << c.cfg->jobs.size()
                      << " jobs, " << c.tree->size() << " nodes");
    const std::vector<std::pair<std::string, std::string>> workers = {
        {"w1", "w1"}, {"w2", "w2"}, {"w3", "w3"}};
    scheduler_harness one(c.cfg, c.tree, workers, seed);
    scheduler_harness many(c.cfg, c.tree, workers, seed);
    // Every incremental round on the threads too, however little changed.
    many.scheduler.set_threads(3, 0);
    REQUIRE(many.scheduler.threads() == 3);
    // Again, so that the reset's eligibility runs on the threads too.
    one.reconfigure(c.cfg);
    many.reconfigure(c.cfg);
    std::mt19937_64 gen(seed * 7919);
    std::vector<std::pair<std::string, std::string>> running;
    std::int64_t now = 1000;
    for (int round = 0; round < 12; ++round, now += 3000) {
      INFO("round " << round);
      auto picks = one.round(now);
      REQUIRE(many.round(now) == picks);
      running.insert(running.end(), picks.begin(), picks.end());
      // Some of what runs ends, the same way on both.
      std::vector<std::pair<std::string, std::string>> still;
      for (const auto& task : running) {
        if (gen() % 2 == 0) {
          still.push_back(task);
          continue;
        }
        const auto label = endings[gen() % 5];
        one.finish(task.first, task.second, label, now + 1000);
        many.finish(task.first, task.second, label, now + 1000);
      }
      running = std::move(still);
    }
    CHECK(one.scheduler.num_running() == many.scheduler.num_running());
  }
}
