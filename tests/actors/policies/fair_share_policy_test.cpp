// fair_share on Bistro's fixture (host1{db11,db12}, host2{db21,db22};
// host_concurrency 2, db_concurrency 1: four tasks at once), and its usage
// accounting with time passed in.
#include "actors/policies/fair_share_policy.hpp"

#include <boost/json/parse.hpp>
#include <catch2/catch.hpp>
#include <string>
#include <variant>

#include "tests/support/scheduler_fixtures.hpp"

using namespace bistro;
using namespace bistro::testing;
using picks = std::vector<std::pair<std::string, std::string>>;

namespace {

std::string owned_job(const std::string& name, const std::string& owner) {
  return "\"bistro_job->" + name + "\": {\"owner\": \"" + owner + "\"}";
}

std::shared_ptr<const config> owners_config(const std::string& jobs,
                                            const std::string& prefs = "") {
  std::string extra = R"("scheduler": "fair_share")";
  if (!prefs.empty()) extra += R"(, "scheduler_prefs": )" + prefs;
  return make_config(bistro_settings(extra), jobs);
}

std::size_t count_job(const picks& p, const std::string& job) {
  std::size_t n = 0;
  for (const auto& [j, node] : p) n += j == job;
  return n;
}

}  // namespace

TEST_CASE("fair_share serves the owner who used fewer slot-seconds first") {
  // Alice's job runs alone on all four slots for 99 s; then Bob's job
  // arrives, and both want every node.
  auto alone = owners_config(owned_job("a", "alice"));
  scheduler_harness h(alone, make_tree(*alone, bistro_nodes()));
  auto first = h.round(1000);
  REQUIRE(first.size() == 4);
  for (const auto& [job, node] : first)
    h.finish(job, node, status_label::incomplete, 100000);
  auto both =
      owners_config(owned_job("a", "alice") + ", " + owned_job("b", "bob"));
  h.reconfigure(both);
  CHECK(h.round(100000) ==
        picks{{"b", "db11"}, {"b", "db12"}, {"b", "db21"}, {"b", "db22"}});
  // roundrobin, from the same state, shares the slots.
  scheduler_harness rr(both, make_tree(*both, bistro_nodes()));
  CHECK(count_job(rr.round(100000, "roundrobin"), "b") == 2);
}

TEST_CASE("fair_share charges the tasks a round started until the next") {
  auto cfg = owners_config(owned_job("a", "alice"));
  fair_share_policy policy;
  const std::vector<std::uint32_t> none{0}, two{2};
  policy.observe({*cfg, 0, none});
  policy.started(two);
  policy.observe({*cfg, 4'000, none});
  // Two tasks of two slots for 4 s, although no round saw them running.
  CHECK(policy.usage_sec("alice") == Approx(16.0));
}

TEST_CASE("fair_share takes turns between owners of equal usage, not jobs") {
  // Alice has two jobs, Bob one: turns go by owner.
  auto cfg =
      owners_config(owned_job("a1", "alice") + ", " + owned_job("a2", "alice") +
                    ", " + owned_job("b", "bob"));
  scheduler_harness h(cfg, make_tree(*cfg, bistro_nodes()));
  auto p = h.round(1000);
  REQUIRE(p.size() == 4);
  CHECK(count_job(p, "b") == 2);
  CHECK(count_job(p, "a1") == 1);
  CHECK(count_job(p, "a2") == 1);
  // The same fixture under roundrobin gives Alice's two jobs three slots.
  scheduler_harness rr(cfg, make_tree(*cfg, bistro_nodes()));
  CHECK(count_job(rr.round(1000, "roundrobin"), "b") == 1);
}

TEST_CASE("fair_share counts slot-seconds within its window only") {
  auto cfg =
      owners_config(owned_job("a", "alice") + ", " + owned_job("b", "bob"),
                    R"({"window_sec": 3600})");
  fair_share_policy policy;
  const std::vector<std::uint32_t> alice_runs_one{1, 0};
  const std::vector<std::uint32_t> nothing_runs{0, 0};
  policy.observe({*cfg, 0, alice_runs_one});
  policy.observe({*cfg, 10'000, nothing_runs});
  // One task of a job with two one-slot resources, for 10 s.
  CHECK(policy.usage_sec("alice") == Approx(20.0));
  CHECK(policy.usage_sec("bob") == 0.0);
  policy.observe({*cfg, 3'000'000, nothing_runs});
  CHECK(policy.usage_sec("alice") == Approx(20.0));
  // An hour after it ended, the use has left the window.
  policy.observe({*cfg, 3'700'000, nothing_runs});
  CHECK(policy.usage_sec("alice") == 0.0);
}

TEST_CASE("fair_share charges a task for as long as it runs") {
  auto cfg = owners_config(owned_job("a", "alice"));
  fair_share_policy policy;
  const std::vector<std::uint32_t> three{3};
  policy.observe({*cfg, 0, three});
  policy.observe({*cfg, 5'000, three});
  policy.observe({*cfg, 7'000, three});
  CHECK(policy.usage_sec("alice") == Approx(3 * 2 * 7.0));
}

TEST_CASE("fair_share starts afresh when the window changes") {
  auto hour = owners_config(owned_job("a", "alice"), R"({"window_sec": 3600})");
  auto minute = owners_config(owned_job("a", "alice"), R"({"window_sec": 60})");
  fair_share_policy policy;
  const std::vector<std::uint32_t> one{1}, none{0};
  policy.observe({*hour, 0, one});
  policy.observe({*hour, 1'000, none});
  CHECK(policy.usage_sec("alice") > 0);
  policy.observe({*minute, 2'000, none});
  CHECK(policy.settings().window_sec == 60);
  CHECK(policy.usage_sec("alice") == 0.0);
}

TEST_CASE("fair_share prefs name what is wrong") {
  auto read = [](const char* json) {
    auto v = boost::json::parse(json);
    return read_fair_share_settings(v.as_object());
  };
  CHECK(std::get<fair_share_settings>(read("{}")).window_sec == 3600);
  CHECK(
      std::get<fair_share_settings>(read(R"({"window_sec": 60})")).window_sec ==
      60);
  CHECK(std::get<std::string>(read(R"({"window": 60})")) ==
        "unknown pref \"window\" for fair_share (valid: window_sec)");
  CHECK(std::get<std::string>(read(R"({"window_sec": "60"})")) ==
        "window_sec must be an integer between 1 and 316224000");
  CHECK(std::get<std::string>(read(R"({"window_sec": 0})")) ==
        "window_sec must be an integer between 1 and 316224000");
  CHECK_FALSE(check_fair_share_prefs(boost::json::object{}));
}
