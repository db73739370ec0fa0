#include "actors/rounds/round_scheduler.hpp"

#include <catch2/catch.hpp>

#include "tests/support/scheduler_fixtures.hpp"

using namespace bistro;
using namespace bistro::testing;
using picks = std::vector<std::pair<std::string, std::string>>;

namespace {

scheduler_harness two_jobs(const std::string& policy = "roundrobin") {
  auto cfg = make_config(bistro_settings("\"scheduler\": \"" + policy + "\""),
                         job("job1", R"("priority": 10)") + ", " +
                             job("job2", R"("priority": 1)"));
  return scheduler_harness(cfg, make_tree(*cfg, bistro_nodes()));
}

}  // namespace

TEST_CASE("Two jobs start exactly four tasks in the first round, one per db") {
  auto h = two_jobs();
  CHECK(h.round() == picks{{"job1", "db11"},
                           {"job2", "db12"},
                           {"job1", "db21"},
                           {"job2", "db22"}});
  CHECK(h.round().empty());
  CHECK(h.scheduler.num_running() == 4);
  CHECK_FALSE(h.scheduler.ledger().any_negative());
}

TEST_CASE("A finished task frees its slots for the next round") {
  auto h = two_jobs("ranked_priority");
  CHECK(h.round() == picks{{"job1", "db11"},
                           {"job1", "db12"},
                           {"job1", "db21"},
                           {"job1", "db22"}});
  h.finish("job1", "db12", status_label::done);
  CHECK(h.round() == picks{{"job2", "db12"}});
  h.finish("job1", "db21", status_label::incomplete);
  // job1 wants db21 again and outranks job2.
  CHECK(h.round() == picks{{"job1", "db21"}});
}

TEST_CASE("A task in backoff is offered again once the backoff ends") {
  auto cfg =
      make_config(bistro_settings(), job("job1", R"("backoff": [10, "fail"])"));
  scheduler_harness h(cfg, make_tree(*cfg, {{"host1", ""}, {"db11", "host1"}}));
  CHECK(h.round(1000).size() == 1);
  h.finish("job1", "db11", status_label::error_backoff, 2000);
  CHECK(h.round(3000).empty());
  CHECK(h.round(12000) == picks{{"job1", "db11"}});
}

TEST_CASE("A task whose dependency is done on its node becomes a candidate") {
  auto cfg =
      make_config(bistro_settings(R"("scheduler": "ranked_priority")"),
                  job("job1", R"("priority": 10, "depends_on": ["job2"])") +
                      ", " + job("job2", R"("priority": 1)"));
  scheduler_harness h(cfg, make_tree(*cfg, bistro_nodes()));
  CHECK(h.round() == picks{{"job2", "db11"},
                           {"job2", "db12"},
                           {"job2", "db21"},
                           {"job2", "db22"}});
  h.finish("job2", "db11", status_label::done);
  h.finish("job2", "db12", status_label::incomplete);
  CHECK(h.round() == picks{{"job1", "db11"}, {"job2", "db12"}});
}

TEST_CASE("A job depending on an unknown job never runs") {
  auto cfg =
      make_config(bistro_settings(), job("job1", R"("depends_on": ["nope"])"));
  scheduler_harness h(cfg, make_tree(*cfg, bistro_nodes()));
  CHECK(h.round().empty());
}

TEST_CASE("Disabled nodes and nodes under a disabled ancestor get no tasks") {
  auto cfg = make_config(bistro_settings(), job("job1"));
  scheduler_harness h(cfg, make_tree(*cfg, {{"host1", ""},
                                            {"db11", "host1", false},
                                            {"db12", "host1"},
                                            {"host2", "", false},
                                            {"db21", "host2"}}));
  CHECK(h.round() == picks{{"job1", "db12"}});
}

TEST_CASE("Replicas run one task at a time on whichever chain has room") {
  // host1 has one slot, which "hog" takes on x before "rep" tries there.
  const std::string only_rep =
      R"("filters": {"db": {"whitelist": ["rep_db"]}})";
  auto cfg = make_config(
      bistro_settings().replace(bistro_settings().find("\"limit\": 2"), 10,
                                "\"limit\": 1") +
          R"(, "scheduler": "ranked_priority")",
      job("hog", R"("priority": 10, "filters": {"db": {"whitelist": ["x"]}})") +
          ", " + job("rep", only_rep) + ", " +
          job("rep2", R"("priority": 0.5, )" + only_rep));
  auto tree = make_tree(*cfg, {{"host1", ""},
                               {"x", "host1"},
                               {"host2", ""},
                               {"rep_db", "host1"},
                               {"rep_db", "host2"}});
  scheduler_harness h(cfg, tree);
  CHECK(h.round() == picks{{"hog", "x"}, {"rep", "rep_db"}});
  // rep used the copy under host2; rep2 waits for the shared db slot.
  CHECK(tree->name(tree->parent(h.last_picks[1].chain)) == "host2");
  h.finish("rep", "rep_db", status_label::done);
  CHECK(h.round() == picks{{"rep2", "rep_db"}});
}

TEST_CASE("Lowering a limit kills nothing and blocks starts until it fits") {
  auto h = two_jobs("ranked_priority");
  REQUIRE(h.round().size() == 4);
  auto lowered = make_config(
      bistro_settings().replace(bistro_settings().find("\"limit\": 2"), 10,
                                "\"limit\": 1") +
          R"(, "scheduler": "ranked_priority")",
      job("job1", R"("priority": 10)") + ", " +
          job("job2", R"("priority": 1)"));
  h.reconfigure(lowered);
  CHECK(h.scheduler.num_running() == 4);
  CHECK(h.free_on("host1", "host_concurrency") == -1);
  h.finish("job1", "db11", status_label::done);
  CHECK(h.free_on("host1", "host_concurrency") == 0);
  CHECK(h.round().empty());
  h.finish("job1", "db12", status_label::done);
  CHECK(h.round() == picks{{"job2", "db11"}});
}

TEST_CASE("A round with no usable worker starts nothing until one joins") {
  auto cfg = make_config(bistro_settings(), job("job1"));
  scheduler_harness h(cfg, make_tree(*cfg, bistro_nodes()), {});
  CHECK(h.round().empty());
  h.scheduler.add_worker("w1", "w1");
  CHECK(h.round().size() == 4);
}

TEST_CASE("Prepare, plan and commit in steps start the same tasks as a round") {
  auto a = two_jobs();
  auto b = two_jobs();
  auto input = b.scheduler.prepare_round(b.rows(), 1000);
  auto output = plan_round(*find_policy("roundrobin"), std::move(input), b.rng);
  auto started = b.scheduler.commit_round(std::move(output), b.rows(), 1000);
  a.round();
  CHECK(started == a.last_picks);
  CHECK(b.scheduler.num_running() == 4);
}

TEST_CASE("A commit planned before a reset starts nothing") {
  auto h = two_jobs();
  auto input = h.scheduler.prepare_round(h.rows(), 1000);
  auto output = plan_round(*find_policy("roundrobin"), std::move(input), h.rng);
  h.reconfigure(h.cfg);
  CHECK(h.scheduler.commit_round(std::move(output), h.rows(), 1000).empty());
  CHECK(h.round().size() == 4);
}

TEST_CASE("A freed host wakes only what fits and follows up if a waker loses") {
  // One host slot. "blocker" holds it; j waits on the host for dbA and dbB.
  // When it frees, one of j's waiters (dbB) wakes, but "dbonly" (no host
  // demand, higher priority) takes dbB's slot in that round: the host still
  // has room for j's dbA, which the follow-up round starts.
  auto cfg = make_config(
      bistro_settings().replace(bistro_settings().find("\"limit\": 2"), 10,
                                "\"limit\": 1") +
          R"(, "scheduler": "ranked_priority")",
      job("blocker",
          R"("priority": 100, "filters": {"db": {"whitelist": ["dbC"]}})") +
          ", " +
          job("dbonly", R"("priority": 50, "backoff": [1, "fail"],)"
                        R"( "resources": {"host_concurrency": 0},)"
                        R"( "filters": {"db": {"whitelist": ["dbB"]}})") +
          ", " +
          job("j", R"("filters": {"db": {"whitelist": ["dbA", "dbB"]}})"));
  scheduler_harness h(cfg, make_tree(*cfg, {{"host1", ""},
                                            {"dbA", "host1"},
                                            {"dbB", "host1"},
                                            {"dbC", "host1"}}));
  parsed_status error;
  error.label = status_label::error_backoff;
  h.statuses[h.job_of("dbonly")]->apply(*h.tree->find("dbB"), error, 0,
                                        cfg->jobs[h.job_of("dbonly")].backoff);
  CHECK(h.round(500) == picks{{"blocker", "dbC"}});
  CHECK_FALSE(h.scheduler.has_follow_up());
  h.finish("blocker", "dbC", status_label::done, 4000);
  CHECK(h.scheduler.has_follow_up());
  CHECK(h.round(5000) == picks{{"dbonly", "dbB"}});
  CHECK(h.scheduler.has_follow_up());
  CHECK(h.round(5000) == picks{{"j", "dbA"}});
  CHECK_FALSE(h.scheduler.has_follow_up());
}
