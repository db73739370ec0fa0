#include "actors/rounds/dependency_done.hpp"

#include <catch2/catch.hpp>

#include "tests/support/scheduler_fixtures.hpp"

using namespace bistro;
using namespace bistro::testing;

namespace {

/// job1 depends on job2 and job3; job3 runs on hosts, so it is never done
/// on a db.
struct told {
  std::shared_ptr<const config> cfg = make_config(
      bistro_settings(), job("job1", R"("depends_on": ["job2", "job3"])") +
                             ", " + job("job2") + ", " +
                             job("job3", R"("level_for_tasks": "host")"));
  std::shared_ptr<const node_tree> tree = make_tree(*cfg, bistro_nodes());
  std::shared_ptr<const level_slots> slots =
      std::make_shared<const level_slots>(tree);
  std::vector<std::vector<job_index>> depends_on{{1, 2}, {}, {}};
  dependency_done deps;
  told() { deps.reset(*cfg, slots, depends_on); }
  node_id at(const char* name) const { return *tree->find(name); }
  void finish(job_status_row& row, const char* name, status_label label) {
    row.mark_running(at(name), 1000);
    row.apply(at(name), parsed_status{label, {}, {}}, 1000,
              cfg->jobs[0].backoff);
  }
};

}  // namespace

TEST_CASE("A job without dependencies has them all done") {
  told t;
  CHECK(t.deps.all_done(1, t.at("db11")));
  CHECK_FALSE(t.deps.all_done(0, t.at("db11")));
}

TEST_CASE("A job's dependencies are done where each one's batch says so") {
  told t;
  const std::vector<node_id> db11{t.at("db11")};
  t.deps.deliver(0, 0, db11);
  CHECK_FALSE(t.deps.all_done(0, t.at("db11")));  // job3 is not
  t.deps.deliver(0, 1, db11);
  CHECK(t.deps.all_done(0, t.at("db11")));
  CHECK_FALSE(t.deps.all_done(0, t.at("db12")));
  // A node off job1's level (a host) is never a task of job1.
  const std::vector<node_id> host1{t.at("host1")};
  t.deps.deliver(0, 0, host1);
  t.deps.deliver(0, 1, host1);
  CHECK_FALSE(t.deps.all_done(0, t.at("host1")));
}

TEST_CASE("After a reset a job is told its dependencies' done tasks whole") {
  told t;
  job_status_row job2(t.tree->size()), job3(t.tree->size());
  t.finish(job2, "db11", status_label::done);
  t.finish(job2, "db12", status_label::error_backoff);
  // job3's own task is the host: its row says nothing of the dbs below.
  t.finish(job3, "host1", status_label::done);
  t.deps.fill(0, 0, job2);
  t.deps.fill(0, 1, job3);
  CHECK_FALSE(t.deps.all_done(0, t.at("db11")));
  const std::vector<node_id> dbs{t.at("db11"), t.at("db12")};
  t.deps.deliver(0, 1, dbs);
  CHECK(t.deps.all_done(0, t.at("db11")));
  CHECK_FALSE(t.deps.all_done(0, t.at("db12")));  // job2 failed there
  CHECK_FALSE(t.deps.all_done(0, t.at("db21")));
  // A new reset forgets what was told.
  t.deps.reset(*t.cfg, t.slots, t.depends_on);
  CHECK_FALSE(t.deps.all_done(0, t.at("db11")));
}
