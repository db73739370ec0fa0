#include "apps/shell/shell_command.hpp"

#include <boost/json.hpp>
#include <catch2/catch.hpp>

using namespace bistro::shell;
namespace json = boost::json;

namespace {

command parse_ok(std::string_view line) {
  auto r = parse_command(line);
  INFO(line << ": " << r.error);
  REQUIRE(r.cmd);
  return *r.cmd;
}

std::string parse_error(std::string_view line) {
  auto r = parse_command(line);
  REQUIRE(!r.cmd);
  return r.error;
}

json::object entry(const std::string& request, std::string_view key) {
  auto v = json::parse(request);
  REQUIRE(v.as_object().contains(key));
  return v.as_object().at(key).as_object();
}

}  // namespace

TEST_CASE("shell: words split on blanks and quotes keep blanks inside a word") {
  auto w = split_words("  logs 'my job'  \"node 1\" stdout");
  REQUIRE(w);
  CHECK(*w == std::vector<std::string>{"logs", "my job", "node 1", "stdout"});
  CHECK(split_words("a ''")->size() == 2);
  CHECK(!split_words("job \"open"));
}

TEST_CASE("shell: every command parses with its arguments and options") {
  CHECK(parse_ok("status").kind == command_kind::status);
  CHECK(parse_ok("jobs").kind == command_kind::jobs);
  auto job = parse_ok("job j1 --limit 5");
  CHECK(job.kind == command_kind::job);
  CHECK(job.job == "j1");
  CHECK(job.limit == 5);
  auto nodes = parse_ok("nodes level2 node1");
  CHECK(nodes.level == "level2");
  CHECK(nodes.prefix == "node1");
  CHECK(parse_ok("nodes * n").level.empty());
  auto tasks = parse_ok("tasks --job=j --state failed --limit 3");
  CHECK(tasks.job == "j");
  CHECK(tasks.state == "failed");
  CHECK(tasks.limit == 3);
  CHECK(parse_ok("running").kind == command_kind::running);
  CHECK(parse_ok("workers").kind == command_kind::workers);
  auto logs = parse_ok("logs j n stderr --follow");
  CHECK(logs.kind == command_kind::logs);
  CHECK(logs.log_type == "stderr");
  CHECK(logs.follow);
  CHECK(parse_ok("logs j n").log_type == "stdout");
  auto kill = parse_ok("kill j n");
  CHECK(kill.job == "j");
  CHECK(kill.node == "n");
  CHECK(parse_ok("forgive j").job == "j");
  CHECK(parse_ok("top --count 2").count == 2);
  CHECK(parse_ok("help").kind == command_kind::help);
  CHECK(parse_ok("quit").kind == command_kind::quit);
  CHECK(parse_ok("exit").kind == command_kind::quit);
}

TEST_CASE("shell: a bad command line says what was wrong") {
  CHECK(parse_error("") == "");
  CHECK(parse_error("   ") == "");
  CHECK_THAT(parse_error("frobnicate"),
             Catch::Contains("unknown command \"frobnicate\""));
  CHECK_THAT(parse_error("job"), Catch::Contains("usage: job NAME"));
  CHECK_THAT(parse_error("kill j"), Catch::Contains("usage: kill JOB NODE"));
  CHECK_THAT(parse_error("status now"), Catch::Contains("usage: status"));
  CHECK_THAT(parse_error("tasks --bogus 1"),
             Catch::Contains("unknown option --bogus"));
  CHECK_THAT(parse_error("tasks --limit"),
             Catch::Contains("--limit needs a value"));
  CHECK_THAT(parse_error("tasks --limit x"),
             Catch::Contains("--limit must be a positive integer"));
  CHECK_THAT(parse_error("logs j n stdin"),
             Catch::Contains("log type must be stdout, stderr or statuses"));
  CHECK_THAT(parse_error("job 'x"), Catch::Contains("unterminated quote"));
}

TEST_CASE("shell: each command becomes one request to its monitor handler") {
  CHECK(entry(monitor_request(parse_ok("status")), main_entry)["handler"] ==
        "status");
  CHECK(entry(monitor_request(parse_ok("jobs")), main_entry)["handler"] ==
        "job_summary");
  auto job = entry(monitor_request(parse_ok("job j1")), main_entry);
  CHECK(job["handler"] == "job_summary");
  CHECK(job["jobs"] == json::array{"j1"});
  CHECK(job["failed_limit"] == 20);
  auto nodes = entry(monitor_request(parse_ok("nodes l1 a")), main_entry);
  CHECK(nodes["handler"] == "node_page");
  CHECK(nodes["level"] == "l1");
  CHECK(nodes["prefix"] == "a");
  auto tasks_req = monitor_request(parse_ok("tasks --job j --state done"));
  auto tasks = entry(tasks_req, main_entry);
  CHECK(tasks["handler"] == "tasks");
  CHECK(tasks["job"] == "j");
  CHECK(tasks["state"] == "done");
  CHECK(tasks["limit"] == 50);
  CHECK(entry(tasks_req, summary_entry)["handler"] == "job_summary");
  CHECK(entry(monitor_request(parse_ok("running")), main_entry)["handler"] ==
        "running_tasks");
  CHECK(entry(monitor_request(parse_ok("workers")), main_entry)["handler"] ==
        "workers");
  auto kill = entry(monitor_request(parse_ok("kill j n")), main_entry);
  CHECK(kill["handler"] == "kill_task");
  CHECK(kill["job_id"] == "j");
  CHECK(kill["node_id"] == "n");
  auto forgive_req = monitor_request(parse_ok("forgive j"));
  CHECK(entry(forgive_req, main_entry)["jobs"] == json::array{"j"});
  CHECK(entry(forgive_req, summary_entry)["jobs"] == json::array{"j"});
  auto top_req = monitor_request(parse_ok("top"));
  CHECK(entry(top_req, main_entry)["handler"] == "running_tasks");
  CHECK(entry(top_req, status_entry)["handler"] == "status");
}

TEST_CASE(
    "shell: logs asks newest first, and --follow polls oldest first from an "
    "id") {
  auto cmd = parse_ok("logs j n statuses");
  auto first = entry(logs_request(cmd, std::nullopt), main_entry);
  CHECK(first["handler"] == "task_logs");
  CHECK(first["log_type"] == "statuses");
  CHECK(first["sort"] == "desc");
  CHECK(first["jobs"] == json::array{"j"});
  CHECK(first["nodes"] == json::array{"n"});
  CHECK(!first.contains("line_id"));
  auto next = entry(logs_request(cmd, 42), main_entry);
  CHECK(next["sort"] == "asc");
  CHECK(next["line_id"] == "42");
}

TEST_CASE("shell: help lists every command name") {
  auto text = help_text();
  for (const auto& name : command_names())
    CHECK_THAT(text, Catch::Contains(name));
}

TEST_CASE("shell: operator commands parse and become their handlers") {
  auto running = parse_ok("running --job j --worker w1 --node n1");
  CHECK(running.job == "j");
  CHECK(running.worker == "w1");
  CHECK(running.node == "n1");
  auto running_req = monitor_request(running);
  CHECK(entry(running_req, main_entry)["jobs"] == json::array{"j"});
  CHECK(entry(running_req, summary_entry)["jobs"] == json::array{"j"});

  auto show = parse_ok("show task j n");
  CHECK(show.kind == command_kind::show_task);
  auto show_req = monitor_request(show);
  auto task = entry(show_req, main_entry);
  CHECK(task["handler"] == "task");
  CHECK(task["job_id"] == "j");
  CHECK(task["node_id"] == "n");
  for (auto e : {stdout_entry, stderr_entry}) {
    auto logs = entry(show_req, e);
    CHECK(logs["handler"] == "task_logs");
    CHECK(logs["log_type"] == json::value(e));
    CHECK(logs["nodes"] == json::array{"n"});
    CHECK(logs["limit"] == show_task_log_lines);
  }
  auto runs = entry(show_req, history_entry);
  CHECK(runs["handler"] == "task_history");
  CHECK(runs["job_id"] == "j");
  CHECK(runs["node_id"] == "n");
  CHECK_THAT(parse_error("show job j n"),
             Catch::Contains("usage: show task JOB NODE"));

  auto kill_all = parse_ok("kill j --all");
  CHECK(kill_all.kind == command_kind::kill_job);
  CHECK(entry(monitor_request(kill_all), main_entry)["handler"] == "kill_job");
  CHECK_THAT(parse_error("kill j n --all"), Catch::Contains("usage: kill"));
  CHECK_THAT(parse_error("kill j --all=1"),
             Catch::Contains("--all takes no value"));

  auto disable = entry(monitor_request(parse_ok("disable j")), main_entry);
  CHECK(disable["handler"] == "enable_job");
  CHECK(disable["job_id"] == "j");
  CHECK(disable["enabled"] == false);
  CHECK(entry(monitor_request(parse_ok("enable j")), main_entry)["enabled"] ==
        true);

  auto drain = entry(monitor_request(parse_ok("drain w1")), main_entry);
  CHECK(drain["handler"] == "drain_worker");
  CHECK(drain["worker"] == "w1");
  CHECK(drain["drain"] == true);
  CHECK(entry(monitor_request(parse_ok("undrain w1")), main_entry)["drain"] ==
        false);
}

TEST_CASE("shell: history JOB NODE asks task_history for that task") {
  auto cmd = parse_ok("history j \"node one\"");
  CHECK(cmd.kind == command_kind::history);
  CHECK(cmd.job == "j");
  CHECK(cmd.node == "node one");
  auto q = entry(monitor_request(cmd), main_entry);
  CHECK(q["handler"] == "task_history");
  CHECK(q["job_id"] == "j");
  CHECK(q["node_id"] == "node one");
  CHECK_THAT(parse_error("history j n1 n2"),
             Catch::Contains("usage: history JOB [NODE] [--limit N]"));
}

TEST_CASE("shell: history JOB asks job_history for the job's newest runs") {
  auto cmd = parse_ok("history j");
  CHECK(cmd.kind == command_kind::history);
  CHECK(cmd.job == "j");
  CHECK(cmd.node.empty());
  auto q = entry(monitor_request(cmd), main_entry);
  CHECK(q["handler"] == "job_history");
  CHECK(q["job_id"] == "j");
  CHECK(q["limit"] == 50);
  CHECK_FALSE(q.contains("node_id"));
  CHECK(entry(monitor_request(parse_ok("history j --limit 7")),
              main_entry)["limit"] == 7);
}
