// The handlers that change the scheduler decide over a view the test
// builds and act through a monitor_actions that records the calls: no
// scheduler actor.
#include "actors/monitor/change_handlers.hpp"

#include <catch2/catch.hpp>

#include "tests/actors/monitor/view_fixture.hpp"

using namespace bistro;
using namespace bistro::testing;
namespace json = boost::json;

namespace {

/// Records what the handlers ask for; `refuse_drain` makes set_drained
/// refuse.
struct recorded_actions final : monitor_actions {
  std::vector<std::vector<std::size_t>> forgiven;
  std::vector<std::uint64_t> killed;
  std::vector<std::tuple<std::string, bool, std::optional<worker_index>>>
      drains;
  std::vector<std::string> events;
  std::optional<monitor_error> refuse_drain;

  void forgive(const std::vector<std::size_t>& jobs) override {
    forgiven.push_back(jobs);
  }
  void kill(std::uint64_t id) override { killed.push_back(id); }
  monitor_check set_drained(const std::string& shard, bool drain,
                            std::optional<worker_index> w) override {
    if (refuse_drain) return refuse_drain;
    drains.emplace_back(shard, drain, w);
    return std::nullopt;
  }
  void record_event(std::string kind, std::string subject,
                    std::string message) override {
    events.push_back(kind + "|" + subject + "|" + message);
  }
  bool nothing() const {
    return forgiven.empty() && killed.empty() && drains.empty() &&
           events.empty();
  }
};

}  // namespace

TEST_CASE("change handlers: forgive_jobs forgives the known jobs") {
  view_fixture f{job("a") + ", " + job("b")};
  recorded_actions act;
  auto r = forgive_jobs_answer(f.view(), act,
                               entry(R"({"jobs": ["b", "nope", "a"]})"));
  REQUIRE(r);
  CHECK(*r == "forgiven");
  REQUIRE(act.forgiven.size() == 1);
  CHECK(act.forgiven[0] == std::vector<std::size_t>{1, 0});
  recorded_actions none;
  auto early = forgive_jobs_answer(f.view_without_config(), none, {});
  REQUIRE_FALSE(early);
  CHECK(early.error().code == monitor_errc::unavailable);
  auto bad = forgive_jobs_answer(f.view(), none, entry(R"({"jobs": 3})"));
  REQUIRE_FALSE(bad);
  CHECK(bad.error().code == monitor_errc::bad_request);
  CHECK(none.nothing());
}

TEST_CASE("change handlers: kill_task kills the task's run, if it can") {
  view_fixture f{job("j")};
  auto w = f.add_worker("w0");
  auto gone = f.add_worker("w1");
  f.workers[gone].connected = false;
  auto id = f.start_run("j", "db11", w);
  f.start_run("j", "db12", gone);
  recorded_actions act;
  auto r = kill_task_answer(f.view(), act,
                            entry(R"({"job_id": "j", "node_id": "db11"})"));
  REQUIRE(r);
  CHECK(*r == "signaled");
  CHECK(act.killed == std::vector<std::uint64_t>{id});
  CHECK(act.events == std::vector<std::string>{"kill|j db11|on request (run " +
                                               std::to_string(id) + ")"});
  recorded_actions none;
  auto lost = kill_task_answer(f.view(), none,
                               entry(R"({"job_id": "j", "node_id": "db12"})"));
  REQUIRE_FALSE(lost);
  CHECK(lost.error().code == monitor_errc::unavailable);
  CHECK(lost.error().message == "the worker of j, db12 is gone");
  auto idle = kill_task_answer(f.view(), none,
                               entry(R"({"job_id": "j", "node_id": "db21"})"));
  REQUIRE_FALSE(idle);
  CHECK(idle.error().code == monitor_errc::not_found);
  CHECK(idle.error().message == "Unknown running task j, db21");
  auto job = kill_task_answer(f.view(), none,
                              entry(R"({"job_id": "x", "node_id": "db11"})"));
  REQUIRE_FALSE(job);
  CHECK(job.error().message == "Unknown job x");
  CHECK(none.nothing());
}

TEST_CASE(
    "change handlers: kill_job kills what it can reach, counts the rest") {
  view_fixture f{job("j") + ", " + job("k")};
  auto w = f.add_worker("w0");
  auto gone = f.add_worker("w1");
  f.workers[gone].connected = false;
  auto a = f.start_run("j", "db11", w);
  f.start_run("j", "db12", gone);
  f.start_run("k", "db11", w);
  recorded_actions act;
  auto r = kill_job_answer(f.view(), act, entry(R"({"job_id": "j"})"));
  REQUIRE(r);
  CHECK(*r == json::parse(R"({"signaled": 1, "worker_gone": 1})"));
  CHECK(act.killed == std::vector<std::uint64_t>{a});
  CHECK(act.events == std::vector<std::string>{
                          "kill|j|every running task on request: 1 signaled"});
  recorded_actions none;
  auto unknown = kill_job_answer(f.view(), none, entry(R"({"job_id": "x"})"));
  REQUIRE_FALSE(unknown);
  CHECK(unknown.error().code == monitor_errc::not_found);
  auto missing = kill_job_answer(f.view(), none, {});
  REQUIRE_FALSE(missing);
  CHECK(missing.error().message == "job_id: expected a non-empty string");
  CHECK(none.nothing());
}

TEST_CASE("change handlers: drain_worker drains a known worker") {
  view_fixture f{job("j")};
  auto w = f.add_worker("w0");
  f.start_run("j", "db11", w);
  f.start_run("j", "db12", w);
  f.known_shards.insert("away");
  recorded_actions act;
  auto r = drain_worker_answer(f.view(), act, entry(R"({"worker": "w0"})"));
  REQUIRE(r);
  CHECK(*r == json::parse(R"({"worker": "w0", "drained": true, "running": 2,
                              "connected": true})"));
  REQUIRE(act.drains.size() == 1);
  CHECK(act.drains[0] == std::make_tuple(std::string{"w0"}, true,
                                         std::optional<worker_index>{w}));
  CHECK(act.events ==
        std::vector<std::string>{"worker_drained|w0|2 running task(s) go on"});
  // Ahead of its return, and undrained.
  auto away = drain_worker_answer(
      f.view(), act, entry(R"({"worker": "away", "drain": false})"));
  REQUIRE(away);
  CHECK(*away == json::parse(R"({"worker": "away", "drained": false,
                                 "running": 0, "connected": false})"));
  CHECK(act.drains.back() == std::make_tuple(std::string{"away"}, false,
                                             std::optional<worker_index>{}));
  recorded_actions none;
  auto typo = drain_worker_answer(f.view(), none, entry(R"({"worker": "w9"})"));
  REQUIRE_FALSE(typo);
  CHECK(typo.error().code == monitor_errc::not_found);
  CHECK(typo.error().message == "Unknown worker w9");
  auto bad = drain_worker_answer(f.view(), none,
                                 entry(R"({"worker": "w0", "drain": "yes"})"));
  REQUIRE_FALSE(bad);
  CHECK(bad.error().code == monitor_errc::bad_request);
  // Not kept on disk: the refusal is the answer, no event.
  none.refuse_drain = unavailable("the drain is not kept: disk full");
  auto kept = drain_worker_answer(f.view(), none, entry(R"({"worker": "w0"})"));
  REQUIRE_FALSE(kept);
  CHECK(kept.error().message == "the drain is not kept: disk full");
  CHECK(none.nothing());
}

TEST_CASE("change handlers: the config watcher's orders for a job") {
  view_fixture f{job("j", R"("priority": 3)")};
  auto save = save_job_edit(f.view(),
                            entry(R"({"job_id": "n", "job": {"owner": "o"}})"));
  REQUIRE(save);
  CHECK(save->job == "n");
  CHECK(json::parse(save->text) == json::parse(R"({"owner": "o"})"));
  CHECK(save->done == "saved");
  auto no_object =
      save_job_edit(f.view(), entry(R"({"job_id": "n", "job": 1})"));
  REQUIRE_FALSE(no_object);
  CHECK(no_object.error().message == "job: expected an object");
  auto del = delete_job_edit(f.view(), entry(R"({"job_id": "n"})"));
  REQUIRE(del);
  CHECK(del->text.empty());
  CHECK(del->done == "deleted");
  auto off =
      enable_job_edit(f.view(), entry(R"({"job_id": "j", "enabled": false})"));
  REQUIRE(off);
  CHECK(off->done == "disabled");
  auto text = json::parse(off->text);
  CHECK(text.at("enabled") == false);
  CHECK(text.at("priority") == 3);
  CHECK(text.at("owner") == "test");
  auto unknown =
      enable_job_edit(f.view(), entry(R"({"job_id": "x", "enabled": true})"));
  REQUIRE_FALSE(unknown);
  CHECK(unknown.error().code == monitor_errc::not_found);
  auto flag = enable_job_edit(f.view(), entry(R"({"job_id": "j"})"));
  REQUIRE_FALSE(flag);
  CHECK(flag.error().message == "enabled: expected a boolean");
  auto early = enable_job_edit(f.view_without_config(),
                               entry(R"({"job_id": "j", "enabled": true})"));
  REQUIRE_FALSE(early);
  CHECK(early.error().code == monitor_errc::unavailable);
}
