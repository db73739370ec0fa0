// The answers that read the run table, over runs and workers the test
// sets: no scheduler actor.
#include "actors/monitor/run_handlers.hpp"

#include <catch2/catch.hpp>

#include "tests/actors/monitor/view_fixture.hpp"

using namespace bistro;
using namespace bistro::testing;
namespace json = boost::json;

TEST_CASE("run handlers: running_tasks by job and node, with usage") {
  view_fixture f{job("j") + ", " + job("k")};
  auto w0 = f.add_worker("w0");
  auto w1 = f.add_worker("w1", true);
  auto a = f.start_run("j", "db11", w0, 90000);
  auto b = f.start_run("j", "db12", w1, 95500);
  auto c = f.start_run("k", "db21", w1, 99000);
  auto& killed = f.runs.at(b);
  killed.killing_since_ms = 99500;
  killed.memory_bytes = 4096;
  killed.cpu_time_ns = 1500000000;
  killed.usage_ms = 99600;
  auto all = running_tasks_answer(f.view(), {});
  REQUIRE(all);
  CHECK(*all == json::parse(R"({
    "j": {"db11": {"start_time": 90, "worker_shard": "w0", "run_id": ")" +
                            std::to_string(a) + R"(", "state": "running"},
          "db12": {"start_time": 95, "worker_shard": "w1", "run_id": ")" +
                            std::to_string(b) + R"(", "state": "killing",
                   "killing_since_ms": 99500, "memory_bytes": 4096,
                   "cpu_seconds": 1.5, "usage_ms": 99600}},
    "k": {"db21": {"start_time": 99, "worker_shard": "w1", "run_id": ")" +
                            std::to_string(c) + R"(", "state": "running"}}})"));
  // Only the jobs asked for; a run whose worker slot is unknown has no
  // shard.
  f.runs.at(c).worker = 7;
  auto k = running_tasks_answer(f.view(), entry(R"({"jobs": ["k"]})"));
  REQUIRE(k);
  CHECK(k->as_object().size() == 1);
  CHECK(k->at("k").at("db21").at("worker_shard") == "");
  auto bad = running_tasks_answer(f.view(), entry(R"({"jobs": "k"})"));
  REQUIRE_FALSE(bad);
  CHECK(bad.error().code == monitor_errc::bad_request);
}

TEST_CASE("run handlers: job_node_runtime is seconds since each run began") {
  view_fixture f{job("j") + ", " + job("k")};
  auto w = f.add_worker("w0");
  f.start_run("j", "db11", w, 90000);
  f.start_run("k", "db22", w, 97999);
  f.now_ms = 100000;
  auto all = job_node_runtime_answer(f.view(), {});
  REQUIRE(all);
  CHECK(*all == json::parse(R"({"j": {"db11": 10}, "k": {"db22": 3}})"));
  auto none = job_node_runtime_answer(f.view(), entry(R"({"jobs": ["x"]})"));
  REQUIRE(none);
  CHECK(none->as_object().empty());
}

TEST_CASE("run handlers: tasks pages a job's tasks with their runs") {
  view_fixture f{job("j") + ", " + job("k")};
  auto w = f.add_worker("w0");
  f.set("j", "db12", status_label::running);
  auto id = f.start_run("j", "db12", w, 91000);
  f.set("k", "db21", status_label::done);
  auto page = f.ask("tasks", entry(R"({"limit": 3})"));
  REQUIRE(page);
  const auto& tasks = page->at("tasks").as_array();
  REQUIRE(tasks.size() == 3);
  CHECK(tasks[0].at("node") == "db11");
  CHECK(tasks[0].at("status").at("label") == "never_started");
  CHECK_FALSE(tasks[0].as_object().contains("run_id"));
  CHECK(tasks[1].at("node") == "db12");
  CHECK(tasks[1].at("worker") == "w0");
  CHECK(tasks[1].at("start_ms") == 91000);
  CHECK(tasks[1].at("run_id") == json::value(std::to_string(id)));
  CHECK(tasks[1].at("state") == "running");
  CHECK(page->at("next") == "j/db21");
  // The next page starts after the cursor and ends with the last task.
  auto rest = f.ask("tasks", entry(R"({"after": "j/db21"})"));
  REQUIRE(rest);
  CHECK(rest->at("tasks").as_array().size() == 5);
  CHECK(rest->at("tasks").as_array()[0].at("node") == "db22");
  CHECK(rest->at("next").is_null());
  // By job and state (`backoff` names error_backoff).
  auto done = f.ask("tasks", entry(R"({"state": "done"})"));
  REQUIRE(done);
  REQUIRE(done->at("tasks").as_array().size() == 1);
  CHECK(done->at("tasks").as_array()[0].at("job") == "k");
  auto k = f.ask("tasks", entry(R"({"job": "k"})"));
  REQUIRE(k);
  CHECK(k->at("tasks").as_array().size() == 4);
}

TEST_CASE("run handlers: tasks pages across jobs in the config's order") {
  view_fixture f{job("j") + ", " + job("k") + ", " + job("m")};
  f.set("k", "db12", status_label::failed);
  // A page that ends with a job's last task: more when a later job has one.
  auto j = f.ask("tasks", entry(R"({"limit": 4})"));
  REQUIRE(j);
  CHECK(j->at("tasks").as_array().back().at("node") == "db22");
  CHECK(j->at("next") == "j/db22");
  auto k = f.ask("tasks", entry(R"({"limit": 5, "after": "j/db22"})"));
  REQUIRE(k);
  const auto& tasks = k->at("tasks").as_array();
  REQUIRE(tasks.size() == 5);
  CHECK(tasks[0].at("job") == "k");
  CHECK(tasks[1].at("status").at("label") == "failed");
  CHECK(tasks[4].at("job") == "m");
  CHECK(tasks[4].at("node") == "db11");
  CHECK(k->at("next") == "m/db11");
  // The last page: no more.
  auto m = f.ask("tasks", entry(R"({"limit": 3, "after": "m/db11"})"));
  REQUIRE(m);
  CHECK(m->at("tasks").as_array().size() == 3);
  CHECK(m->at("next").is_null());
  // A filter that only a later job matches, and then nothing more.
  auto failed = f.ask("tasks", entry(R"({"limit": 1, "state": "failed"})"));
  REQUIRE(failed);
  CHECK(failed->at("tasks") == json::parse(R"([{"job": "k", "node": "db12",
    "status": {"label": "failed"}}])"));
  CHECK(failed->at("next").is_null());
}

TEST_CASE("run handlers: tasks names what it cannot read") {
  view_fixture f{job("j", R"("filters": {"db": {"whitelist": ["db11"]}})")};
  auto avoided = f.ask("tasks", entry(R"({"state": "avoided"})"));
  REQUIRE(avoided);
  CHECK(avoided->at("tasks").as_array().size() == 3);
  CHECK(avoided->at("tasks").as_array()[0].at("status").at("label") ==
        "avoided");
  auto state = f.ask("tasks", entry(R"({"state": "sleepy"})"));
  REQUIRE_FALSE(state);
  CHECK(state.error().message == "state: unknown status sleepy");
  auto cursor = f.ask("tasks", entry(R"({"after": "j"})"));
  REQUIRE_FALSE(cursor);
  CHECK(cursor.error().message == "after: not a cursor");
  auto limit = f.ask("tasks", entry(R"({"limit": 0})"));
  REQUIRE_FALSE(limit);
  CHECK(limit.error().code == monitor_errc::bad_request);
  auto none = f.ask("tasks", {}, f.view_without_config());
  REQUIRE_FALSE(none);
  CHECK(none.error().code == monitor_errc::unavailable);
}

TEST_CASE("run handlers: task shows its status and its run") {
  view_fixture f{job("j") + ", " + job("off", R"("enabled": false)")};
  auto w = f.add_worker("w0");
  f.set("j", "db21", status_label::running);
  auto id = f.start_run("j", "db21", w, 92000);
  f.runs.at(id).kill_sent = true;
  auto t = f.ask("task", entry(R"({"job_id": "j", "node_id": "db21"})"));
  REQUIRE(t);
  CHECK(t->at("status").at("label") == "running");
  CHECK(t->at("job_state") == "ok");
  CHECK(t->at("node_enabled") == true);
  CHECK(t->at("run") == json::parse(R"({"run_id": ")" + std::to_string(id) +
                                    R"(", "start_ms": 92000, "worker": "w0",
                                    "host": "w0.host", "kill_sent": true,
                                    "state": "running"})"));
  auto idle = f.ask("task", entry(R"({"job_id": "off", "node_id": "db11"})"));
  REQUIRE(idle);
  CHECK(idle->at("job_state") == "disabled");
  CHECK_FALSE(idle->as_object().contains("run"));
}

TEST_CASE("run handlers: task refuses with a code and a reason") {
  view_fixture f;
  auto missing = f.ask("task", entry(R"({"job_id": "j"})"));
  REQUIRE_FALSE(missing);
  CHECK(missing.error().message == "node_id: expected a non-empty string");
  auto job = f.ask("task", entry(R"({"job_id": "x", "node_id": "db11"})"));
  REQUIRE_FALSE(job);
  CHECK(job.error().code == monitor_errc::not_found);
  CHECK(job.error().message == "Unknown job x");
  auto node = f.ask("task", entry(R"({"job_id": "j", "node_id": "db99"})"));
  REQUIRE_FALSE(node);
  CHECK(node.error().code == monitor_errc::not_found);
  auto level = f.ask("task", entry(R"({"job_id": "j", "node_id": "host1"})"));
  REQUIRE_FALSE(level);
  CHECK(level.error().message ==
        "node host1 is on level host, and job j runs on level db");
  auto none = f.ask("task", entry(R"({"job_id": "j", "node_id": "db11"})"),
                    f.view_without_config());
  REQUIRE_FALSE(none);
  CHECK(none.error().code == monitor_errc::unavailable);
}
