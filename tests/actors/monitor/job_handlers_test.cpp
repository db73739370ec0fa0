// The handlers that sum up jobs, asked as the scheduler asks them: their
// question, each job's answer from status rows the test sets, their reply.
// No scheduler actor.
#include "actors/monitor/job_handlers.hpp"

#include <catch2/catch.hpp>

#include "tests/actors/monitor/view_fixture.hpp"

using namespace bistro;
using namespace bistro::testing;
namespace json = boost::json;

TEST_CASE("job handlers: job_summary names failed nodes up to the limit") {
  view_fixture f{job("j") + ", " + job("off", R"("enabled": false)")};
  f.set("j", "db11", status_label::failed);
  f.set("j", "db21", status_label::failed);
  auto s = f.ask("job_summary", entry(R"({"jobs": ["j"], "failed_limit": 1})"));
  REQUIRE(s);
  const auto& j = s->at("j");
  CHECK(j.at("state") == "ok");
  CHECK(j.at("level_for_tasks") == "db");
  CHECK(j.at("counts") == json::parse(R"({"failed": 2, "never_started": 2})"));
  CHECK(j.at("failed_nodes") == json::parse(R"(["db11"])"));
  CHECK(j.at("failed_more") == 1);
  CHECK_FALSE(s->as_object().contains("off"));
  auto all = f.ask("job_summary");
  REQUIRE(all);
  CHECK(all->at("off").at("state") == "disabled");
  CHECK(all->at("j").at("failed_nodes") == json::parse(R"(["db11", "db21"])"));
  auto bad = f.ask("job_summary", entry(R"({"failed_limit": "x"})"));
  REQUIRE_FALSE(bad);
  CHECK(bad.error().message == "failed_limit: expected an integer");
  auto none = f.ask("job_summary", {}, f.view_without_config());
  REQUIRE_FALSE(none);
  CHECK(none.error().code == monitor_errc::unavailable);
}

TEST_CASE("job handlers: job_summary shows a job as Bistro configures it") {
  view_fixture f{job("j", R"("backoff": [5, 10, "repeat"])")};
  auto s = f.ask("job_summary", entry(R"({"failed_limit": -1})"));
  REQUIRE(s);
  CHECK(s->at("j") == json::parse(R"({
    "enabled": true, "runnable": true, "state": "ok", "errors": [],
    "owner": "test", "priority": 1.0, "level_for_tasks": "db",
    "backoff": [5, 10, "repeat"], "depends_on": [],
    "counts": {"never_started": 4}, "failed_nodes": [], "failed_more": 0})"));
}

TEST_CASE("job handlers: histogram has one per valid job, samples on demand") {
  view_fixture f;
  f.set("j", "db11", status_label::done);
  auto h = f.ask("histogram", entry(R"({"num_samples": 1})"));
  REQUIRE(h);
  // The job's own answer, under its name.
  auto own =
      make_bistro_histogram(*f.cfg, *f.tree, 0, *f.rows[0],
                            f.exclusions.get(f.cfg, f.tree), f.now_ms, 1);
  CHECK(h->at("histograms") == json::object{{"j", own.counts}});
  CHECK(h->at("samples") == json::object{{"j", own.samples}});
  auto plain = f.ask("histogram");
  REQUIRE(plain);
  CHECK_FALSE(plain->as_object().contains("samples"));
  // Samples asked for but no job to show: the key is still there.
  auto nobody =
      f.ask("histogram", entry(R"({"jobs": ["x"], "num_samples": 2})"));
  REQUIRE(nobody);
  CHECK(*nobody == json::parse(R"({"histograms": {}, "samples": {}})"));
  auto bad = f.ask("histogram", entry(R"({"num_samples": -1})"));
  REQUIRE_FALSE(bad);
  CHECK(bad.error().message == "num_samples: must be >= 0");
}

TEST_CASE("job handlers: a reply refuses answers that do not match") {
  view_fixture f{job("j") + ", " + job("k")};
  const auto* h = find_monitor_handler("job_summary");
  REQUIRE(h);
  const auto& asks = std::get<ask_handler>(h->function);
  auto question = asks.question(f.view(), {});
  REQUIRE(question);
  // One answer short.
  auto answers = f.answer_jobs(std::get<jobs_question>(*question));
  answers.answers.pop_back();
  auto short_one = asks.answer(f.view(), *question, answers);
  REQUIRE_FALSE(short_one);
  CHECK(short_one.error().code == monitor_errc::internal);
  // Answers of another kind.
  auto other = asks.answer(f.view(), *question, history_answer{});
  REQUIRE_FALSE(other);
  CHECK(other.error().code == monitor_errc::internal);
}
