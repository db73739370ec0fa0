// The real bistro_scheduler over real sockets: every route and monitor
// handler, what the API changes (kill, forgive, save_job, delete_job) and
// the auth token.
#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include "tests/actors/http/scheduler_under_test.hpp"

using namespace bistro::testing;
namespace json = boost::json;

namespace {

/// The counts of `job` from /api/jobs/{job}.
json::object counts_of(const scheduler_under_test& s, const std::string& job) {
  return s.get_json("/api/jobs/" + job).at("counts").as_object();
}

std::int64_t count(const json::object& counts, const char* status) {
  auto* v = counts.if_contains(status);
  return v ? v->to_number<std::int64_t>() : 0;
}

}  // namespace

TEST_CASE("http: GET / serves the web page and /healthz answers ok") {
  scheduler_under_test s;
  auto page = s.get("/");
  CHECK(page.status == 200);
  CHECK(page.content_type == "text/html; charset=utf-8");
  CHECK_THAT(page.body, Catch::Contains("<table id=\"jobs\"") &&
                            Catch::Contains("/api/tasks?"));
  auto health = s.get("/healthz");
  CHECK(health.status == 200);
  CHECK(health.body == R"({"ok":true})");
  CHECK_THAT(s.proc->log(), Catch::Contains("HTTP API and web page on "
                                            "http://127.0.0.1:" +
                                            std::to_string(s.port) + "/"));
}

TEST_CASE("http: the plain GET routes answer their handlers' data") {
  scheduler_under_test s;
  REQUIRE(eventually(
      [&] { return count(counts_of(s, "simple_job"), "done") == 4; }, 30000));

  auto jobs = s.get_json("/api/jobs");
  CHECK(jobs.at("simple_job").at("level_for_tasks") == "level2");
  auto job = s.get_json("/api/jobs/simple%5Fjob");  // path segments decoded
  CHECK(job.at("counts") == json::parse(R"({"done": 4})"));
  auto missing = s.get("/api/jobs/nope");
  CHECK(missing.status == 404);
  CHECK(missing.body == R"({"error":"unknown job nope"})");

  auto nodes = s.get_json("/api/nodes?level=level2&limit=3");
  CHECK(nodes.at("total") == 4);
  CHECK(nodes.at("nodes").as_array().size() == 3);
  CHECK(nodes.at("next") == "node21");
  auto rest = s.get_json("/api/nodes?level=level2&limit=3&after=node21");
  CHECK(rest.at("nodes").as_array().size() == 1);
  CHECK(rest.at("nodes").at(0).at("name") == "node22");
  CHECK(rest.at("nodes").at(0).at("parent") == "node2");
  auto prefixed = s.get_json("/api/nodes?prefix=node%31");  // node1*
  CHECK(prefixed.at("total") == 3);

  auto tasks = s.get_json("/api/tasks?job=simple_job&limit=2");
  REQUIRE(tasks.at("tasks").as_array().size() == 2);
  CHECK(tasks.at("tasks").at(0).at("node") == "node11");
  CHECK(tasks.at("tasks").at(0).at("status").at("label") == "done");
  auto next = std::string{tasks.at("next").as_string()};
  CHECK(next == "simple_job/node12");  // an opaque cursor, URL-encoded back
  auto page2 =
      s.get_json("/api/tasks?job=simple_job&limit=2&after=simple_job%2Fnode12");
  CHECK(page2.at("tasks").at(0).at("node") == "node21");
  CHECK(page2.at("next").is_null());
  CHECK(s.get_json("/api/tasks?state=failed").at("tasks").as_array().empty());
  CHECK(s.get("/api/tasks?state=bogus").status == 400);
  CHECK(s.get("/api/tasks?limit=abc").status == 400);

  auto workers = s.get_json("/api/workers");
  REQUIRE(workers.as_array().size() == 1);
  CHECK(workers.at(0).at("health") == "HEALTHY");
  CHECK(workers.at(0).at("remote") == false);

  // Logs come from the worker's store: the task's stdout line.
  json::value logs;
  REQUIRE(eventually(
      [&] {
        logs = s.get_json("/api/logs?job=simple_job&node=node11&type=stdout");
        return !logs.at("lines").as_array().empty();
      },
      10000));
  auto line = logs.at("lines").at(0).as_array();
  CHECK(line.at(0) == "simple_job");
  CHECK(line.at(1) == "node11");
  CHECK(line.at(3) == "hello from simple_job on node11");
  auto errs = s.get_json("/api/logs?job=simple_job&node=node12&type=stderr");
  CHECK(errs.at("lines").at(0).at(3) == "warning on node12");
  auto all = s.get_json("/api/logs?job=simple_job&sort=asc&limit=2");
  REQUIRE(all.at("lines").as_array().size() == 2);
  auto after = std::string{all.at("next_line_id").as_string()};
  REQUIRE(after != "-1");
  auto more =
      s.get_json("/api/logs?job=simple_job&sort=asc&limit=2&after=" + after);
  REQUIRE(more.at("lines").as_array().size() == 2);
  CHECK(more.at("lines").at(0).at(4).as_string() ==
        after);  // the page starts there
  CHECK(s.get("/api/logs?type=nope").status == 400);

  CHECK(s.get_json("/api/running").as_object().empty());
  auto config = s.get_json("/api/config");
  CHECK(config.at("file").as_string() == s.config);
  CHECK(config.at("config").at("jobs") == json::parse(R"(["simple_job"])"));
  auto status = s.get_json("/api/status");
  CHECK(status.at("jobs") == 1);
  CHECK(status.at("tasks_finished").to_number<int>() >= 4);
  CHECK(s.get_json("/api/errors").as_object().empty());

  CHECK(s.get("/api/nope").status == 404);
  CHECK(s.get("/nope").status == 404);
  auto wrong = s.call("DELETE", "/api/workers");
  CHECK(wrong.status == 405);
  CHECK(wrong.allow == "GET");
  CHECK(json::parse(wrong.body).at("error").is_string());
}

TEST_CASE("http: POST / answers every monitor handler in one request") {
  scheduler_under_test s;
  REQUIRE(eventually(
      [&] { return count(counts_of(s, "simple_job"), "done") == 4; }, 30000));
  auto r = s.call("POST", "/", R"({
    "prefs": {"ignored": true},
    "errors": {"handler": "errors"},
    "refresh_time": {"handler": "refresh_time"},
    "jobs": {"handler": "jobs"},
    "sorted_node_names": {"handler": "sorted_node_names"},
    "nodes": {"handler": "nodes", "nodes": ["node1"], "fields": ["resources"]},
    "running_tasks": {"handler": "running_tasks"},
    "job_node_runtime": {"handler": "job_node_runtime"},
    "histogram": {"handler": "histogram", "num_samples": 1},
    "task_logs": {"handler": "task_logs", "log_type": "statuses"},
    "forgive_jobs": {"handler": "forgive_jobs", "jobs": ["simple_job"]},
    "kill_task": {"handler": "kill_task", "job_id": "simple_job",
                  "node_id": "node11"},
    "status": {"handler": "status"},
    "job_summary": {"handler": "job_summary"},
    "tasks": {"handler": "tasks", "limit": 1},
    "node_page": {"handler": "node_page"},
    "workers": {"handler": "workers"},
    "config": {"handler": "config"},
    "metrics": {"handler": "metrics"},
    "unknown": {"handler": "no_such_handler"},
    "wrong_type": {"handler": "jobs", "jobs": 5},
    "not_an_object": 7
  })");
  REQUIRE(r.status == 200);
  auto reply = json::parse(r.body).as_object();
  CHECK_FALSE(reply.contains("prefs"));
  for (auto key : {"errors", "refresh_time", "jobs", "sorted_node_names",
                   "nodes", "running_tasks", "job_node_runtime", "histogram",
                   "task_logs", "forgive_jobs", "status", "job_summary",
                   "tasks", "node_page", "workers", "config", "metrics"}) {
    INFO(key << ": " << json::serialize(reply[key]));
    CHECK(reply[key].as_object().contains("data"));
  }
  CHECK(reply["sorted_node_names"].at("data").at("level2") ==
        json::parse(R"(["node11","node12","node21","node22"])"));
  // Bistro's histograms: status bits ("E" = done) on every level up.
  CHECK(reply["histogram"].at("data").at("histograms") ==
        json::parse(R"({"simple_job": {"level2": {"E": 4}, "level1": {"E": 2},
                                       "instance": {"E": 1}}})"));
  CHECK(reply["forgive_jobs"].at("data") == "forgiven");
  CHECK(reply["kill_task"].at("error") ==
        "Unknown running task simple_job, node11");
  CHECK(reply["unknown"].at("error") == "Unknown handler: no_such_handler");
  CHECK(reply["wrong_type"].at("error") == "jobs: expected a list of strings");
  CHECK(reply["not_an_object"].at("error") == "expected an object");
  // The task_logs statuses of the 4 runs are there.
  CHECK(reply["task_logs"].at("data").at("lines").as_array().size() >= 4);

  auto bad = s.call("POST", "/", "{not json");
  CHECK(bad.status == 400);
  CHECK_THAT(bad.body, Catch::Contains("monitor request: not JSON"));
  auto list = s.call("POST", "/", "[1, 2]");
  CHECK(list.status == 400);
  CHECK_THAT(list.body, Catch::Contains("expected a JSON object"));
  CHECK(s.call("PUT", "/").status == 405);
}

TEST_CASE("http: kill over HTTP ends a running task") {
  scheduler_under_test s{
      R"("bistro_job->slow_job": {"owner": "t",
         "filters": {"level2": {"whitelist": ["node11"]}}})"};
  REQUIRE(eventually(
      [&] {
        return s.get_json("/api/running").as_object().contains("slow_job");
      },
      20000));
  auto running = s.get_json("/api/running");
  CHECK(running.at("slow_job").at("node11").at("worker_shard").is_string());
  auto killed = s.call("POST", "/api/tasks/slow_job/node11/kill");
  CHECK(killed.status == 200);
  CHECK(killed.body == R"({"result":"signaled"})");
  REQUIRE(eventually(
      [&] { return s.get_json("/api/running").as_object().empty(); }, 20000));
  CHECK_THAT(
      s.proc->log(),
      Catch::Contains(
          "killing slow_job on node11 (run " +
          std::string{
              running.at("slow_job").at("node11").at("run_id").as_string()} +
          ") on request"));
  CHECK(s.starts("slow_job") <= 1);  // killed, not started again
  auto again = s.call("POST", "/api/tasks/slow_job/node11/kill");
  CHECK(again.status == 404);
  CHECK(again.body == R"({"error":"Unknown running task slow_job, node11"})");
  CHECK(s.call("POST", "/api/tasks/nope/node11/kill").status == 404);
  CHECK(s.call("GET", "/api/tasks/slow_job/node11/kill").status == 405);
}

TEST_CASE("http: forgive over HTTP runs failed tasks again") {
  scheduler_under_test s{
      R"("bistro_job->fail_job": {"owner": "t", "backoff": ["fail"],
         "filters": {"level2": {"whitelist": ["node11"]}}})"};
  REQUIRE(eventually(
      [&] { return count(counts_of(s, "fail_job"), "failed") == 1; }, 20000));
  CHECK(s.get_json("/api/jobs/fail_job").at("failed_nodes") ==
        json::parse(R"(["node11"])"));
  CHECK(s.starts("fail_job") == 1);
  auto r = s.call("POST", "/api/jobs/fail_job/forgive");
  CHECK(r.status == 200);
  CHECK(r.body == R"({"result":"forgiven"})");
  REQUIRE(eventually([&] { return s.starts("fail_job") == 2; }, 20000));
  CHECK(s.call("POST", "/api/jobs/nope/forgive").status == 404);
}

TEST_CASE("http: save_job adds a job whose task runs, delete_job removes it") {
  scheduler_under_test s;
  auto saved = s.call("PUT", "/api/jobs/new%5Fjob", R"({"owner": "http",
      "filters": {"level2": {"whitelist": ["node21"]}}})");
  INFO(saved.body);
  REQUIRE(saved.status == 200);
  CHECK(saved.body == R"({"result":"saved"})");
  REQUIRE(
      eventually([&] { return s.starts("new_job", "node21") == 1; }, 20000));
  CHECK(s.starts("new_job") == 1);  // only the whitelisted node
  {
    std::ifstream in(s.config);
    std::stringstream text;
    text << in.rdbuf();
    auto doc = json::parse(text.str());
    CHECK(doc.at("bistro_job->new_job").at("owner") == "http");
  }
  CHECK(s.get_json("/api/jobs/new%5Fjob").at("errors").as_array().empty());

  auto invalid = s.call("PUT", "/api/jobs/bad", R"({"owner": "x",
      "level_for_tasks": "no_such_level"})");
  CHECK(invalid.status == 400);
  CHECK(json::parse(invalid.body).at("error").is_string());
  CHECK(s.call("PUT", "/api/jobs/bad", "[1]").status == 400);
  CHECK(s.call("PUT", "/api/jobs/bad", "{oops").status == 400);

  auto deleted = s.call("DELETE", "/api/jobs/new%5Fjob");
  CHECK(deleted.status == 200);
  CHECK(deleted.body == R"({"result":"deleted"})");
  CHECK(eventually([&] { return s.get("/api/jobs/new%5Fjob").status == 404; },
                   10000));
  auto twice = s.call("DELETE", "/api/jobs/new%5Fjob");
  CHECK(twice.status == 404);
  CHECK(twice.body == R"({"error":"unknown job new_job"})");
  std::ifstream in(s.config);
  std::stringstream text;
  text << in.rdbuf();
  CHECK_FALSE(
      json::parse(text.str()).as_object().contains("bistro_job->new_job"));
}

TEST_CASE("http: with a token file, mutating requests need the bearer token") {
  temp_dir keys;
  auto token_file = keys.write("token", "s3cret-token\n");
  scheduler_under_test s{R"("bistro_job->simple_job": {"owner": "test"})",
                         {"--http_auth_token_file=" + token_file}};
  const std::map<std::string, std::string> good{
      {"Authorization", "Bearer s3cret-token"}};
  const std::map<std::string, std::string> bad{
      {"Authorization", "Bearer s3cret-tokeN"}};
  // Reads need nothing.
  CHECK(s.get("/api/jobs").status == 200);
  CHECK(s.call("POST", "/", R"({"a": {"handler": "status"}})").status == 200);
  // Every mutating route and handler is refused without the token...
  auto refused = s.call("POST", "/api/jobs/simple_job/forgive");
  CHECK(refused.status == 401);
  CHECK_THAT(refused.body, Catch::Contains("\"error\""));
  CHECK(s.call("POST", "/api/tasks/simple_job/node11/kill", "", bad).status ==
        401);
  CHECK(s.call("PUT", "/api/jobs/x", R"({"owner": "t"})").status == 401);
  CHECK(s.call("DELETE", "/api/jobs/simple_job").status == 401);
  for (auto h : {"kill_task", "forgive_jobs", "save_job", "delete_job"})
    CHECK(s.call("POST", "/",
                 R"({"a": {"handler": "status"}, "b": {"handler": ")" +
                     std::string{h} + R"("}})")
              .status == 401);
  CHECK(s.get_json("/api/jobs").as_object().size() == 1);  // nothing saved
  // ...and accepted with it.
  CHECK(s.call("POST", "/api/jobs/simple_job/forgive", "", good).status == 200);
  CHECK(s.call("PUT", "/api/jobs/x", R"({"owner": "t"})", good).status == 200);
  CHECK(eventually([&] { return s.get("/api/jobs/x").status == 200; }, 10000));
  CHECK(s.call("DELETE", "/api/jobs/x", "", good).status == 200);
}

TEST_CASE("http: a port in use is a clear error and a non-zero exit") {
  temp_dir dir;
  boost::asio::io_context ioc;
  boost::asio::ip::tcp::acceptor taken{
      ioc, {boost::asio::ip::make_address("127.0.0.1"), 0}};
  auto port = taken.local_endpoint().port();
  auto config = dir.write(
      "config", "{" + http_test_settings() +
                    R"(, "bistro_job->simple_job": {"owner": "test"}})");
  child_process sched(
      {BISTRO_SCHEDULER_BIN, "--config_file=" + config,
       "--worker_command=/bin/true", "--data_dir=" + dir.file("data"),
       "--http_server_port=" + std::to_string(port)},
      dir.file("log"));
  auto code = sched.wait(20000);
  REQUIRE(code);
  CHECK(*code == 1);
  CHECK_THAT(sched.log(),
             Catch::Contains("--http_server_port=" + std::to_string(port)) &&
                 Catch::Contains("cannot listen on 127.0.0.1:" +
                                 std::to_string(port)) &&
                 Catch::Contains("in use"));
}
