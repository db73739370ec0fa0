// The per-job answers over status rows the test sets: no scheduler actor.
#include "actors/monitor/job_handlers.hpp"

#include <catch2/catch.hpp>

#include "tests/actors/monitor/view_fixture.hpp"

using namespace bistro;
using namespace bistro::testing;
namespace json = boost::json;

TEST_CASE("job handlers: counts are of the job's own level, by shown status") {
  view_fixture f{job("j") + ", " +
                 job("w", R"("filters": {"db": {"whitelist": ["db11"]}})")};
  f.set("j", "db11", status_label::done);
  f.set("j", "db12", status_label::failed);
  CHECK(job_counts(f.view(), 0) ==
        json::parse(R"({"done": 1, "failed": 1, "never_started": 2})"));
  // Nodes the job does not run on are `avoided`, not pending.
  CHECK(job_counts(f.view(), 1) ==
        json::parse(R"({"never_started": 1, "avoided": 3})"));
}

TEST_CASE("job handlers: job_summary names failed nodes up to the limit") {
  view_fixture f{job("j") + ", " + job("off", R"("enabled": false)")};
  f.set("j", "db11", status_label::failed);
  f.set("j", "db21", status_label::failed);
  auto s = job_summary_answer(f.view(),
                              entry(R"({"jobs": ["j"], "failed_limit": 1})"));
  REQUIRE(s);
  const auto& j = s->at("j");
  CHECK(j.at("state") == "ok");
  CHECK(j.at("level_for_tasks") == "db");
  CHECK(j.at("failed_nodes") == json::parse(R"(["db11"])"));
  CHECK(j.at("failed_more") == 1);
  CHECK_FALSE(s->as_object().contains("off"));
  auto all = job_summary_answer(f.view(), {});
  REQUIRE(all);
  CHECK(all->at("off").at("state") == "disabled");
  auto bad = job_summary_answer(f.view(), entry(R"({"failed_limit": "x"})"));
  REQUIRE_FALSE(bad);
  CHECK(bad.error().message == "failed_limit: expected an integer");
  auto none = job_summary_answer(f.view_without_config(), {});
  REQUIRE_FALSE(none);
  CHECK(none.error().code == monitor_errc::unavailable);
}

TEST_CASE("job handlers: histogram has one per valid job, samples on demand") {
  view_fixture f;
  f.set("j", "db11", status_label::done);
  auto h = histogram_answer(f.view(), entry(R"({"num_samples": 1})"));
  REQUIRE(h);
  CHECK(h->at("histograms").as_object().contains("j"));
  CHECK(h->at("samples").as_object().contains("j"));
  auto plain = histogram_answer(f.view(), {});
  REQUIRE(plain);
  CHECK_FALSE(plain->as_object().contains("samples"));
  auto bad = histogram_answer(f.view(), entry(R"({"num_samples": -1})"));
  REQUIRE_FALSE(bad);
  CHECK(bad.error().message == "num_samples: must be >= 0");
}
