// The scheduler actor on CAF's deterministic test coordinator: messages run
// only when the test says so and time moves only when the test advances the
// manual clock, so backoffs, health timeouts and monitor answers are
// checked exactly, with no sleeps and no real processes.
#include "actors/scheduler/scheduler_actor.hpp"

#include <boost/json.hpp>
#include <caf/all.hpp>
#include <caf/scheduler/test_coordinator.hpp>
#include <catch2/catch.hpp>
#include <limits>

#include "actors/monitor/monitor_table.hpp"
#include "actors/policies/builtin_policies.hpp"
#include "actors/policies/policy_switch.hpp"
#include "actors/rounds/round_scheduler.hpp"
#include "tests/support/scheduler_fixtures.hpp"
#include "tests/support/test_coordinator.hpp"

using namespace bistro;
using namespace bistro::testing;
using namespace std::chrono_literals;

namespace {

/// What a test worker was told.
struct worker_log {
  std::vector<task_spec> runs;
  std::vector<kill_order> kills;
  std::size_t log_queries = 0;
};

worker_actor::behavior_type test_worker(worker_actor::pointer,
                                        std::shared_ptr<worker_log> log) {
  return {
      [=](logs_atom, const log_request& req) {
        ++log->log_queries;
        log_reply out;
        if (!req.jobs.empty())
          out.lines.push_back({req.jobs.front(), "db11", 5000, "hello", 7});
        return out;
      },
      [=](run_atom, const task_spec& spec) { log->runs.push_back(spec); },
      [=](kill_atom, const kill_order& order) { log->kills.push_back(order); },
      [=](kill_atom, std::int64_t) {},
      [=](ping_atom) { return true; },
      [=](list_atom) { return std::vector<running_task_report>{}; },
      [=](tick_atom) {},
      [=](tick_atom, std::uint64_t) {},
  };
}

struct fixture : test_actor_system {
  std::shared_ptr<worker_log> local = std::make_shared<worker_log>();
  worker_actor worker;
  policy_actor policy;
  scheduler_actor scheduler;

  explicit fixture(const std::string& jobs, health_settings health = {},
                   policy_registry policies = policy_registry::builtin()) {
    sched.clock().current_time += std::chrono::hours(1);
    scheduler_options opts;
    opts.stats_interval_ms = 0;
    // Every park the policy makes comes back as a message of its own
    // while it plans: each test here also checks that streamed parks
    // schedule exactly as parks sent with the plan.
    opts.park_batch_size = 1;
    opts.health = health;
    opts.timeouts.heartbeat_grace_ms = health.heartbeat_grace_ms;
    opts.timeouts.healthcheck_period_ms = health.healthcheck_period_ms;
    opts.timeouts.healthcheck_grace_ms = health.healthcheck_grace_ms;
    opts.timeouts.lose_unhealthy_worker_after_ms =
        health.lose_unhealthy_worker_after_ms;
    policy = spawn_policy_switch(sys, std::move(policies), 1);
    opts.policy = policy;
    scheduler = spawn_scheduler(sys, opts);
    worker = sys.spawn(test_worker, local);
    caf::anon_send(scheduler, join_atom_v, worker, std::string{"local"},
                   std::string{"host0"});
    auto config = make_config(bistro_settings(), jobs);
    caf::anon_send(scheduler, update_atom_v, config,
                   make_tree(*config, bistro_nodes()));
    sched.run();
  }

  ~fixture() {
    caf::anon_send_exit(scheduler, caf::exit_reason::user_shutdown);
    caf::anon_send_exit(worker, caf::exit_reason::user_shutdown);
    caf::anon_send_exit(policy, caf::exit_reason::user_shutdown);
    for (auto& w : remote_workers)
      caf::anon_send_exit(w, caf::exit_reason::user_shutdown);
    sched.run();
  }

  std::vector<worker_actor> remote_workers;

  void advance(std::chrono::milliseconds by) {
    // Step in small increments so that every timer fires in order.
    for (auto left = by; left.count() > 0; left -= 100ms) {
      sched.advance_time(std::min(left, std::chrono::milliseconds{100}));
      sched.run();
    }
  }

  void finish(const task_spec& spec, status_label label,
              const std::string& shard = "local") {
    task_result r;
    r.job = spec.job;
    r.node = spec.node;
    r.run_id = spec.run_id;
    r.label = label;
    r.worker = shard;
    caf::anon_send(scheduler, result_atom_v, r);
    sched.run();
  }

  /// One monitor entry's answer: {"data": ...} or {"error": ...}.
  boost::json::object monitor(const std::string& entry) {
    std::string reply;
    auto answer = self->request(scheduler, caf::infinite, monitor_atom_v,
                                "{\"q\": " + entry + "}");
    sched.run();
    answer.receive([&](std::string& r) { reply = std::move(r); },
                   [&](caf::error& e) { FAIL(sys.render(e)); });
    auto doc = boost::json::parse(reply).as_object();
    INFO("reply: " << reply);
    REQUIRE(doc.contains("q"));
    return doc["q"].as_object();
  }
};

std::vector<std::string> nodes_of(const std::vector<task_spec>& runs) {
  std::vector<std::string> out;
  for (const auto& r : runs) out.push_back(r.node);
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

TEST_CASE("every task runs once and an error waits out its backoff exactly") {
  fixture f(job("j", R"("backoff": [10, "fail"])"));
  REQUIRE(nodes_of(f.local->runs) ==
          std::vector<std::string>{"db11", "db12", "db21", "db22"});
  auto runs = f.local->runs;
  f.local->runs.clear();
  for (const auto& r : runs)
    f.finish(
        r, r.node == "db11" ? status_label::error_backoff : status_label::done);
  f.advance(9900ms);
  CHECK(f.local->runs.empty());  // 10 s backoff not over yet
  f.advance(200ms);
  REQUIRE(f.local->runs.size() == 1);
  CHECK(f.local->runs[0].node == "db11");
  CHECK(f.local->runs[0].run_id != runs[0].run_id);
  // The second error has no backoff step left: failed, never run again.
  f.finish(f.local->runs[0], status_label::error_backoff);
  f.local->runs.clear();
  f.advance(60000ms);
  CHECK(f.local->runs.empty());
  auto status = f.monitor(R"({"handler": "status"})");
  REQUIRE(status.contains("data"));
  auto counts = status["data"].as_object()["counts"].as_object();
  CHECK(counts["done"].to_number<int>() == 3);
  CHECK(counts["failed"].to_number<int>() == 1);
}

TEST_CASE("a job that leaves the config and comes back keeps its history") {
  fixture f(job("j"));
  REQUIRE(f.local->runs.size() == 4);
  auto runs = f.local->runs;
  f.local->runs.clear();
  for (const auto& r : runs) f.finish(r, status_label::done);
  auto with_j = make_config(bistro_settings(), job("j"));
  auto without_j = make_config(bistro_settings(), "");
  // Gone: its actor is parked with its statuses.
  caf::anon_send(f.scheduler, update_atom_v, without_j,
                 make_tree(*without_j, bistro_nodes()));
  f.sched.run();
  CHECK_FALSE(
      f.monitor(R"({"handler": "job_summary"})")["data"].as_object().contains(
          "j"));
  // Back, on a tree where its nodes have other ids: done, nothing runs.
  auto nodes = bistro_nodes();
  nodes.insert(nodes.begin(), {{"host0", ""}, {"db01", "host0"}});
  caf::anon_send(f.scheduler, update_atom_v, with_j, make_tree(*with_j, nodes));
  f.sched.run();
  REQUIRE(f.local->runs.size() == 1);
  CHECK(f.local->runs[0].node == "db01");
  auto counts = f.monitor(R"({"handler": "status"})")["data"]
                    .as_object()["counts"]
                    .as_object();
  CHECK(counts["done"].to_number<int>() == 4);
}

TEST_CASE("a plan that comes back while the scheduler stops starts nothing") {
  fixture f(job("j"));
  REQUIRE(f.local->runs.size() == 4);
  auto runs = f.local->runs;
  f.local->runs.clear();
  // An incomplete task may run again at once: the next round plans it.
  task_result r;
  r.job = runs[0].job;
  r.node = runs[0].node;
  r.run_id = runs[0].run_id;
  r.label = status_label::incomplete;
  r.worker = "local";
  caf::anon_send(f.scheduler, result_atom_v, r);
  // Up to the plan: the policy switch has the round's request and hands
  // it to the policy actor, which has not planned yet.
  while (!f.sched.prioritize(f.policy)) {
    REQUIRE(f.sched.has_job());
    f.sched.run_once();
  }
  f.sched.run_once();
  // The scheduler is told to stop: its job actors are asked to store what
  // they hold. The plan comes back before they answer.
  caf::anon_send_exit(f.scheduler, caf::exit_reason::user_shutdown);
  REQUIRE(f.sched.prioritize(f.scheduler));
  f.sched.run_once();
  f.sched.run();
  CHECK(f.local->runs.empty());
}

/// Round robin, except that its first plan fails.
policy_actor::behavior_type failing_once(policy_actor::pointer) {
  auto failed = std::make_shared<bool>(false);
  return {
      [=](plan_atom, round_input_ptr input) -> caf::result<round_output_ptr> {
        if (!*failed) {
          *failed = true;
          return caf::make_error(caf::sec::runtime_error, "policy crashed");
        }
        std::mt19937_64 rng{1};
        return std::make_shared<round_output>(
            plan_round(*find_policy("roundrobin"), std::move(*input), rng));
      },
  };
}

TEST_CASE("after a round whose policy failed, its candidates run") {
  policy_registry policies;
  REQUIRE_FALSE(
      policies.add("roundrobin", [](caf::actor_system& sys, std::uint64_t) {
        return sys.spawn(failing_once);
      }));
  fixture f(job("j"), {}, std::move(policies));
  CHECK(f.local->runs.empty());  // the first round's plan failed
  // The next round comes on the idle wait (no retry loop on a policy
  // that keeps failing).
  f.advance(10000ms);
  CHECK(nodes_of(f.local->runs) ==
        std::vector<std::string>{"db11", "db12", "db21", "db22"});
}

TEST_CASE("a status from a stale run is ignored") {
  fixture f(job("j"));
  REQUIRE(f.local->runs.size() == 4);
  auto stale = f.local->runs[0];
  stale.run_id += 100000;
  f.finish(stale, status_label::done);
  auto running = f.monitor(R"({"handler": "running_tasks"})");
  CHECK(running["data"].as_object()["j"].as_object().size() == 4);
}

TEST_CASE("a result with a label no task may report is the worker's error") {
  fixture f(job("j"));
  REQUIRE(f.local->runs.size() == 4);
  auto runs = f.local->runs;
  f.local->runs.clear();
  f.finish(runs[0], static_cast<status_label>(200));
  f.finish(runs[1], status_label::worker_lost);
  auto tasks = f.monitor(R"({"handler": "tasks", "state": "error_backoff"})");
  auto& list = tasks["data"].as_object()["tasks"].as_array();
  REQUIRE(list.size() == 2);
  for (const auto& t : list) {
    const auto& task = t.as_object();
    const std::string expected =
        "worker local sent unknown status label " +
        std::string{task.at("node").as_string() == runs[0].node ? "200" : "8"};
    CHECK(task.at("status").as_object().at("message").as_string() == expected);
  }
  // The scheduler goes on: the other runs still end normally.
  f.finish(runs[2], status_label::done);
  auto status = f.monitor(R"({"handler": "status"})");
  auto counts = status["data"].as_object()["counts"].as_object();
  CHECK(counts["done"].to_number<int>() == 1);
  CHECK(counts["error_backoff"].to_number<int>() == 2);
  CHECK(counts["running"].to_number<int>() == 1);
}

TEST_CASE("monitor: kill_task reaches the worker with the job's kill method") {
  fixture f(job("j", R"("kill_subprocess": {"method": "kill"})"));
  auto target = f.local->runs.at(0);
  auto answer = f.monitor(R"({"handler": "kill_task", "job_id": "j",
                              "node_id": ")" +
                          target.node + "\"}");
  CHECK(answer["data"] == "signaled");
  REQUIRE(f.local->kills.size() == 1);
  CHECK(f.local->kills[0].run_id == target.run_id);
  CHECK(f.local->kills[0].kill.method == kill_method::kill);
  auto unknown = f.monitor(
      R"({"handler": "kill_task", "job_id": "j", "node_id": "nope"})");
  CHECK(unknown["error"] == "Unknown running task j, nope");
  CHECK(unknown["error_code"] == "not_found");
}

TEST_CASE("monitor: forgive_jobs makes failed tasks run again") {
  fixture f(job("j", R"("backoff": ["fail"])"));
  auto runs = f.local->runs;
  f.local->runs.clear();
  for (const auto& r : runs) f.finish(r, status_label::error_backoff);
  f.advance(10000ms);
  REQUIRE(f.local->runs.empty());
  auto tasks = f.monitor(R"({"handler": "tasks", "state": "failed"})");
  CHECK(tasks["data"].as_object()["tasks"].as_array().size() == 4);
  CHECK(f.monitor(R"({"handler": "forgive_jobs", "jobs": ["j"]})")["data"] ==
        "forgiven");
  f.advance(1000ms);
  CHECK(nodes_of(f.local->runs) ==
        std::vector<std::string>{"db11", "db12", "db21", "db22"});
}

TEST_CASE("monitor: pages, summaries and bad requests") {
  fixture f(job("a") + ", " + job("b", R"("enabled": false)"));
  auto page = f.monitor(R"({"handler": "tasks", "job": "a", "limit": 3})");
  auto& data = page["data"].as_object();
  REQUIRE(data["tasks"].as_array().size() == 3);
  for (const auto& t : data["tasks"].as_array()) {
    CHECK(t.as_object().at("worker") == "local");
    CHECK(t.as_object().contains("run_id"));
  }
  auto next = data["next"].as_string();
  auto rest = f.monitor(R"({"handler": "tasks", "job": "a", "after": ")" +
                        std::string{next} + "\"}");
  REQUIRE(rest["data"].as_object()["tasks"].as_array().size() == 1);
  CHECK(rest["data"].as_object()["next"].is_null());
  CHECK(rest["data"].as_object()["tasks"].as_array()[0].as_object()["node"] ==
        "db22");

  auto summary = f.monitor(R"({"handler": "job_summary"})");
  auto& jobs = summary["data"].as_object();
  CHECK(jobs["a"].as_object()["counts"].as_object()["running"] == 4);
  CHECK(jobs["b"].as_object()["enabled"] == false);
  CHECK(jobs["b"].as_object()["counts"].as_object()["never_started"] == 4);

  auto nodes =
      f.monitor(R"({"handler": "node_page", "level": "db", "prefix": "db2"})");
  CHECK(nodes["data"].as_object()["total"] == 2);

  CHECK(f.monitor(R"({"handler": "nope"})")["error"] ==
        "Unknown handler: nope");
  CHECK(f.monitor(R"({"handler": "tasks", "limit": "x"})")["error"] ==
        "limit: expected an integer");
  CHECK(f.monitor(
            R"({"handler": "save_job", "job_id": "c", "job": {}})")["error"] ==
        "this scheduler has no config file to edit");
  CHECK(f.monitor("[1]")["error"] == "expected an object");
}

TEST_CASE("monitor: each refusal carries the code of its kind") {
  fixture f(job("a"));
  auto code = [&](const std::string& entry) {
    auto answer = f.monitor(entry);
    INFO(entry);
    REQUIRE(answer.contains("error_code"));
    return std::string{answer["error_code"].as_string()};
  };
  CHECK(code(R"({"handler": "nope"})") == "bad_request");
  CHECK(code(R"({"handler": "tasks", "limit": "x"})") == "bad_request");
  CHECK(code(R"({"handler": "task", "job_id": "x", "node_id": "db11"})") ==
        "not_found");
  CHECK(code(R"({"handler": "task", "job_id": "a", "node_id": "x"})") ==
        "not_found");
  CHECK(code(R"({"handler": "kill_job", "job_id": "x"})") == "not_found");
  CHECK(code(R"({"handler": "drain_worker", "worker": "x"})") == "not_found");
  CHECK(code(R"({"handler": "enable_job", "job_id": "x", "enabled": true})") ==
        "not_found");
  CHECK(code(R"({"handler": "node_page", "level": "x"})") == "bad_request");
  CHECK(code(R"({"handler": "events", "after": -1})") == "bad_request");
  CHECK(code(R"({"handler": "task_history", "job_id": "a", "node_id": "n"})") ==
        "bad_request");  // this scheduler keeps no run history
}

TEST_CASE(
    "monitor: every role in monitor_roles is a handler of the scheduler") {
  fixture f(job("j"));
  for (const auto& role : monitor_roles) {
    auto name = std::string{role.name};
    INFO("handler " << name);
    auto answer = f.monitor(R"({"handler": ")" + name + "\"}");
    REQUIRE((answer.contains("data") || answer.contains("error")));
    if (const auto* err = answer.if_contains("error"))
      CHECK(err->as_string().find("Unknown handler") == std::string::npos);
  }
  CHECK(f.monitor(R"({"handler": "kill_tasks"})")["error"] ==
        "Unknown handler: kill_tasks");
  CHECK(f.monitor(R"({"job_id": "j"})")["error"] == "handler: missing");
}

TEST_CASE("monitor: task_logs asks the workers and merges their pages") {
  fixture f(job("j"));
  auto logs = f.monitor(
      R"({"handler": "task_logs", "log_type": "stdout", "jobs": ["j"]})");
  REQUIRE(logs.contains("data"));
  auto lines = logs["data"].as_object()["lines"].as_array();
  REQUIRE(lines.size() == 1);
  CHECK(lines[0].as_array()[3] == "hello");
  CHECK(lines[0].as_array()[4] == "7");
  CHECK(f.local->log_queries == 1);
  CHECK(f.monitor(R"({"handler": "task_logs", "log_type": "x"})")["error"] ==
        "log_type: expected stdout, stderr or statuses");
}

TEST_CASE("a hello with a heartbeat period past a day is refused, saying why") {
  health_settings h;
  h.worker_check_interval_ms = 100;
  fixture f(job("j", R"("host_placement": "remote-host")"), h);
  worker_hello hello;
  hello.shard = "r1";
  hello.host = "remote-host";
  hello.start_ms = 1;
  hello.protocol_version = protocol_version;
  hello.heartbeat_period_ms = std::numeric_limits<std::int64_t>::max();
  hello.handle = f.sys.spawn(test_worker, std::make_shared<worker_log>());
  f.remote_workers.push_back(hello.handle);
  auto welcome =
      f.self->request(f.scheduler, caf::infinite, hello_atom_v, hello);
  f.sched.run();
  welcome.receive(
      [](const worker_welcome& w) {
        CHECK_FALSE(w.accepted);
        CHECK(w.message ==
              "heartbeat period 9223372036854775807 ms is outside [1 ms, 1 "
              "day]; start the worker with --heartbeat_period_sec between 1 "
              "and 86400");
      },
      [&](caf::error& e) { FAIL(f.sys.render(e)); });
  f.advance(1000ms);
  auto workers = boost::json::serialize(f.monitor(R"({"handler": "workers"})"));
  INFO(workers);
  CHECK(workers.find("r1") == std::string::npos);
}

TEST_CASE("a silent remote worker is lost on time; its tasks wait it out") {
  health_settings h;
  h.heartbeat_period_ms = 1000;
  h.heartbeat_grace_ms = 2000;
  h.healthcheck_period_ms = 1000;
  h.healthcheck_grace_ms = 2000;
  h.lose_unhealthy_worker_after_ms = 3000;
  h.worker_check_interval_ms = 100;
  h.suicide_task_kill_wait_ms = 500;
  h.suicide_backoff_safety_margin_ms = 1500;
  // Only the remote worker may run `j`'s tasks: the local one is filtered
  // out by host placement.
  fixture f(job("j", R"("host_placement": "remote-host")"), h);
  REQUIRE(f.local->runs.empty());
  auto remote_log = std::make_shared<worker_log>();
  worker_hello hello;
  hello.shard = "r1";
  hello.host = "remote-host";
  hello.start_ms = 1;
  hello.protocol_version = protocol_version;
  hello.heartbeat_period_ms = h.heartbeat_period_ms;
  hello.handle = f.sys.spawn(test_worker, remote_log);
  f.remote_workers.push_back(hello.handle);
  auto welcome =
      f.self->request(f.scheduler, caf::infinite, hello_atom_v, hello);
  f.sched.run();
  welcome.receive([](const worker_welcome& w) { REQUIRE(w.accepted); },
                  [&](caf::error& e) { FAIL(f.sys.render(e)); });
  f.advance(600ms);
  REQUIRE(remote_log->runs.size() == 4);
  // No heartbeats from now on: lost after heartbeat + grace + lose_after
  // (6 s) at the latest, and not before heartbeat grace (2 s).
  f.advance(2000ms);
  CHECK(f.monitor(R"({"handler": "running_tasks"})")["data"]
            .as_object()["j"]
            .as_object()
            .size() == 4);
  f.advance(5000ms);
  auto tasks = f.monitor(R"({"handler": "tasks", "state": "worker_lost"})");
  CHECK(tasks["data"].as_object()["tasks"].as_array().size() == 4);
  auto workers = f.monitor(R"({"handler": "status"})");
  CHECK(workers["data"].as_object()["running"] == 0);
}

TEST_CASE(
    "a heartbeat's run reports set the usage and the killing state of that "
    "worker's own runs only") {
  health_settings h;
  h.worker_check_interval_ms = 100;
  fixture f(job("j", R"("host_placement": "remote-host")"), h);
  auto remote_log = std::make_shared<worker_log>();
  worker_hello hello;
  hello.shard = "r1";
  hello.host = "remote-host";
  hello.start_ms = 1;
  hello.protocol_version = protocol_version;
  hello.handle = f.sys.spawn(test_worker, remote_log);
  f.remote_workers.push_back(hello.handle);
  auto welcome =
      f.self->request(f.scheduler, caf::infinite, hello_atom_v, hello);
  f.sched.run();
  welcome.receive([](const worker_welcome& w) { REQUIRE(w.accepted); },
                  [&](caf::error& e) { FAIL(f.sys.render(e)); });
  f.advance(600ms);
  REQUIRE(remote_log->runs.size() >= 2);
  const auto& a = remote_log->runs[0];
  const auto& b = remote_log->runs[1];
  std::vector<running_task_report> reports{
      // Being killed by the worker itself, with what its cgroups hold.
      {a.job, a.node, a.run_id, 1, 5 << 20, 2'000'000'000, 1234},
      // Measured, not killed.
      {b.job, b.node, b.run_id, 1, 1 << 20, 500'000'000, 0},
      // A run the scheduler never sent: ignored.
      {"j", "nowhere", 999999, 1, 1 << 30, 1, 1}};
  auto beat = f.self->request(f.scheduler, caf::infinite, heartbeat_atom_v,
                              std::string{"r1"}, std::int64_t{1}, reports);
  f.sched.run();
  beat.receive([](const heartbeat_reply& r) { CHECK(r.known); },
               [&](caf::error& e) { FAIL(f.sys.render(e)); });
  auto running = f.monitor(R"({"handler": "running_tasks"})")["data"];
  INFO(boost::json::serialize(running));
  const auto& ra = running.at(a.job).at(a.node);
  CHECK(ra.at("state") == "killing");
  CHECK(ra.at("killing_since_ms") == 1234);
  CHECK(ra.at("memory_bytes") == 5 << 20);
  CHECK(ra.at("cpu_seconds").as_double() == 2.0);
  const auto& rb = running.at(b.job).at(b.node);
  CHECK(rb.at("state") == "running");
  CHECK(rb.at("memory_bytes") == 1 << 20);
  auto metrics = f.monitor(R"({"handler": "metrics"})")["data"];
  CHECK(metrics.at("worker_usage").at("r1").at("memory_bytes") == 6 << 20);
  CHECK(metrics.at("worker_usage").at("r1").at("measured_tasks") == 2);

  // A hostile worker's largest figures: the per-worker sums stop at the
  // type's limit instead of overflowing.
  constexpr auto huge = std::numeric_limits<std::int64_t>::max();
  std::vector<running_task_report> hostile{
      {a.job, a.node, a.run_id, 1, huge, huge, 1234},
      {b.job, b.node, b.run_id, 1, huge, huge, 0}};
  auto beat2 = f.self->request(f.scheduler, caf::infinite, heartbeat_atom_v,
                               std::string{"r1"}, std::int64_t{1}, hostile);
  f.sched.run();
  beat2.receive([](const heartbeat_reply& r) { CHECK(r.known); },
                [&](caf::error& e) { FAIL(f.sys.render(e)); });
  auto sums = f.monitor(R"({"handler": "metrics"})")["data"]
                  .at("worker_usage")
                  .at("r1");
  CHECK(sums.at("memory_bytes") == huge);
}
