#include "actors/rounds/status_remap.hpp"

#include <catch2/catch.hpp>

#include "tests/support/config_builders.hpp"

using namespace bistro;

namespace {

std::shared_ptr<const node_tree> tree_of(std::vector<std::string> names) {
  node_tree_builder b("inst", 3);
  for (const auto& n : names) b.add(n, 1, 0);
  return b.build();
}

std::shared_ptr<const config> config_with_jobs(const std::string& jobs) {
  return testing::parse_ok(
      R"({"bistro_settings": {"nodes": {"levels": ["l"]}})" +
      std::string(jobs.empty() ? "" : ", ") + jobs + "}");
}

}  // namespace

TEST_CASE("statuses follow node names into a new tree") {
  auto cfg = config_with_jobs(R"("bistro_job->a": {"owner": "o"})");
  auto t1 = tree_of({"x", "y"});
  status_row_set rows;
  parked_status_rows parked;
  rows = remap_status_rows(nullptr, nullptr, rows, parked, *cfg, t1);
  rows[0]->apply(*t1->find("y"), parsed_status{status_label::done, "", ""}, 1,
                 cfg->jobs[0].backoff);
  auto t2 = tree_of({"z", "y", "x"});
  rows = remap_status_rows(cfg.get(), t1, rows, parked, *cfg, t2);
  CHECK(rows[0]->label(*t2->find("y")) == status_label::done);
  CHECK(rows[0]->label(*t2->find("x")) == status_label::never_started);
}

TEST_CASE("a job that leaves the config and comes back keeps its history") {
  auto with_a = config_with_jobs(R"("bistro_job->a": {"owner": "o"})");
  auto without_a = config_with_jobs("");
  auto t1 = tree_of({"x"});
  status_row_set rows;
  parked_status_rows parked;
  rows = remap_status_rows(nullptr, nullptr, rows, parked, *with_a, t1);
  rows[0]->apply(*t1->find("x"), parsed_status{status_label::done, "", ""}, 1,
                 with_a->jobs[0].backoff);
  rows = remap_status_rows(with_a.get(), t1, rows, parked, *without_a, t1);
  CHECK(rows.empty());
  CHECK(parked.count("a") == 1);
  auto t2 = tree_of({"w", "x"});
  rows = remap_status_rows(without_a.get(), t1, rows, parked, *with_a, t2);
  REQUIRE(rows.size() == 1);
  CHECK(rows[0]->label(*t2->find("x")) == status_label::done);
  CHECK(parked.empty());
}
