// Which worker a task goes to: selectors, placement, worker filters.
#include <catch2/catch.hpp>

#include "tests/support/scheduler_fixtures.hpp"

using namespace bistro;
using namespace bistro::testing;

namespace {

const std::string worker_slots =
    R"("worker": {"worker_slots": {"limit": 3, "default": 1, "weight": 1}})";

std::vector<std::string> workers_used(scheduler_harness& h) {
  h.round();
  std::vector<std::string> out;
  for (std::size_t i = 0; i < h.last_picks.size(); ++i) {
    out.push_back(h.worker_of_pick(i));
  }
  return out;
}

using names = std::vector<std::string>;

}  // namespace

TEST_CASE("The roundrobin selector takes the workers in turn") {
  auto cfg = make_config(bistro_settings("", worker_slots), job("job1"));
  scheduler_harness h(cfg, make_tree(*cfg, bistro_nodes()),
                      {{"w1", "a"}, {"w2", "b"}});
  CHECK(workers_used(h) == names{"w1", "w2", "w1", "w2"});
}

TEST_CASE("The busiest selector fills the fullest worker that fits first") {
  auto cfg = make_config(
      bistro_settings(R"("remote_worker_selector": "busiest")", worker_slots),
      job("job1"));
  scheduler_harness h(cfg, make_tree(*cfg, bistro_nodes()),
                      {{"w1", "a"}, {"w2", "b"}});
  CHECK(workers_used(h) == names{"w1", "w1", "w1", "w2"});
}

TEST_CASE("Tasks wait when every worker is full and start when one frees") {
  auto cfg = make_config(
      bistro_settings(
          "", R"("worker": {"worker_slots": {"limit": 1, "default": 1}})"),
      job("job1"));
  scheduler_harness h(cfg, make_tree(*cfg, bistro_nodes()), {{"w1", "a"}});
  CHECK(workers_used(h) == names{"w1"});
  h.finish("job1", "db11", status_label::done);
  CHECK(workers_used(h) == names{"w1"});
  CHECK(h.last_picks[0].node == *h.tree->find("db12"));
}

TEST_CASE("host_placement sends every task to the workers of that host") {
  auto cfg =
      make_config(bistro_settings(), job("job1", R"("host_placement": "b")"));
  scheduler_harness h(cfg, make_tree(*cfg, bistro_nodes()),
                      {{"w1", "a"}, {"w2", "b"}});
  CHECK(workers_used(h) == names{"w2", "w2", "w2", "w2"});
}

TEST_CASE("level_for_host_placement sends a task to its ancestor's worker") {
  auto cfg = make_config(bistro_settings(),
                         job("job1", R"("level_for_host_placement": "host")"));
  scheduler_harness h(cfg, make_tree(*cfg, bistro_nodes()), {{"w1", "host1"}});
  CHECK(workers_used(h) == names{"w1", "w1"});
  // db21 and db22 wait for a worker on host2, which joins later.
  CHECK(h.round().empty());
  h.scheduler.add_worker("w2", "host2");
  CHECK(workers_used(h) == names{"w2", "w2"});
}

TEST_CASE("A worker-level filter keeps a job off other workers' hosts") {
  auto cfg = make_config(
      bistro_settings(),
      job("job1", R"("filters": {"worker": {"whitelist": ["b"]}})"));
  scheduler_harness h(cfg, make_tree(*cfg, bistro_nodes()),
                      {{"w1", "a"}, {"w2", "b"}});
  CHECK(workers_used(h) == names{"w2", "w2", "w2", "w2"});
}

TEST_CASE("A removed worker gets no new tasks") {
  auto cfg = make_config(bistro_settings(), job("job1"));
  scheduler_harness h(cfg, make_tree(*cfg, bistro_nodes()),
                      {{"w1", "a"}, {"w2", "b"}});
  h.scheduler.remove_worker(h.scheduler.workers().find("w1"));
  CHECK(workers_used(h) == names{"w2", "w2", "w2", "w2"});
}
