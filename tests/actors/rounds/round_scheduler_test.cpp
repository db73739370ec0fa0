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

TEST_CASE("A dependency done outside a run's end still frees its dependents") {
  // A status that reaches the row without the round engine's task_finished
  // (a late result after a restart, a job that may not run itself): the
  // row's change feed carries it to the jobs that depend on it.
  auto cfg = make_config(bistro_settings(R"("scheduler": "ranked_priority")"),
                         job("job1", R"("depends_on": ["job2"])") + ", " +
                             job("job2", R"("enabled": false)"));
  scheduler_harness h(cfg, make_tree(*cfg, bistro_nodes()));
  CHECK(h.round().empty());
  auto& job2 = *h.statuses[h.job_of("job2")];
  const node_id db21 = *h.tree->find("db21");
  job2.mark_running(db21, 1500);
  job2.apply(db21, parsed_status{status_label::done, {}, {}}, 1500,
             cfg->jobs[h.job_of("job2")].backoff);
  CHECK(h.round(2000) == picks{{"job1", "db21"}});
  CHECK(h.round(3000).empty());
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
  std::vector<status_record> records;
  auto started =
      b.scheduler.commit_round(std::move(output), b.rows(), 1000, &records);
  a.round();
  CHECK(started == a.last_picks);
  CHECK(b.scheduler.num_running() == 4);
  // Each started task's status as its job accepted it, in the same order.
  REQUIRE(records.size() == started.size());
  for (std::size_t i = 0; i < started.size(); ++i)
    CHECK(records[i] == b.statuses[started[i].job]->record(started[i].node));
}

TEST_CASE("The round's exchanges, answered by a job's own side") {
  // As a job actor answers them: the engine asks, a side the test owns
  // answers from the job's row, and a job that gives no answer to its
  // starts accepts none of them.
  auto cfg = make_config(bistro_settings(), job("job1"));
  scheduler_harness h(cfg, make_tree(*cfg, bistro_nodes()));
  job_round_side side;
  side.reset(0, cfg->jobs[0], h.scheduler.side_facts(),
             h.scheduler.num_dependencies(0), h.scheduler.blocked(0));
  auto& row = *h.statuses[0];
  auto feed_questions = h.scheduler.open_prepare(1000);
  REQUIRE(feed_questions.size() == 1);
  CHECK(feed_questions[0].scan);  // after the reset
  std::vector<job_feed> feeds{side.answer(row, feed_questions[0])};
  auto check_questions = h.scheduler.route_feeds(feeds, 1000);
  REQUIRE(check_questions.size() == 1);
  std::vector<job_check> checks{
      side.answer(&row, std::move(check_questions[0]))};
  CHECK(checks[0].candidates.size() == 4);
  auto input = h.scheduler.close_prepare(checks, 1000);
  auto output = plan_round(*find_policy("roundrobin"), std::move(input), h.rng);
  auto starts = h.scheduler.open_commit(std::move(output), 1000, false);
  REQUIRE(starts.size() == 1);
  CHECK(starts[0].nodes.size() == 4);
  CHECK(starts[0].workers.size() == 4);
  std::vector<job_started> no_answer(1);
  CHECK(h.scheduler.close_commit(no_answer).empty());
  CHECK(h.scheduler.num_running() == 0);
  CHECK(h.free_on("db11", "db_concurrency") == 1);
  CHECK(row.count(status_label::running) == 0);
  // They are offered again: the next round asks the job to check them,
  // and this time it accepts, marking them running in its own row.
  feed_questions = h.scheduler.open_prepare(2000);
  CHECK_FALSE(feed_questions[0].scan);
  feeds = {side.answer(row, feed_questions[0])};
  check_questions = h.scheduler.route_feeds(feeds, 2000);
  CHECK(check_questions[0].pending.size() == 4);
  checks = {side.answer(&row, std::move(check_questions[0]))};
  input = h.scheduler.close_prepare(checks, 2000);
  output = plan_round(*find_policy("roundrobin"), std::move(input), h.rng);
  starts = h.scheduler.open_commit(std::move(output), 2000, true);
  std::vector<job_started> answers{side.answer(row, starts[0])};
  std::vector<status_record> records;
  std::vector<std::uint32_t> positions;
  auto started = h.scheduler.close_commit(answers, &records, &positions);
  CHECK(started.size() == 4);
  CHECK(h.scheduler.num_running() == 4);
  CHECK(row.count(status_label::running) == 4);
  REQUIRE(positions.size() == 4);
  for (std::size_t i = 0; i < started.size(); ++i) {
    CHECK(starts[0].nodes[positions[i]] == started[i].node);
    CHECK(records[i].label == status_label::running);
  }
}

TEST_CASE("A commit planned before a reset starts nothing") {
  auto h = two_jobs();
  auto input = h.scheduler.prepare_round(h.rows(), 1000);
  auto output = plan_round(*find_policy("roundrobin"), std::move(input), h.rng);
  h.reconfigure(h.cfg);
  CHECK(h.scheduler.commit_round(std::move(output), h.rows(), 1000).empty());
  CHECK(h.round().size() == 4);
}

TEST_CASE("A start its job refuses gives its slots back to what waits") {
  auto h = two_jobs();
  auto input = h.scheduler.prepare_round(h.rows(), 1000);
  auto output = plan_round(*find_policy("roundrobin"), std::move(input), h.rng);
  // Between the plan and the commit, job1's task on db11 became done
  // without a run's end (a late result of a run whose worker was lost):
  // job1 refuses that start.
  auto& job1 = *h.statuses[h.job_of("job1")];
  const node_id db11 = *h.tree->find("db11");
  job1.mark_running(db11, 1000);
  job1.apply(db11, parsed_status{status_label::done, {}, {}}, 1000,
             h.cfg->jobs[h.job_of("job1")].backoff);
  auto started = h.scheduler.commit_round(std::move(output), h.rows(), 1000);
  CHECK(started.size() == 3);
  CHECK(h.scheduler.num_running() == 3);
  CHECK(h.free_on("db11", "db_concurrency") == 1);
  CHECK_FALSE(h.scheduler.ledger().any_negative());
  // job2's task on db11, parked on that slot by the plan, wakes.
  CHECK(h.round(2000) == picks{{"job2", "db11"}});
}

namespace {

/// Three jobs on 3 hosts x 4 dbs (host limit 2, db limit 1): a first round
/// starts 6 tasks and parks 30 candidates.
scheduler_harness three_jobs_on_twelve_dbs() {
  auto cfg = make_config(bistro_settings(),
                         job("j1") + ", " + job("j2") + ", " + job("j3"));
  std::vector<node_spec> nodes;
  for (int h = 1; h <= 3; ++h) {
    const auto host = "host" + std::to_string(h);
    nodes.push_back({host, ""});
    for (int d = 1; d <= 4; ++d)
      nodes.push_back({"db" + std::to_string(h) + std::to_string(d), host});
  }
  return scheduler_harness(cfg, make_tree(*cfg, nodes));
}

/// Every (job, db) candidate's state.
std::vector<candidate_state> db_states(const scheduler_harness& h) {
  std::vector<candidate_state> out;
  for (job_index j = 0; j < h.cfg->jobs.size(); ++j)
    for (node_id n = 0; n < h.tree->size(); ++n)
      if (h.tree->name(n).substr(0, 2) == "db")
        out.push_back(h.scheduler.candidates().state(j, n));
  return out;
}

std::ptrdiff_t count_parked(const scheduler_harness& h) {
  auto states = db_states(h);
  return std::count(states.begin(), states.end(), candidate_state::parked);
}

/// One round as prepare -> plan -> commit; with a batch size, what the plan
/// parks is streamed through the sink and parked before the commit.
picks stepped_round(scheduler_harness& h, std::size_t batch_size,
                    std::int64_t now_ms, std::size_t* batches = nullptr) {
  auto input = h.scheduler.prepare_round(h.rows(), now_ms);
  std::vector<parked_batch> sent;
  if (batch_size > 0) {
    input.park_batch_size = batch_size;
    input.park_sink = [&](parked_batch b) { sent.push_back(std::move(b)); };
  }
  auto output = plan_round(*find_policy("roundrobin"), std::move(input), h.rng);
  for (const auto& b : sent) h.scheduler.park_planned(b);
  if (batches) *batches = sent.size();
  picks out;
  for (const auto& pick :
       h.scheduler.commit_round(std::move(output), h.rows(), now_ms))
    out.emplace_back(h.cfg->jobs[pick.job].name,
                     std::string{h.tree->name(pick.node)});
  return out;
}

}  // namespace

TEST_CASE(
    "Parks streamed while the plan runs leave the waiters a commit does") {
  auto whole = three_jobs_on_twelve_dbs();
  auto streamed = three_jobs_on_twelve_dbs();
  std::size_t batches = 0;
  auto first = stepped_round(whole, 0, 1000);
  CHECK(first.size() == 6);
  CHECK(stepped_round(streamed, 4, 1000, &batches) == first);
  // 30 parks in batches of 4: 7 sent ahead, the last 2 with the plan.
  CHECK(batches == 7);
  CHECK(db_states(streamed) == db_states(whole));
  CHECK(count_parked(streamed) == 30);
  // The waiters wake alike as tasks end: the same starts, round by round.
  for (const auto& [job_name, node] : first) {
    whole.finish(job_name, node, status_label::done);
    streamed.finish(job_name, node, status_label::done);
    auto next = stepped_round(whole, 0, 2000);
    CHECK(stepped_round(streamed, 4, 2000) == next);
    CHECK(db_states(streamed) == db_states(whole));
  }
}

TEST_CASE("Parks streamed for another round or before a reset are dropped") {
  auto h = three_jobs_on_twelve_dbs();
  std::vector<parked_batch> sent;
  auto plan = [&](std::int64_t now_ms) {
    auto input = h.scheduler.prepare_round(h.rows(), now_ms);
    input.park_batch_size = 4;
    input.park_sink = [&](parked_batch b) { sent.push_back(std::move(b)); };
    return plan_round(*find_policy("roundrobin"), std::move(input), h.rng);
  };
  auto output = plan(1000);
  REQUIRE(sent.size() == 7);
  // A reset came while the plan ran: its parks and its commit are dropped.
  h.reconfigure(h.cfg);
  for (const auto& b : sent) h.scheduler.park_planned(b);
  CHECK(h.scheduler.commit_round(std::move(output), h.rows(), 1000).empty());
  CHECK(count_parked(h) == 0);
  // A round whose streamed parks never came: only the 2 parks its output
  // carried are parked.
  sent.clear();
  CHECK(h.scheduler.commit_round(plan(1000), h.rows(), 1000).size() == 6);
  CHECK(count_parked(h) == 2);
  // Its batches, late, are dropped in the next round.
  auto late = std::move(sent);
  sent.clear();
  auto next = h.scheduler.prepare_round(h.rows(), 1000);
  for (const auto& b : late) h.scheduler.park_planned(b);
  CHECK(count_parked(h) == 2);
  h.scheduler.commit_round(
      plan_round(*find_policy("roundrobin"), std::move(next), h.rng), h.rows(),
      1000);
}

TEST_CASE("A streamed park of what the round did not offer is ignored") {
  auto h = three_jobs_on_twelve_dbs();
  auto input = h.scheduler.prepare_round(h.rows(), 1000);
  const auto db11 = *h.tree->find("db11");
  const auto host1 = *h.tree->find("host1");
  const auto generation = input.generation;
  std::vector<parked_batch> sent;
  input.park_batch_size = 4;
  input.park_sink = [&](parked_batch b) { sent.push_back(std::move(b)); };
  auto output = plan_round(*find_policy("roundrobin"), std::move(input), h.rng);
  for (const auto& b : sent) h.scheduler.park_planned(b);
  REQUIRE(count_parked(h) == 28);
  const auto picked = output.picks.front();
  auto before = db_states(h);
  // Of this round, but a job and a node out of range, a node that is not
  // a task of the job (a host), and a key past every worker group.
  const auto no_key = static_cast<wait_key>(h.tree->size() + 1000);
  h.scheduler.park_planned({generation,
                            sent.front().round,
                            {{7, db11, host1},
                             {0, 100000, host1},
                             {0, host1, host1},
                             {picked.job, picked.node, no_key}}});
  CHECK(db_states(h) == before);
  CHECK(h.scheduler.commit_round(std::move(output), h.rows(), 1000).size() ==
        6);
  CHECK(count_parked(h) == 30);
  // The next round did not offer the task that runs: parking it is
  // ignored (it would wait on a list while it runs).
  auto next = h.scheduler.prepare_round(h.rows(), 2000);
  before = db_states(h);
  h.scheduler.park_planned(
      {next.generation, next.round, {{picked.job, picked.node, picked.node}}});
  CHECK(db_states(h) == before);
  h.scheduler.commit_round(
      plan_round(*find_policy("roundrobin"), std::move(next), h.rng), h.rows(),
      2000);
}

TEST_CASE("A pick of what the round did not offer is dropped") {
  auto h = three_jobs_on_twelve_dbs();
  auto output = plan_round(*find_policy("roundrobin"),
                           h.scheduler.prepare_round(h.rows(), 1000), h.rng);
  REQUIRE(output.picks.size() == 6);
  REQUIRE(output.parked.size() == 30);
  const auto good = output.picks.front();
  const auto db11 = *h.tree->find("db11");
  const auto db21 = *h.tree->find("db21");
  const auto host1 = *h.tree->find("host1");
  // Offered, not started: the policy may not start them on a worker that
  // does not exist or on a chain that is not an entry of their node.
  const auto other = output.parked[0];
  const auto another = output.parked[1];
  REQUIRE(another.node != db21);
  // A job and a node out of range, a node that is not a task of the job
  // (a host), the same pick twice, a worker out of range, a foreign chain.
  output.picks.push_back({7, db11, db11, good.worker});
  output.picks.push_back({0, 100000, 100000, good.worker});
  output.picks.push_back({0, host1, host1, good.worker});
  output.picks.push_back(good);
  output.picks.push_back({other.job, other.node, other.node, 999});
  output.picks.push_back({another.job, another.node, db21, good.worker});
  const auto started =
      h.scheduler.commit_round(std::move(output), h.rows(), 1000);
  CHECK(started.size() == 6);
  CHECK(h.scheduler.num_running() == 6);
  CHECK_FALSE(h.scheduler.ledger().any_negative());
  // The two the policy tried to misplace wait for the next round.
  CHECK(h.scheduler.candidates().state(other.job, other.node) ==
        candidate_state::pending);
  CHECK(h.scheduler.candidates().state(another.job, another.node) ==
        candidate_state::pending);
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
