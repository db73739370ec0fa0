// bistro_shell -c COMMAND against a real scheduler and worker: every
// command's table and --json output.
#include <catch2/catch.hpp>

#include "apps/shell/text_table.hpp"
#include "tests/apps/shell/shell_test_support.hpp"

using namespace bistro::testing;
namespace json = boost::json;

namespace {

shell_run ok(const shell_cluster& c, const std::string& command,
             std::vector<std::string> extra = {}) {
  extra.insert(extra.begin(), {"-c", command});
  auto r = run_shell(c.shell_args(extra), c.dir);
  INFO(command << "\nstdout:\n" << r.out << "\nstderr:\n" << r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(r.err.empty());
  return r;
}

json::value ok_json(const shell_cluster& c, const std::string& command) {
  auto r = ok(c, command, {"--json"});
  INFO(command << ": " << r.out);
  REQUIRE(std::count(r.out.begin(), r.out.end(), '\n') == 1);
  return json::parse(r.out);
}

std::size_t count_of(const std::string& text, const std::string& part) {
  std::size_t n = 0;
  for (auto at = text.find(part); at != std::string::npos;
       at = text.find(part, at + 1))
    ++n;
  return n;
}

/// The largest N of the "tick N" lines in `text`.
int last_tick(const std::string& text) {
  int last = 0;
  for (auto at = text.find("tick "); at != std::string::npos;
       at = text.find("tick ", at + 1))
    last = std::max(last, std::atoi(text.c_str() + at + 5));
  return last;
}

}  // namespace

TEST_CASE("shell: one-shot inspection commands print tables that fit") {
  shell_cluster c;
  REQUIRE(cluster_settled(c));

  auto status = ok(c, "status").out;
  CHECK(contains(status, "enabled         yes"));
  CHECK(contains(status, "errors          none"));
  CHECK(contains(status, "tasks           running 2, done 2, failed 2"));
  CHECK(contains(status, "workers         HEALTHY 1"));
  CHECK(contains(status, "/s)"));

  auto jobs = ok(c, "jobs").out;
  CHECK(contains(jobs,
                 "JOB    STATE  PRIORITY  LEVEL   running  done  "
                 "failed  ERRORS\n"));
  CHECK(contains(jobs, "alpha  ok     2         level2  1        1     1"));
  CHECK(contains(jobs, "\nbeta "));

  auto job = ok(c, "job alpha").out;
  CHECK(contains(job, "owner            test"));
  CHECK(contains(job, "level_for_tasks  level2"));
  CHECK(contains(job, "STATUS   TASKS\nrunning  1\ndone     1\nfailed   1\n"));
  CHECK(contains(job, "FAILED NODE\nnode12\n"));

  auto nodes = ok(c, "nodes level2 node1").out;
  CHECK(nodes ==
        "NODE    LEVEL   PARENT  ENABLED\n"
        "node11  level2  node1   yes\n"
        "node12  level2  node1   yes\n"
        "node13  level2  node1   yes\n");
  CHECK(contains(ok(c, "nodes * --limit 2").out,
                 "… 3 more nodes (use --limit or a PREFIX)"));

  auto failed = ok(c, "tasks --job alpha --state failed").out;
  CHECK(contains(failed, "alpha  node12  failed"));
  CHECK(count_of(failed, "\n") == 2);
  auto limited = ok(c, "tasks --limit 2").out;
  CHECK(contains(limited, "… 4 more tasks"));

  auto running = ok(c, "running").out;
  CHECK(contains(running, "JOB    NODE    WORKER  STATE    STARTED"));
  CHECK(contains(running, "alpha  node13  w1"));
  CHECK(contains(running, "beta   node13  w1"));

  auto workers = ok(c, "workers").out;
  CHECK(contains(workers, "SHARD  HOST"));
  CHECK(contains(workers, "HEALTHY  yes     2"));

  auto top = ok(c, "top --count 2").out;
  CHECK(count_of(top, "bistro top") == 2);
  CHECK(contains(top, "running 2"));
  CHECK(contains(top, "alpha  node13"));

  CHECK(contains(ok(c, "help").out, "logs JOB NODE"));

  // Tables fit the terminal width.
  ::setenv("COLUMNS", "40", 1);
  auto narrow = run_shell(c.shell_args({"-c", "running"}), c.dir);
  ::unsetenv("COLUMNS");
  REQUIRE(narrow.exit_code == 0);
  std::istringstream lines(narrow.out);
  for (std::string line; std::getline(lines, line);)
    CHECK(bistro::shell::display_width(line) <= 40);
  CHECK(contains(narrow.out, "…"));
}

TEST_CASE("shell: one-shot commands print the scheduler's JSON with --json") {
  shell_cluster c;
  REQUIRE(cluster_settled(c));
  auto status = ok_json(c, "status").as_object();
  CHECK(status.at("jobs") == 2);
  CHECK(status.at("counts").at("failed") == 2);
  auto jobs = ok_json(c, "jobs").as_object();
  CHECK(jobs.contains("alpha"));
  CHECK(jobs.contains("beta"));
  auto job = ok_json(c, "job alpha").as_object();
  CHECK(job.at("alpha").at("failed_nodes") == json::array{"node12"});
  auto nodes = ok_json(c, "nodes level2").as_object();
  CHECK(nodes.at("total") == 3);
  CHECK(nodes.at("nodes").as_array().size() == 3);
  auto tasks = ok_json(c, "tasks --job beta").as_object();
  CHECK(tasks.at("tasks").as_array().size() == 3);
  auto running = ok_json(c, "running").as_object();
  CHECK(running.at("alpha").as_object().contains("node13"));
  auto workers = ok_json(c, "workers").as_array();
  REQUIRE(workers.size() == 1);
  CHECK(workers[0].at("shard") == "w1");
  auto logs = ok_json(c, "logs alpha node11").as_object();
  REQUIRE(logs.at("lines").as_array().size() == 1);
  CHECK(logs.at("lines").as_array()[0].as_array()[3] == "hello from node11");
  auto top = ok_json(c, "top --count 1").as_object();
  CHECK(top.at("status").at("running") == 2);
  CHECK(top.at("running_tasks").as_object().contains("beta"));
}

TEST_CASE("shell: logs shows a task's stdout, stderr and statuses") {
  shell_cluster c;
  REQUIRE(cluster_settled(c));
  CHECK(contains(ok(c, "logs alpha node11").out, "  hello from node11\n"));
  CHECK(contains(ok(c, "logs alpha node11 stderr").out,
                 "  complaint from node11\n"));
  CHECK(!ok(c, "logs alpha node11 statuses").out.empty());
  CHECK(contains(ok(c, "logs alpha node13 --limit 1").out,
                 "… older lines not shown"));
}

TEST_CASE("shell: logs --follow prints new lines until stopped") {
  shell_cluster c;
  REQUIRE(cluster_settled(c));
  auto before = last_tick(ok(c, "logs beta node13").out);
  child_process follow(c.shell_args({"-c", "logs beta node13 --follow"}),
                       c.dir.file("follow.log"));
  // Without --follow the shell would have printed at most one tick more.
  CHECK(
      eventually([&] { return last_tick(follow.log()) >= before + 3; }, 15000));
  CHECK(!follow.wait(0));
  follow.kill(SIGINT);
  CHECK(follow.wait(5000) == 0);
}

TEST_CASE("shell: kill stops a running task and forgive reruns a failed one") {
  shell_cluster c;
  REQUIRE(cluster_settled(c));
  CHECK(ok(c, "kill alpha node13").out == "signaled: alpha on node13\n");
  CHECK(eventually(
      [&] { return !contains(ok(c, "running").out, "alpha  node13"); }, 10000));

  CHECK(count_of(ok(c, "logs alpha node12").out, "hello from node12") == 1);
  CHECK(ok(c, "forgive alpha").out == "forgiven: alpha\n");
  CHECK(eventually(
      [&] {
        return count_of(ok(c, "logs alpha node12").out, "hello from node12") ==
               2;
      },
      15000));
}

TEST_CASE(
    "shell: a command the scheduler refuses fails with its error on stderr") {
  shell_cluster c;
  REQUIRE(cluster_settled(c));
  auto refused = run_shell(c.shell_args({"-c", "kill alpha node11"}), c.dir);
  CHECK(refused.exit_code == 1);
  CHECK(refused.out.empty());
  CHECK(refused.err == "error: Unknown running task alpha, node11\n");
  auto unknown = run_shell(c.shell_args({"-c", "forgive nosuch"}), c.dir);
  CHECK(unknown.exit_code == 1);
  CHECK(unknown.err == "error: unknown job nosuch\n");
  auto bad = run_shell(c.shell_args({"-c", "tasks --state nosuch"}), c.dir);
  CHECK(bad.exit_code == 1);
  CHECK(contains(bad.err, "state: unknown status nosuch"));
  auto typo = run_shell(c.shell_args({"-c", "stauts"}), c.dir);
  CHECK(typo.exit_code == 1);
  CHECK(contains(typo.err, "unknown command \"stauts\""));
}
