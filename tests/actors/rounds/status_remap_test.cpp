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
  job_status_row row(t1->size());
  row.apply(*t1->find("y"), parsed_status{status_label::done, "", ""}, 1,
            cfg->jobs[0].backoff);
  auto t2 = tree_of({"z", "y", "x"});
  row = reindex_status_row(std::move(row), *t1, *t2);
  REQUIRE(row.size() == t2->size());
  CHECK(row.label(*t2->find("y")) == status_label::done);
  CHECK(row.label(*t2->find("x")) == status_label::never_started);
}
