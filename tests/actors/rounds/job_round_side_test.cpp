#include "actors/rounds/job_round_side.hpp"

#include <catch2/catch.hpp>

#include "tests/support/scheduler_fixtures.hpp"

using namespace bistro;
using namespace bistro::testing;

namespace {

/// job1 depends on job2 and job3; job3 runs on hosts, so it is never done
/// on a db. Each job's side answers alone, with no round engine.
struct sides {
  std::shared_ptr<const config> cfg = make_config(
      bistro_settings(), job("job1", R"("depends_on": ["job2", "job3"])") +
                             ", " + job("job2") + ", " +
                             job("job3", R"("level_for_tasks": "host")"));
  std::shared_ptr<const node_tree> tree = make_tree(*cfg, bistro_nodes());
  std::shared_ptr<const level_slots> slots =
      std::make_shared<const level_slots>(tree);
  job_round_side::facts shared{
      slots, std::make_shared<const task_eligibility>(*cfg, *tree),
      std::make_shared<const std::vector<std::vector<node_id>>>(
          static_cast<std::size_t>(tree->num_levels()))};
  job_round_side job1, job2, job3;
  job_status_row row1{tree->size()}, row2{tree->size()}, row3{tree->size()};
  sides() {
    job1.reset(0, cfg->jobs[0], shared, 2, false);
    job2.reset(1, cfg->jobs[1], shared, 0, false);
    job3.reset(2, cfg->jobs[2], shared, 0, false);
  }
  node_id at(const char* name) const { return *tree->find(name); }
  std::vector<node_id> at(std::initializer_list<const char*> names) const {
    std::vector<node_id> out;
    for (const char* n : names) out.push_back(at(n));
    return out;
  }
  void finish(job_status_row& row, const char* name, status_label label) {
    row.mark_running(at(name), 1000);
    row.apply(at(name), parsed_status{label, {}, {}}, 1000,
              cfg->jobs[0].backoff);
  }
};

std::vector<node_id> sorted(std::vector<node_id> v) {
  std::sort(v.begin(), v.end());
  return v;
}

}  // namespace

TEST_CASE("A job's scan offers its runnable tasks, last first") {
  sides s;
  s.finish(s.row2, "db12", status_label::done);
  CHECK(s.job2.scan(&s.row2, 2000) == s.at({"db22", "db21", "db11"}));
  CHECK(s.job3.scan(&s.row3, 2000) == s.at({"host2", "host1"}));
  // Without a row, or blocked, a job has no candidates.
  CHECK(s.job2.scan(nullptr, 2000).empty());
  job_round_side blocked;
  blocked.reset(1, s.cfg->jobs[1], s.shared, 0, true);
  CHECK(blocked.scan(&s.row2, 2000).empty());
}

TEST_CASE("A job's dependencies are done where each one's batch says so") {
  sides s;
  // Nothing told yet: job1 has no candidates, whatever its own row says.
  CHECK(s.job1.scan(&s.row1, 2000).empty());
  const auto db11 = s.at({"db11"});
  s.job1.told_done(0, db11);
  CHECK_FALSE(s.job1.is_candidate(&s.row1, s.at("db11"), 2000));  // job3
  s.job1.told_done(1, db11);
  CHECK(s.job1.is_candidate(&s.row1, s.at("db11"), 2000));
  CHECK_FALSE(s.job1.is_candidate(&s.row1, s.at("db12"), 2000));
  // A node off job1's level (a host) is never a task of job1.
  const auto host1 = s.at({"host1"});
  s.job1.told_done(0, host1);
  s.job1.told_done(1, host1);
  CHECK_FALSE(s.job1.is_candidate(&s.row1, s.at("host1"), 2000));
  // The job's own row still decides: a done task is no candidate.
  s.finish(s.row1, "db11", status_label::done);
  CHECK_FALSE(s.job1.is_candidate(&s.row1, s.at("db11"), 2000));
}

TEST_CASE("A dependency tells its dependents its done tasks from its feed") {
  sides s;
  s.job2.take_feed(s.row2, 1000, true);
  s.finish(s.row2, "db11", status_label::done);
  s.finish(s.row2, "db12", status_label::error_backoff);
  s.finish(s.row2, "db21", status_label::incomplete);
  auto feed = s.job2.take_feed(s.row2, 2000, true);
  CHECK(feed.done == s.at({"db11"}));
  CHECK(feed.runnable == s.at({"db21"}));
  CHECK(s.job2.take_feed(s.row2, 2000, true).done.empty());
  // Without dependents it need not report done tasks.
  s.finish(s.row2, "db22", status_label::done);
  CHECK(s.job2.take_feed(s.row2, 2000, false).done.empty());
  // After a reset its dependents are told every done task, whole.
  CHECK(sorted(s.job2.done_tasks(s.row2)) == s.at({"db11", "db22"}));
}

TEST_CASE("Validation keeps the candidates in order and returns the rest") {
  sides s;
  s.finish(s.row2, "db12", status_label::failed);
  std::vector<node_id> nodes = s.at({"db22", "db12", "db11", "host1"});
  auto rest = s.job2.validate(&s.row2, nodes, 2000);
  CHECK(nodes == s.at({"db22", "db11"}));
  CHECK(rest == s.at({"db12", "host1"}));
}

TEST_CASE("A job accepts the starts its row allows and refuses the others") {
  sides s;
  s.finish(s.row2, "db12", status_label::done);
  s.row2.take_changes(1000);
  const auto nodes = s.at({"db11", "db12", "db21"});
  std::vector<std::uint8_t> accepted;
  s.job2.accept_starts(s.row2, nodes, 2000, accepted);
  CHECK(accepted == std::vector<std::uint8_t>{1, 0, 1});
  CHECK(s.row2.label(s.at("db11")) == status_label::running);
  CHECK(s.row2.label(s.at("db12")) == status_label::done);
  // A start the round made is not in the feed: the round knows it.
  CHECK(s.row2.take_changes(2000).empty());
  s.job2.accept_starts(s.row2, nodes, 2000, accepted);
  CHECK(accepted == std::vector<std::uint8_t>{0, 0, 0});
}

TEST_CASE("An accepted start comes with its status, for the run order") {
  sides s;
  const node_id db21 = s.at("db21");
  s.row2.mark_running(db21, 1000);
  s.row2.apply(db21, parsed_status{status_label::incomplete, R"({"n":1})", {}},
               1000, s.cfg->jobs[1].backoff);
  const auto nodes = s.at({"db12", "db21"});
  std::vector<std::uint8_t> accepted;
  std::vector<status_record> records;
  s.job2.accept_starts(s.row2, nodes, 2000, accepted, &records);
  REQUIRE(records.size() == 2);
  CHECK(records[1].label == status_label::running);
  CHECK(records[1].data == R"({"n":1})");
  REQUIRE(records[1].before_run);
  CHECK(records[1].before_run->label == status_label::incomplete);
  CHECK(records[0].before_run->label == status_label::never_started);
  CHECK(bistro_prev_status(records[1]) ==
        bistro_prev_status(s.row2.record(db21)));
}
