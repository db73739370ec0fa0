// What an operator is told, with the real scheduler, workers and shell:
// the start-up wait and its end, a worker whose heartbeats stop, log
// queries that one dead worker cannot stall, jobs a config error keeps
// from running, and a worker that cannot reach the scheduler.
#include <catch2/catch.hpp>
#include <filesystem>
#include <map>
#include <set>

#include "tests/apps/shell/shell_test_support.hpp"

using namespace bistro::testing;
namespace json = boost::json;

namespace {

/// Nodes n1..n4 under one level, job j (and `extra`); a worker runs at
/// most `per_worker` tasks at once.
std::string long_tasks_config(const temp_dir& dir, const std::string& extra,
                              int per_worker = 100) {
  return dir.write("config", R"({"bistro_settings": {
      "nodes": {"levels": ["level1"], "node_sources": [
        {"source": "range_label", "prefs": {"parent_level": "instance",
         "start": 1, "end": 4, "format": "n{i}"}}]},
      "resources": {"worker": {"slots": {"limit": )" +
                                 std::to_string(per_worker) +
                                 R"(, "default": 1}}},
      "enabled": true, "idle_wait": 0.2, "working_wait": 0.05},
    "bistro_job->j": {"owner": "test"})" +
                                 extra + "}");
}

std::vector<std::string> shell_argv(int port, std::vector<std::string> extra) {
  std::vector<std::string> argv{shell_bin, "--scheduler_host=::",
                                "--scheduler_port=" + std::to_string(port)};
  argv.insert(argv.end(), extra.begin(), extra.end());
  return argv;
}

/// The line of `log` that contains `text`, or "".
std::string line_with(const std::string& log, const std::string& text) {
  auto at = log.find(text);
  if (at == std::string::npos) return {};
  auto begin = log.rfind('\n', at);
  begin = begin == std::string::npos ? 0 : begin + 1;
  return log.substr(begin, log.find('\n', at) - begin);
}

std::unique_ptr<child_process> worker(const temp_dir& dir, int port,
                                      const std::string& shard,
                                      const std::string& task) {
  return std::make_unique<child_process>(
      std::vector<std::string>{
          worker_bin,
          "--scheduler_host=::", "--scheduler_port=" + std::to_string(port),
          "--worker_command=" + task, "--data_dir=" + dir.file(shard),
          "--shard_id=" + shard, "--heartbeat_period_sec=1"},
      dir.file(shard + ".log"), child_options{true});
}

}  // namespace

TEST_CASE("scheduler: the start-up wait is logged with its reason and shown") {
  temp_dir dir;
  int port = free_port();
  auto config = long_tasks_config(dir, "");
  child_process scheduler(
      {scheduler_bin, "--server_port=" + std::to_string(port),
       "--config_file=" + config, "--clean_statuses",
       "--data_dir=" + dir.file("data")},
      dir.file("sched.log"));
  // Derived from the health flags: 15 s heartbeat + 60 s grace + 5 s.
  REQUIRE(eventually([&] { return scheduler.log_has("startup: "); }, 10000));
  auto line = line_with(scheduler.log(), "startup: ");
  INFO(line);
  CHECK(contains(line, " info startup: no task starts for 80 s"));
  CHECK(contains(line, "--heartbeat_grace_period 60 s"));
  CHECK(contains(line, "--CAUTION_startup_wait_for_workers=SECONDS sets it"));

  auto status = run_shell(shell_argv(port, {"-c", "status"}), dir);
  INFO(status.out << status.err);
  REQUIRE(status.exit_code == 0);
  CHECK(contains(status.out, "startup wait    no task starts for 1m"));
  auto as_json = run_shell(shell_argv(port, {"-c", "status", "--json"}), dir);
  REQUIRE(as_json.exit_code == 0);
  auto wait = json::parse(as_json.out).at("startup_wait").as_object();
  CHECK(wait.at("over") == false);
  CHECK(contains(json::value_to<std::string>(wait.at("reason")),
                 "--worker_check_interval 5 s"));

  child_process short_wait(
      {scheduler_bin, "--server_port=" + std::to_string(free_port()),
       "--config_file=" + config, "--clean_statuses",
       "--CAUTION_startup_wait_for_workers=1",
       "--data_dir=" + dir.file("data2")},
      dir.file("sched2.log"));
  REQUIRE(eventually(
      [&] { return short_wait.log_has("the wait for workers is over"); },
      10000));
  CHECK(short_wait.log_has(
      "startup: no task starts for 1 s, until the workers that ran tasks "
      "before a restart have reported them, so that none runs twice: "
      "--CAUTION_startup_wait_for_workers=1"));
}

TEST_CASE(
    "scheduler: a worker killed with -9 is logged as silent and shown as last "
    "heard; log queries name it within their deadline") {
  temp_dir dir;
  int port = free_port();
  auto config = long_tasks_config(dir, "", 2);
  auto task = dir.script("task.sh", R"(echo "hello from $1"
sleep 60
echo done > "$2")");
  child_process scheduler(
      {scheduler_bin, "--server_port=" + std::to_string(port),
       "--config_file=" + config, "--clean_statuses",
       "--CAUTION_startup_wait_for_workers=0", "--worker_check_interval=1",
       "--heartbeat_grace_period=60", "--task_logs_timeout_ms=1500",
       "--data_dir=" + dir.file("data")},
      dir.file("sched.log"));
  auto w1 = worker(dir, port, "w1", task);
  auto w2 = worker(dir, port, "w2", task);
  // Both workers healthy, each running a task that has printed its line.
  std::string on_w2;
  REQUIRE(eventually(
      [&] {
        auto r = run_shell(shell_argv(port, {"-c", "running", "--json"}), dir);
        if (r.exit_code != 0) return false;
        auto runs = json::parse(r.out).as_object();
        if (!runs.contains("j")) return false;
        bool w1_runs = false;
        for (const auto& [node, run] : runs.at("j").as_object()) {
          auto shard = json::value_to<std::string>(run.at("worker_shard"));
          if (shard == "w2") on_w2 = node;
          w1_runs = w1_runs || shard == "w1";
        }
        return w1_runs && !on_w2.empty() &&
               scheduler.log_has("worker w1: NEW -> HEALTHY") &&
               scheduler.log_has("worker w2: NEW -> HEALTHY");
      },
      30000));
  // Good news is not a warning.
  CHECK(contains(line_with(scheduler.log(), "worker w1: NEW -> HEALTHY"),
                 " info worker w1: NEW -> HEALTHY"));
  REQUIRE(eventually(
      [&] {
        auto r = run_shell(shell_argv(port, {"-c", "logs j " + on_w2}), dir);
        return contains(r.out, "hello from " + on_w2);
      },
      10000));

  w1->kill(SIGKILL);
  auto killed = steady_ms();
  REQUIRE(eventually(
      [&] { return scheduler.log_has("worker w1: no heartbeat for"); }, 10000));
  auto silence = line_with(scheduler.log(), "worker w1: no heartbeat for");
  INFO(silence);
  CHECK(contains(silence, " warning worker w1: no heartbeat for"));
  CHECK(contains(silence, "(it sends one every 1000 ms)"));
  CHECK(contains(silence,
                 "running task(s) count as running until it turns "
                 "UNHEALTHY"));
  // Heartbeat period 1 s, one beat may be late, checked every second.
  CHECK(steady_ms() - killed < 6000);

  auto workers = run_shell(shell_argv(port, {"-c", "workers"}), dir);
  INFO(workers.out);
  CHECK(contains(workers.out, "LAST HEARD"));
  CHECK(contains(workers.out, "ago (silent)"));
  auto as_json = run_shell(shell_argv(port, {"-c", "workers", "--json"}), dir);
  auto listed = json::parse(as_json.out);
  for (const auto& w : listed.as_array()) {
    auto shard = json::value_to<std::string>(w.at("shard"));
    CHECK(w.at("silent") == (shard == "w1"));
    CHECK(w.at("last_heard_ms_ago").to_number<std::int64_t>() >= 0);
  }

  // The dead worker costs every log query its deadline, not the shell's
  // 10 s timeout; what w2 has arrives and w1 is named.
  auto logs = run_shell(shell_argv(port, {"-c", "logs j " + on_w2}), dir);
  INFO(logs.out << logs.err);
  CHECK(logs.exit_code == 0);
  CHECK(contains(logs.out, "hello from " + on_w2));
  CHECK(contains(logs.out, "! worker w1 did not answer"));
  CHECK(logs.ms < 5000);
}

TEST_CASE("shell: a job with a config error shows as invalid, not pending") {
  temp_dir dir;
  int port = free_port();
  auto config = long_tasks_config(
      dir, R"(, "bistro_job->bad": {"owner": "t", "level_for_tasks": "rack"})");
  child_process scheduler(
      {scheduler_bin, "--server_port=" + std::to_string(port),
       "--config_file=" + config, "--clean_statuses",
       "--data_dir=" + dir.file("data")},
      dir.file("sched.log"));
  shell_run jobs;
  REQUIRE(eventually(
      [&] {
        jobs = run_shell(shell_argv(port, {"-c", "jobs"}), dir);
        return jobs.exit_code == 0;
      },
      10000));
  INFO(jobs.out);
  CHECK(contains(jobs.out, "bad  invalid"));
  CHECK(contains(jobs.out, "unknown level"));
  auto tasks = run_shell(shell_argv(port, {"-c", "tasks --job bad"}), dir);
  INFO(tasks.out);
  CHECK(contains(tasks.out, "invalid"));
  CHECK(contains(tasks.out, "job config: "));
  CHECK_FALSE(contains(tasks.out, "never_started"));
  auto summary =
      run_shell(shell_argv(port, {"-c", "job bad", "--json"}), dir).out;
  CHECK(json::parse(summary).at("bad").at("state") == "invalid");
  auto status = run_shell(shell_argv(port, {"-c", "status"}), dir).out;
  CHECK(contains(status, "2 (1 invalid: see errors)"));
}

TEST_CASE("worker: a scheduler that is down is not called \"no such host\"") {
  temp_dir dir;
  auto w = worker(dir, free_port(), "w1", "/bin/true");
  REQUIRE(eventually([&] { return w->log_has("cannot connect: "); }, 10000));
  auto line = line_with(w->log(), "cannot connect: ");
  INFO(line);
  CHECK(contains(line, "connection refused or no route"));
  CHECK_FALSE(contains(line, "no such host"));
}

namespace {

/// A scheduler on `port` over `config`, data in dir/data, and extra flags.
std::unique_ptr<child_process> start_scheduler(const temp_dir& dir, int port,
                                               const std::string& config,
                                               std::vector<std::string> extra,
                                               const std::string& log,
                                               bool append = false) {
  std::vector<std::string> argv{scheduler_bin,
                                "--server_port=" + std::to_string(port),
                                "--config_file=" + config,
                                "--clean_statuses",
                                "--CAUTION_startup_wait_for_workers=0",
                                "--data_dir=" + dir.file("data")};
  argv.insert(argv.end(), extra.begin(), extra.end());
  return std::make_unique<child_process>(argv, dir.file(log),
                                         child_options{false, append});
}

shell_run shell_ok(int port, const temp_dir& dir, const std::string& command,
                   std::vector<std::string> extra = {}) {
  extra.insert(extra.begin(), {"-c", command});
  auto r = run_shell(shell_argv(port, extra), dir);
  INFO(command << "\nstdout:\n" << r.out << "\nstderr:\n" << r.err);
  REQUIRE(r.exit_code == 0);
  return r;
}

/// The run ids of the running tasks by "JOB/NODE" (`running --json`).
std::map<std::string, std::string> run_ids(int port, const temp_dir& dir) {
  std::map<std::string, std::string> out;
  auto r = run_shell(shell_argv(port, {"-c", "running", "--json"}), dir);
  if (r.exit_code != 0) return out;
  auto runs = json::parse(r.out);
  for (const auto& [job, nodes] : runs.as_object())
    for (const auto& [node, run] : nodes.as_object())
      out[std::string{job} + "/" + std::string{node}] =
          json::value_to<std::string>(run.at("run_id"));
  return out;
}

/// The running tasks' nodes by worker shard (`running --json`).
std::map<std::string, std::set<std::string>> runs_by_worker(
    int port, const temp_dir& dir) {
  std::map<std::string, std::set<std::string>> out;
  auto r = run_shell(shell_argv(port, {"-c", "running", "--json"}), dir);
  if (r.exit_code != 0) return out;
  auto runs = json::parse(r.out);
  for (const auto& [job, nodes] : runs.as_object())
    for (const auto& [node, run] : nodes.as_object())
      out[json::value_to<std::string>(run.at("worker_shard"))].insert(
          std::string{job} + "/" + std::string{node});
  return out;
}

}  // namespace

TEST_CASE("shell: running filters, show task and kill --all") {
  temp_dir dir;
  int port = free_port();
  auto config = long_tasks_config(dir, R"(, "bistro_job->k": {"owner": "t"})");
  auto task = dir.script("task.sh", R"(echo "hello from $1"
echo "grumble from $1" >&2
exec sleep 60)");
  auto scheduler = start_scheduler(dir, port, config, {}, "sched.log");
  auto w1 = worker(dir, port, "w1", task);
  REQUIRE(eventually(
      [&] { return runs_by_worker(port, dir)["w1"].size() == 8; }, 30000));

  auto on_w1 = shell_ok(port, dir, "running --worker w1").out;
  CHECK(contains(on_w1, "j    n1    w1"));
  CHECK(contains(on_w1, "k    n4    w1"));
  auto one = shell_ok(port, dir, "running --job k --node n2").out;
  CHECK(contains(one, "k    n2"));
  CHECK_FALSE(contains(one, "n1"));
  CHECK(shell_ok(port, dir, "running --worker nobody").out ==
        "no running tasks on worker nobody\n");
  auto unknown = run_shell(shell_argv(port, {"-c", "running --job nope"}), dir);
  CHECK(unknown.exit_code == 1);
  CHECK(unknown.err == "error: unknown job nope\n");

  REQUIRE(eventually(
      [&] {
        return contains(shell_ok(port, dir, "show task j n3").out,
                        "grumble from n3");
      },
      10000));
  auto shown = shell_ok(port, dir, "show task j n3").out;
  INFO(shown);
  CHECK(contains(shown, "status   running"));
  CHECK(contains(shown, "worker   w1 on "));
  CHECK(contains(shown, "(running for "));
  CHECK(contains(shown, "last stdout lines:\n"));
  CHECK(contains(shown, "  hello from n3\n"));
  CHECK(contains(shown, "last stderr lines:\n"));
  auto bad = run_shell(shell_argv(port, {"-c", "show task j nope"}), dir);
  CHECK(bad.exit_code == 1);
  CHECK(bad.err == "error: Unknown node nope\n");

  auto before = run_ids(port, dir);
  CHECK(shell_ok(port, dir, "kill k --all").out ==
        "signaled 4 running task(s) of k\n");
  CHECK(scheduler->log_has(
      "killing every running task of job k on request: 4 signaled"));
  // Every run of k ended (the tasks may start again, as new runs); j's go
  // on untouched.
  CHECK(eventually(
      [&] {
        auto now = run_ids(port, dir);
        for (const auto& [task, id] : before) {
          bool of_k = task.starts_with("k/");
          auto it = now.find(task);
          bool same_run = it != now.end() && it->second == id;
          if (of_k == same_run) return false;
        }
        return true;
      },
      15000));
}

TEST_CASE(
    "shell: disable and enable save the config file readably, with the "
    "token, a diff in the log and backups") {
  temp_dir dir;
  int port = free_port();
  auto config = long_tasks_config(dir, "");
  auto token = dir.write("token", "s3cret\n");
  auto scheduler = start_scheduler(
      dir, port, config,
      {"--http_auth_token_file=" + token, "--config_update_ms=100000"},
      "sched.log");
  REQUIRE(eventually(
      [&] {
        return run_shell(shell_argv(port, {"-c", "jobs"}), dir).exit_code == 0;
      },
      10000));
  auto refused = run_shell(shell_argv(port, {"-c", "disable j"}), dir);
  CHECK(refused.exit_code == 1);
  CHECK(contains(refused.err, "refused: enable_job changes the scheduler"));
  CHECK_FALSE(std::filesystem::exists(config + ".bak"));

  auto original = read_file(config);
  auto with_token = [&](const std::string& command) {
    return shell_ok(port, dir, command, {"--auth_token_file=" + token}).out;
  };
  CHECK(with_token("disable j") == "disabled: j (saved to the config file)\n");
  auto saved = read_file(config);
  CHECK(contains(saved,
                 "  \"bistro_job->j\": {\n    \"owner\": \"test\",\n"
                 "    \"enabled\": false\n  }\n"));
  CHECK(contains(saved, "\"working_wait\": 0.05"));  // not 5E-2
  CHECK(read_file(config + ".bak") == original);
  CHECK(scheduler->log_has("config: saved job j in " + config +
                           " (the previous file is " + config + ".bak):"));
  CHECK(scheduler->log_has("+    \"enabled\": false\n"));
  CHECK(eventually(
      [&] {
        return contains(shell_ok(port, dir, "jobs").out, "j    disabled");
      },
      10000));

  CHECK(with_token("enable j") == "enabled: j (saved to the config file)\n");
  CHECK(read_file(config + ".bak.1") == original);
  CHECK(contains(read_file(config), "    \"enabled\": true\n"));
  CHECK(eventually(
      [&] { return contains(shell_ok(port, dir, "jobs").out, "j    ok"); },
      10000));
  auto unknown = run_shell(
      shell_argv(port, {"-c", "enable nope", "--auth_token_file=" + token}),
      dir);
  CHECK(unknown.exit_code == 1);
  CHECK(unknown.err == "error: Unknown job nope\n");
}

TEST_CASE(
    "shell: a drained worker finishes its tasks, gets nothing new, and stays "
    "drained over a restart") {
  temp_dir dir;
  int port = free_port();
  auto config = long_tasks_config(dir, "");
  // Each run takes a second and asks to run again at once.
  auto task = dir.script("task.sh", R"(sleep 1
echo incomplete > "$2")");
  auto scheduler = start_scheduler(dir, port, config, {}, "sched.log");
  auto w1 = worker(dir, port, "w1", task);
  auto w2 = worker(dir, port, "w2", task);
  REQUIRE(eventually(
      [&] {
        auto runs = runs_by_worker(port, dir);
        return !runs["w1"].empty() && !runs["w2"].empty();
      },
      30000));
  CHECK(contains(shell_ok(port, dir, "drain w1").out,
                 "drained: w1 finishes its"));
  CHECK(read_file(dir.file("data/drained_workers")) == "[\"w1\"]\n");
  // Its runs end within a second or two, and none starts there again while
  // w2 keeps running all four tasks.
  REQUIRE(eventually([&] { return runs_by_worker(port, dir)["w1"].empty(); },
                     10000));
  REQUIRE(eventually(
      [&] { return runs_by_worker(port, dir)["w2"].size() == 4; }, 10000));
  for (int i = 0; i < 20; ++i) CHECK(runs_by_worker(port, dir)["w1"].empty());
  CHECK(contains(shell_ok(port, dir, "workers").out, ", drained"));

  scheduler->kill(SIGTERM);
  REQUIRE(scheduler->wait(20000));
  scheduler = start_scheduler(dir, port, config, {}, "sched.log", true);
  REQUIRE(eventually(
      [&] { return runs_by_worker(port, dir)["w2"].size() == 4; }, 30000));
  CHECK(scheduler->log_has("worker w1 is drained (kept in " +
                           dir.file("data/drained_workers") + ")"));
  REQUIRE(eventually(
      [&] { return contains(shell_ok(port, dir, "workers").out, "drained"); },
      15000));
  CHECK(runs_by_worker(port, dir)["w1"].empty());

  CHECK(contains(shell_ok(port, dir, "undrain w1").out,
                 "undrained: w1 gets new tasks again"));
  CHECK(eventually([&] { return !runs_by_worker(port, dir)["w1"].empty(); },
                   15000));
  CHECK(read_file(dir.file("data/drained_workers")) == "[]\n");
}
