#include "apps/shell/reply_view.hpp"

#include <catch2/catch.hpp>

using namespace bistro::shell;

namespace {

command cmd_of(std::string_view line) {
  auto r = parse_command(line);
  REQUIRE(r.cmd);
  return *r.cmd;
}

monitor_reply reply_of(const std::string& text) {
  auto r = parse_reply(text);
  REQUIRE(r.error.empty());
  return r;
}

const std::int64_t now = 1700000100000;
const view_options wide{120, 24, now};

}  // namespace

TEST_CASE("shell: a reply that is not JSON or reports a request error fails") {
  CHECK_THAT(parse_reply("nope").error, Catch::Contains("not JSON"));
  CHECK(parse_reply("[1]").error == "the reply is not a JSON object");
  CHECK(parse_reply(R"({"error": "monitor request: bad"})").error ==
        "monitor request: bad");
}

TEST_CASE("shell: a handler's error fails its command, table or JSON") {
  auto r = reply_of(R"({"main": {"error": "Unknown running task j, n"}})");
  CHECK(render_reply(cmd_of("kill j n"), r, wide).error ==
        "Unknown running task j, n");
  CHECK(render_reply_json(cmd_of("kill j n"), r).error ==
        "Unknown running task j, n");
}

TEST_CASE(
    "shell: status shows config time, errors, counts, workers and rates") {
  auto r = reply_of(R"({"main": {"data": {"now_ms": 1700000100000,
    "started_ms": 1700000000000, "config_ms": 1700000090000,
    "config_file": "/c", "enabled": true,
    "errors": {"config": "bad json at line 3"},
    "counts": {"failed": 1, "done": 3}, "jobs": 2, "nodes": 9, "running": 0,
    "workers": {"HEALTHY": 2}, "rounds": 40, "rounds_per_s": 2.5,
    "tasks_started": 4, "tasks_finished": 4, "tasks_per_s": 0.4}}})");
  auto v = render_reply(cmd_of("status"), r, wide);
  REQUIRE(v.error.empty());
  CHECK_THAT(v.text, Catch::Contains("(10s ago)"));
  CHECK_THAT(v.text, Catch::Contains("error: config"));
  CHECK_THAT(v.text, Catch::Contains("bad json at line 3"));
  CHECK_THAT(v.text, Catch::Contains("done 3, failed 1"));
  CHECK_THAT(v.text, Catch::Contains("HEALTHY 2"));
  CHECK_THAT(v.text, Catch::Contains("40 (2.5/s)"));
  CHECK_THAT(v.text, Catch::Contains("4 (0.4/s)"));
}

TEST_CASE("shell: jobs is a table with a column per status present") {
  auto r = reply_of(R"({"main": {"data": {
    "a": {"enabled": true, "priority": 1, "level_for_tasks": "l2",
          "counts": {"done": 3}, "errors": []},
    "b": {"enabled": false, "priority": 0, "level_for_tasks": "l2",
          "counts": {"failed": 2}, "errors": ["bad filter"]}}}})");
  auto v = render_reply(cmd_of("jobs"), r, wide);
  REQUIRE(v.error.empty());
  CHECK_THAT(v.text, Catch::StartsWith("JOB  STATE     PRIORITY  LEVEL  done  "
                                       "failed  ERRORS\n"));
  CHECK_THAT(v.text, Catch::Contains("b    disabled  0         l2     0     2"
                                     "       bad filter"));
}

TEST_CASE("shell: a job with config errors shows as invalid, not pending") {
  auto r = reply_of(R"({"summary": {"data": {
    "bad": {"enabled": true, "state": "invalid", "priority": 0,
            "level_for_tasks": "l2", "counts": {"never_started": 2},
            "errors": ["job bad: level_for_tasks: unknown level x"]}}},
    "main": {"data": {"tasks": [
      {"job": "bad", "node": "n1", "status": {"label": "never_started"}}],
      "next": null}}})");
  auto jobs = reply_of(R"({"main": )" +
                       boost::json::serialize(r.entries.at("summary")) + "}");
  auto v = render_reply(cmd_of("jobs"), jobs, wide);
  REQUIRE(v.error.empty());
  CHECK_THAT(v.text, Catch::Contains("bad  invalid  0"));
  CHECK_THAT(v.text, Catch::Contains("unknown level x"));
  auto job = render_reply(cmd_of("job bad"), jobs, wide);
  CHECK_THAT(job.text, Catch::Contains("state            invalid\n"));
  auto tasks = render_reply(cmd_of("tasks --job bad"), r, wide);
  REQUIRE(tasks.error.empty());
  CHECK_THAT(tasks.text, Catch::Contains("bad  n1    invalid"));
  CHECK_THAT(tasks.text,
             Catch::Contains("job config: job bad: level_for_tasks: unknown"));
  CHECK_THAT(tasks.text, !Catch::Contains("never_started"));
}

TEST_CASE("shell: status says how long the startup wait lasts, and why") {
  auto r = reply_of(R"({"main": {"data": {"now_ms": 1700000100000,
    "started_ms": 1700000090000, "config_ms": 1700000090000,
    "startup_wait": {"until_ms": 1700000170000, "over": false,
                     "reason": "heartbeat 15 s + grace 60 s"},
    "enabled": true, "errors": {}, "counts": {}, "jobs": 2,
    "invalid_jobs": 1, "nodes": 3, "running": 0, "workers": {},
    "rounds": 0, "rounds_per_s": 1.0, "tasks_started": 0,
    "tasks_finished": 0, "tasks_per_s": 0.0}}})");
  auto v = render_reply(cmd_of("status"), r, wide);
  REQUIRE(v.error.empty());
  CHECK_THAT(v.text, Catch::Contains("startup wait    no task starts for "
                                     "1m10s more (until "));
  CHECK_THAT(v.text, Catch::Contains("): heartbeat 15 s + grace 60 s"));
  CHECK_THAT(v.text, Catch::Contains("2 (1 invalid: see errors)"));
  auto json = render_reply_json(cmd_of("status"), r).text;
  CHECK_THAT(json, Catch::Contains("\"rounds_per_s\":1.0,"));
  CHECK_THAT(json, !Catch::Contains("E0"));
}

TEST_CASE(
    "shell: job shows settings, counts and failed nodes with how many more") {
  auto r = reply_of(R"({"main": {"data": {"j": {"enabled": true,
    "runnable": true, "errors": [], "owner": "me", "priority": 2.0,
    "level_for_tasks": "l2", "backoff": [1, 2, "fail"], "depends_on": [],
    "counts": {"failed": 3, "done": 1}, "failed_nodes": ["n1", "n2"],
    "failed_more": 1}}}})");
  auto v = render_reply(cmd_of("job j"), r, wide);
  REQUIRE(v.error.empty());
  CHECK_THAT(v.text, Catch::Contains("priority         2\n"));
  CHECK_THAT(v.text, Catch::Contains("backoff          1, 2, fail"));
  CHECK_THAT(v.text, Catch::Contains("failed  3"));
  CHECK_THAT(v.text, Catch::Contains("FAILED NODE\nn1\nn2\n"));
  CHECK_THAT(v.text, Catch::Contains("… 1 more failed nodes"));
  CHECK(render_reply(cmd_of("job other"), r, wide).error ==
        "unknown job other");
  CHECK(render_reply_json(cmd_of("job other"), r).error == "unknown job other");
}

TEST_CASE("shell: nodes says how many matching nodes were left out") {
  auto r = reply_of(R"({"main": {"data": {"nodes": [
    {"name": "n1", "level": "l1", "parent": "inst", "enabled": true}],
    "next": "n1", "total": 5}}})");
  auto v = render_reply(cmd_of("nodes"), r, wide);
  CHECK(v.text ==
        "NODE  LEVEL  PARENT  ENABLED\n"
        "n1    l1     inst    yes\n"
        "… 4 more nodes (use --limit or a PREFIX)\n");
}

TEST_CASE("shell: tasks counts what it left out from the jobs' counts") {
  auto r = reply_of(R"({"summary": {"data": {"j": {"counts": {"done": 3,
    "failed": 1}}}}, "main": {"data": {"tasks": [
    {"job": "j", "node": "n1", "status": {"label": "done",
     "time_ms": 1700000040000}},
    {"job": "j", "node": "n2", "status": {"label": "failed",
     "message": "exit 3"}}], "next": "j\tn2"}}})");
  auto v = render_reply(cmd_of("tasks --limit 2"), r, wide);
  REQUIRE(v.error.empty());
  CHECK_THAT(v.text, Catch::Contains("j    n1    done            1m00s ago"));
  CHECK_THAT(v.text, Catch::Contains("exit 3"));
  CHECK_THAT(v.text, Catch::Contains("… 2 more tasks"));
  CHECK(render_reply(cmd_of("tasks --job k"), r, wide).error ==
        "unknown job k");
}

TEST_CASE("shell: running lists tasks sorted by job and node, limited") {
  std::string runs;
  for (int i = 0; i < 55; ++i)
    runs +=
        (i ? "," : "") + std::string{"\"n"} + (i < 10 ? "0" : "") +
        std::to_string(i) +
        R"(": {"start_time": 1700000000, "worker_shard": "w1", "run_id": ")" +
        std::to_string(i) + "\"}";
  auto r = reply_of(R"({"main": {"data": {"j": {)" + runs + "}}}}");
  auto v = render_reply(cmd_of("running"), r, wide);
  REQUIRE(v.error.empty());
  CHECK_THAT(v.text, Catch::StartsWith("JOB  NODE  WORKER  STATE    STARTED"));
  CHECK_THAT(v.text, Catch::Contains("\nj    n00   w1"));
  CHECK_THAT(v.text, Catch::Contains("1m40s"));
  CHECK_THAT(v.text, Catch::Contains("… 5 more running tasks"));
  CHECK(render_reply(cmd_of("running"), reply_of(R"({"main": {"data": {}}})"),
                     wide)
            .text == "no running tasks\n");
}

TEST_CASE(
    "shell: running shows a killed task as killing, and what its cgroups "
    "use") {
  auto r = reply_of(R"({"main": {"data": {"j": {
    "a": {"start_time": 1700000000, "worker_shard": "w1", "run_id": "1",
          "state": "killing", "killing_since_ms": 1700000090000},
    "b": {"start_time": 1700000000, "worker_shard": "w1", "run_id": "2",
          "state": "running", "memory_bytes": 12582912,
          "cpu_seconds": 1.5}}}}})");
  auto v = render_reply(cmd_of("running"), r, wide);
  REQUIRE(v.error.empty());
  CHECK_THAT(v.text, Catch::Contains("MEMORY    CPU"));
  CHECK_THAT(v.text, Catch::Contains("\nj    a     w1      killing"));
  CHECK_THAT(v.text, Catch::Contains("\nj    b     w1      running"));
  CHECK_THAT(v.text, Catch::Contains("12.0 MiB  1.50 s"));
}

TEST_CASE(
    "shell: workers says what a remote worker measured and its limits, one "
    "line each under the table") {
  auto r = reply_of(R"({"main": {"data": [{"shard": "w1", "host": "h",
    "pid": 12, "health": "HEALTHY", "remote": true, "running": 1,
    "start_ms": 1700000000000, "last_heartbeat_ms": 1700000099000,
    "physical": {"memory_mb": 4096, "cpu_cores": 2,
                 "gpus": [{"name": "K40", "pci_bus_id": "0:1",
                           "memory_mb": 11519}]},
    "resources": {"ram_gb": 3, "cpu": 2}},
    {"shard": "local", "host": "h", "pid": 13, "health": "HEALTHY",
     "remote": false, "running": 0, "start_ms": 0, "physical": null,
     "resources": {}}]}})");
  auto v = render_reply(cmd_of("workers"), r, wide);
  CHECK_THAT(v.text,
             Catch::EndsWith("\nw1: machine 4096 MB, 2 cores, 1 GPU (K40); "
                             "limits cpu 2, ram_gb 3\n"));
  CHECK_THAT(v.text, !Catch::Contains("local: machine"));
}

TEST_CASE("shell: workers is a table of shards with health and heartbeat age") {
  auto r = reply_of(R"({"main": {"data": [{"shard": "w1", "host": "h",
    "pid": 12, "health": "HEALTHY", "remote": true, "running": 1,
    "start_ms": 1700000000000, "last_heartbeat_ms": 1700000099000}]}})");
  auto v = render_reply(cmd_of("workers"), r, wide);
  CHECK_THAT(v.text, Catch::Contains("w1     h     12   HEALTHY  yes     1"));
  CHECK_THAT(v.text, Catch::Contains("1s ago"));
}

TEST_CASE("shell: workers says when a worker was last heard and if silent") {
  auto r = reply_of(R"({"main": {"data": [{"shard": "w1", "host": "h",
    "pid": 12, "health": "HEALTHY", "remote": true, "running": 3,
    "start_ms": 1700000000000, "last_heartbeat_ms": 1,
    "last_heard_ms_ago": 42000, "silent": true}]}})");
  auto v = render_reply(cmd_of("workers"), r, wide);
  CHECK_THAT(v.text, Catch::Contains("LAST HEARD"));
  CHECK_THAT(v.text, Catch::Contains("42s ago (silent)"));
}

TEST_CASE("shell: a log page names the workers that did not answer") {
  auto r = reply_of(R"({"main": {"data": {"next_line_id": "-1", "lines": [
    ["j", "n", 1700000002, "from w2", "9"]],
    "unanswered": [{"worker": "w1", "why": "no answer within 3000 ms"}]}}})");
  std::int64_t last = -1;
  auto v = render_log_page(r, true, last);
  REQUIRE(v.error.empty());
  CHECK_THAT(v.text, Catch::Contains("from w2"));
  CHECK_THAT(v.text, Catch::Contains("! worker w1 did not answer (no answer "
                                     "within 3000 ms): its lines are missing"));
}

TEST_CASE("shell: kill and forgive confirm, forgive refuses an unknown job") {
  auto killed = reply_of(R"({"main": {"data": "signaled"}})");
  CHECK(render_reply(cmd_of("kill j n"), killed, wide).text ==
        "signaled: j on n\n");
  auto forgiven = reply_of(
      R"({"summary": {"data": {"j": {}}}, "main": {"data": "forgiven"}})");
  CHECK(render_reply(cmd_of("forgive j"), forgiven, wide).text ==
        "forgiven: j\n");
  CHECK(render_reply(cmd_of("forgive x"), forgiven, wide).error ==
        "unknown job x");
}

TEST_CASE("shell: --json prints the handler's data as one line") {
  auto r = reply_of(R"({"main": {"data": {"a": 1}}})");
  CHECK(render_reply_json(cmd_of("running"), r).text == "{\"a\":1}\n");
}

TEST_CASE("shell: log pages print oldest first and remember the newest id") {
  auto r = reply_of(R"({"main": {"data": {"next_line_id": "5", "lines": [
    ["j", "n", 1700000002, "second", "9"],
    ["j", "n", 1700000001, "first", "7"]]}}})");
  std::int64_t last = -1;
  auto v = render_log_page(r, true, last);
  REQUIRE(v.error.empty());
  CHECK(v.text.find("first") < v.text.find("second"));
  CHECK_THAT(v.text, Catch::StartsWith("… older lines not shown"));
  CHECK(last == 9);
}

TEST_CASE("shell: top fits the terminal's height and width") {
  std::string runs;
  for (int i = 0; i < 40; ++i)
    runs += (i ? "," : "") + std::string{"\"n"} + std::to_string(i) +
            R"(": {"start_time": )" + std::to_string(1700000000 + i) +
            R"(, "worker_shard": "w1", "run_id": "1"})";
  auto r = reply_of(R"({"status": {"data": {"running": 40,
    "tasks_finished": 7, "tasks_per_s": 1.5, "rounds": 3, "rounds_per_s": 0.5,
    "counts": {"running": 40}, "workers": {"HEALTHY": 1}}},
    "main": {"data": {"j": {)" +
                    runs + "}}}}");
  view_options small{50, 20, now};
  auto v = render_top(r, small, "h:1");
  REQUIRE(v.error.empty());
  auto lines = std::count(v.text.begin(), v.text.end(), '\n');
  CHECK(lines <= 20);
  CHECK_THAT(v.text, Catch::Contains("finished 7 (1.5/s)"));
  CHECK_THAT(v.text, Catch::Contains("more running tasks"));
  CHECK_THAT(v.text, Catch::Contains("press any key"));
  CHECK(v.text.find("n0 ") < v.text.find("n1 "));
}

TEST_CASE("shell: avoided and disabled nodes come after the task statuses") {
  auto r = reply_of(R"({"main": {"data": {
    "a": {"enabled": true, "priority": 1, "level_for_tasks": "l2",
          "counts": {"disabled": 1, "avoided": 5, "done": 3,
                     "never_started": 2}, "errors": []}}}})");
  auto v = render_reply(cmd_of("jobs"), r, wide);
  REQUIRE(v.error.empty());
  CHECK_THAT(v.text,
             Catch::StartsWith("JOB  STATE  PRIORITY  LEVEL  done  "
                               "never_started  avoided  disabled  ERRORS\n"));
}

TEST_CASE("shell: history shows a task's ended runs, oldest first") {
  auto r = reply_of(R"({"main": {"data": {"job": "j", "node": "n",
      "history": [
        {"run_id": "7", "label": "error_backoff", "start_ms": 1700000000000,
         "end_ms": 1700000002000, "worker": "w1", "message": "exit 1"},
        {"run_id": "9", "label": "done", "start_ms": 1700000010000,
         "end_ms": 1700000010500, "worker": "w2", "message": ""}]}}})");
  auto out = render_reply(cmd_of("history j n"), r, wide);
  REQUIRE(out.error.empty());
  CHECK_THAT(out.text, Catch::StartsWith("RUN  STATUS         STARTED"));
  auto first = out.text.find("\n7    error_backoff  ");
  auto second = out.text.find("\n9    done           ");
  CHECK(first != std::string::npos);
  CHECK(second != std::string::npos);
  CHECK(first < second);
  CHECK_THAT(out.text, Catch::Contains("2s") && Catch::Contains("w1") &&
                           Catch::Contains("exit 1"));
  auto none = reply_of(R"({"main": {"data": {"history": []}}})");
  CHECK(render_reply(cmd_of("history j n"), none, wide).text ==
        "no ended runs of j on n\n");
}
