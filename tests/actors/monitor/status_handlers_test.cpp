// The answers that read the scheduler's counters and workers, over
// counters, runs and workers the test sets: no scheduler actor.
#include "actors/monitor/status_handlers.hpp"

#include <catch2/catch.hpp>

#include "tests/actors/monitor/view_fixture.hpp"

using namespace bistro;
using namespace bistro::testing;
namespace json = boost::json;

namespace {

/// A remote worker's record as the health registry keeps it.
worker_record record_of(const std::string& shard, worker_health health) {
  worker_record r;
  r.shard = shard;
  r.host = shard + ".example";
  r.pid = 4321;
  r.health = health;
  r.last_heartbeat_ms = 97000;
  return r;
}

}  // namespace

TEST_CASE("status handlers: workers_by_health counts connected workers") {
  view_fixture f;
  auto sick = record_of("r1", worker_health::unhealthy);
  f.add_worker("local");
  f.workers[f.add_worker("r1", true)].record = &sick;
  f.add_worker("r2", true);  // the registry forgot it: HEALTHY
  f.workers[f.add_worker("gone", true)].connected = false;
  CHECK(workers_by_health(f.view()) ==
        json::parse(R"({"HEALTHY": 2, "UNHEALTHY": 1})"));
}

TEST_CASE("status handlers: status sums every job's counts and counters") {
  view_fixture f;
  // A job with an error: make_config refuses those, parse_config keeps it.
  auto parsed = parse_config("{\"bistro_settings\": {" + bistro_settings() +
                                 "}, " + job("j") +
                                 R"(, "bistro_job->bad": {"owner": "t",
             "level_for_tasks": "no_such_level"}})",
                             builtin_policy_catalog());
  REQUIRE(parsed.ok());
  f.cfg = parsed.value;
  f.tree = make_tree(*f.cfg, bistro_nodes());
  f.reset_rows();
  f.set("j", "db11", status_label::done);
  f.set("j", "db12", status_label::running);
  auto w = f.add_worker("w0");
  f.start_run("j", "db12", w);
  f.metrics.round_done(0.002, 3);
  f.metrics.round_done(0.2, 0);
  f.metrics.task_finished(false);
  f.now_ms = 70000;
  auto s = f.ask("status");
  REQUIRE(s);
  CHECK(s->at("now_ms") == 70000);
  CHECK(s->at("started_ms") == 30000);
  CHECK(s->at("startup_wait") ==
        json::parse(R"({"until_ms": 60000, "over": true,
                        "reason": "waiting for workers"})"));
  CHECK(s->at("config_ms") == 42000);
  CHECK(s->at("enabled") == true);
  CHECK(s->at("jobs") == 2);
  CHECK(s->at("invalid_jobs") == 1);
  CHECK(s->at("nodes") == f.tree->size());
  CHECK(s->at("counts").at("done") == 1);
  CHECK(s->at("counts").at("running") == 1);
  CHECK(s->at("running") == 1);
  CHECK(s->at("workers") == json::parse(R"({"HEALTHY": 1})"));
  CHECK(s->at("rounds") == 2);
  CHECK(s->at("tasks_started") == 3);
  CHECK(s->at("tasks_finished") == 1);
  CHECK(s->at("errors").as_object().contains("job bad"));
  // Before the first config: counters, no jobs.
  f.startup_wait_until_ms = 80000;
  auto early = f.ask("status", {}, f.view_without_config());
  REQUIRE(early);
  CHECK(early->at("startup_wait").at("over") == false);
  CHECK(early->at("jobs") == 0);
  CHECK(early->at("nodes") == 0);
  CHECK(early->at("enabled") == false);
  CHECK(early->at("counts").as_object().empty());
}

TEST_CASE("status handlers: metrics has cumulative round buckets and usage") {
  view_fixture f;
  f.metrics.round_done(0.0005, 1);     // first bucket
  f.metrics.round_done(0.003, 0);      // le 0.005
  f.metrics.round_done(9.0, 0, true);  // +Inf, planned by subtree
  f.metrics.task_finished(true);
  f.persisted.committed(true, 5, 0.25);
  auto w0 = f.add_worker("w0");
  auto w1 = f.add_worker("w1");
  f.workers[f.add_worker("gone")].connected = false;
  auto a = f.start_run("j", "db11", w0);
  f.runs.at(a).memory_bytes = 1000;
  f.runs.at(a).cpu_time_ns = 2000000000;
  auto b = f.start_run("j", "db12", w0);
  f.runs.at(b).memory_bytes = 24;
  f.start_run("j", "db21", w1);  // never measured
  auto c = f.start_run("j", "db22", 2);
  f.runs.at(c).memory_bytes = 1;  // on a worker that is gone
  auto m = f.ask("metrics");
  REQUIRE(m);
  const auto& buckets = m->at("round_seconds_buckets").as_array();
  REQUIRE(buckets.size() == 10);
  CHECK(buckets[0] == json::parse("[0.001, 1]"));
  CHECK(buckets[2] == json::parse("[0.005, 2]"));
  CHECK(buckets[9] == json::parse(R"(["+Inf", 3])"));
  CHECK(m->at("round_count") == 3);
  CHECK(m->at("rounds_split") == 1);
  CHECK(m->at("tasks_started") == 1);
  CHECK(m->at("tasks_finished") == 1);
  CHECK(m->at("tasks_errors") == 1);
  CHECK(m->at("running") == 4);
  CHECK(m->at("statuses_persisted") == 5);
  CHECK(m->at("commits") == 1);
  CHECK(m->at("commit_seconds_sum") == 0.25);
  CHECK(m->at("config_errors") == 0);
  CHECK(m->at("tasks").at("j").at("never_started") == 4);
  CHECK(m->at("worker_usage") == json::parse(R"({
    "w0": {"memory_bytes": 1024, "cpu_seconds": 2.0, "measured_tasks": 2},
    "w1": {"memory_bytes": 0, "cpu_seconds": 0.0, "measured_tasks": 0}})"));
}

TEST_CASE("status handlers: workers has a row per connected worker") {
  view_fixture f;
  f.cfg = make_config(
      bistro_settings("", R"("worker": {"slots": {"limit": 4, "default": 1}})"),
      job("j"));
  f.tree = make_tree(*f.cfg, bistro_nodes());
  f.reset_rows();
  auto rec = record_of("r1", worker_health::healthy);
  rec.silent = true;
  auto local = f.add_worker("local");
  f.workers[local].resource_limits = {4};
  auto r = f.add_worker("r1", true);
  auto& remote = f.workers[r];
  remote.record = &rec;
  remote.drained = true;
  remote.memory_mb = 2048;
  remote.cpu_cores = 8;
  remote.gpus.push_back({"Tesla", "0000:01:00.0", 16000});
  remote.physical_error = "no GPU clock";
  remote.resource_limits = {2};
  f.workers[f.add_worker("gone")].connected = false;
  f.start_run("j", "db11", r);
  f.start_run("j", "db12", r);
  f.now_ms = 100000;
  auto out = workers_answer(f.view(), {});
  REQUIRE(out);
  const auto& rows = out->as_array();
  REQUIRE(rows.size() == 2);
  CHECK(rows[0] == json::parse(R"({
    "shard": "local", "remote": false, "drained": false, "running": 0,
    "start_ms": 1000, "host": "local.host", "pid": 77, "health": "HEALTHY",
    "last_heartbeat_ms": null, "last_heard_ms_ago": null, "silent": false,
    "physical": null, "resources": {"slots": 4}})"));
  CHECK(rows[1] == json::parse(R"({
    "shard": "r1", "remote": true, "drained": true, "running": 2,
    "start_ms": 1000, "host": "r1.example", "pid": 4321,
    "health": "HEALTHY", "last_heartbeat_ms": 97000,
    "last_heard_ms_ago": 3000, "silent": true,
    "physical": {"memory_mb": 2048, "cpu_cores": 8,
                 "gpus": [{"name": "Tesla", "pci_bus_id": "0000:01:00.0",
                           "memory_mb": 16000}],
                 "error": "no GPU clock"},
    "resources": {"slots": 2}})"));
  // Before the first config: no resources to name.
  auto early = workers_answer(f.view_without_config(), {});
  REQUIRE(early);
  CHECK(early->as_array()[0].at("resources").as_object().empty());
}
