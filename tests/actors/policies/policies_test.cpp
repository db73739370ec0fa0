// Each policy on Bistro's own fixture: host1{db11,db12}, host2{db21,db22},
// host_concurrency 2, db_concurrency 1; job1 priority 10, job2 priority 1,
// and job3 (priority 100, whitelisted to db12) where named.
#include <algorithm>
#include <catch2/catch.hpp>
#include <map>

#include "actors/policies/builtin_policies.hpp"
#include "tests/support/scheduler_fixtures.hpp"

using namespace bistro;
using namespace bistro::testing;
using picks = std::vector<std::pair<std::string, std::string>>;

namespace {

scheduler_harness fixture(bool with_job3, std::uint64_t seed = 1) {
  std::string jobs =
      job("job1", R"("priority": 10)") + ", " + job("job2", R"("priority": 1)");
  if (with_job3) {
    jobs +=
        ", " + job("job3", R"("priority": 100,)"
                           R"( "filters": {"db": {"whitelist": ["db12"]}})");
  }
  auto cfg = make_config(bistro_settings(), jobs);
  return scheduler_harness(cfg, make_tree(*cfg, bistro_nodes()), {{"w", "w"}},
                           seed);
}

}  // namespace

TEST_CASE("Each built-in policy is stateless or makes a stateful instance") {
  std::vector<std::string> names;
  for (const auto& p : builtin_policies()) {
    names.emplace_back(p.name);
    CHECK((p.stateless != nullptr) != (p.make_stateful != nullptr));
    if (p.make_stateful) CHECK(p.make_stateful() != nullptr);
    CHECK(find_builtin_policy(p.name) == &p);
  }
  CHECK(names == std::vector<std::string>{"roundrobin", "ranked_priority",
                                          "randomized_priority", "long_tail",
                                          "fair_share"});
  std::vector<std::string> catalog;
  for (const auto& e : builtin_policy_catalog().entries)
    catalog.push_back(e.name);
  CHECK(catalog == names);
  CHECK(find_builtin_policy("nope") == nullptr);
  CHECK(find_policy("fair_share") == nullptr);  // stateful: no shared instance
}

TEST_CASE("roundrobin alternates jobs, one task per job per cycle") {
  auto h = fixture(false);
  CHECK(h.round(1000, "roundrobin") == picks{{"job1", "db11"},
                                             {"job2", "db12"},
                                             {"job1", "db21"},
                                             {"job2", "db22"}});
}

TEST_CASE("ranked_priority gives the highest priority job all it can take") {
  auto h = fixture(true);
  CHECK(h.round(1000, "ranked_priority") == picks{{"job3", "db12"},
                                                  {"job1", "db11"},
                                                  {"job1", "db21"},
                                                  {"job1", "db22"}});
}

TEST_CASE("long_tail serves the job with the fewest candidates first") {
  auto h = fixture(true);
  // job3 has one candidate; job1 and job2 tie on four, job1 ranks higher.
  CHECK(h.round(1000, "long_tail") == picks{{"job3", "db12"},
                                            {"job1", "db11"},
                                            {"job1", "db21"},
                                            {"job1", "db22"}});
}

TEST_CASE("randomized_priority is exact for a seed") {
  auto a = fixture(false, 7);
  auto b = fixture(false, 7);
  auto first = a.round(1000, "randomized_priority");
  CHECK(first.size() == 4);
  CHECK(first == b.round(1000, "randomized_priority"));
}

TEST_CASE("randomized_priority draws jobs in proportion to priority") {
  std::map<std::string, int> count;
  for (std::uint64_t seed = 0; seed < 100; ++seed) {
    auto h = fixture(false, seed);
    auto started = h.round(1000, "randomized_priority");
    REQUIRE(started.size() == 4);
    for (const auto& [job_name, node] : started) ++count[job_name];
  }
  CHECK(count["job1"] + count["job2"] == 400);
  CHECK(count["job1"] > 320);  // about 10/11 of 400, i.e. 364
  CHECK(count["job2"] > 0);
}

namespace {

// A placer that starts everything and remembers the order.
struct recording_placer final : task_placer {
  std::vector<std::pair<job_index, node_id>> tried;
  placement_outcome try_start(job_index job, node_id node) override {
    tried.emplace_back(job, node);
    return placement_outcome::started;
  }
};

}  // namespace

TEST_CASE("A stalled job keeps its candidate for the next round") {
  struct stalling_placer final : task_placer {
    placement_outcome try_start(job_index job, node_id) override {
      return job == 0 ? placement_outcome::job_stalled
                      : placement_outcome::started;
    }
  } placer;
  std::mt19937_64 rng(1);
  for (const auto& p : builtin_policies()) {
    INFO("policy " << p.name);
    std::vector<job_candidates> jobs{{0, 5.0, 2, {1, 2}, false},
                                     {1, 1.0, 1, {3}, false}};
    auto instance = p.make_stateful ? p.make_stateful() : nullptr;
    const scheduler_policy& policy = p.stateless ? *p.stateless : *instance;
    CHECK(policy.schedule(jobs, placer, rng) == 1);
    CHECK(jobs[0].nodes == std::vector<node_id>{1, 2});
    CHECK(jobs[1].nodes.empty());
  }
}

TEST_CASE("Policies try nodes from the back of each job's list") {
  recording_placer placer;
  std::mt19937_64 rng(1);
  std::vector<job_candidates> jobs{{0, 1.0, 2, {1, 2}, false},
                                   {1, 1.0, 1, {3}, false}};
  find_policy("roundrobin")->schedule(jobs, placer, rng);
  CHECK(placer.tried ==
        std::vector<std::pair<job_index, node_id>>{{0, 2}, {1, 3}, {0, 1}});
}

TEST_CASE("long_tail ranks by all remaining candidates, not those offered") {
  recording_placer placer;
  std::mt19937_64 rng(1);
  // Job 0 offers one node now but has 100 waiting for slots.
  std::vector<job_candidates> jobs{{0, 1.0, 100, {1}, false},
                                   {1, 1.0, 2, {2, 3}, false}};
  find_policy("long_tail")->schedule(jobs, placer, rng);
  CHECK(placer.tried ==
        std::vector<std::pair<job_index, node_id>>{{1, 3}, {1, 2}, {0, 1}});
}
