// The run history online: the real scheduler (with its status store), a
// remote worker whose tasks end several times, bistro_shell's `history`
// and the HTTP routes over a socket. Every run shows, with its status, in
// the order the runs ended.
#include <algorithm>
#include <array>
#include <catch2/catch.hpp>
#include <csignal>

#include "tests/actors/http/http_client.hpp"
#include "tests/apps/shell/shell_test_support.hpp"

using namespace bistro::testing;
namespace json = boost::json;

namespace {

/// Job j on n1 and n2: each task ends incomplete twice (so it runs again
/// at once), then failed, and runs no more.
struct history_cluster {
  temp_dir dir;
  int port = free_port();
  std::uint16_t http_port = free_port();
  std::string config = dir.write("config", R"({"bistro_settings": {
      "nodes": {"levels": ["level1"], "node_sources": [
        {"source": "range_label", "prefs": {"parent_level": "instance",
         "start": 1, "end": 2, "format": "n{i}"}}]},
      "enabled": true, "idle_wait": 0.2, "working_wait": 0.05},
    "bistro_job->j": {"owner": "test"}})");
  std::string task = dir.script("task.sh", "COUNT=" + dir.file("count_") +
                                               R"($1
n=$(( $(cat "$COUNT" 2>/dev/null || echo 0) + 1 ))
echo $n > "$COUNT"
echo "run $n on $1"
if [ $n -lt 3 ]; then echo incomplete > "$2"; else echo failed > "$2"; fi
)");
  std::unique_ptr<child_process> scheduler, worker;

  explicit history_cluster(std::vector<std::string> extra = {}) {
    std::vector<std::string> argv{
        scheduler_bin,
        "--server_port=" + std::to_string(port),
        "--http_server_port=" + std::to_string(http_port),
        "--config_file=" + config,
        "--CAUTION_startup_wait_for_workers=0",
        "--status_sync=nosync",
        "--worker_check_interval=1",
        "--data_dir=" + dir.file("data")};
    argv.insert(argv.end(), extra.begin(), extra.end());
    scheduler = std::make_unique<child_process>(argv, dir.file("sched.log"));
    worker = std::make_unique<child_process>(
        std::vector<std::string>{
            worker_bin,
            "--scheduler_host=::", "--scheduler_port=" + std::to_string(port),
            "--worker_command=" + task, "--data_dir=" + dir.file("w1"),
            "--shard_id=w1", "--heartbeat_period_sec=1"},
        dir.file("worker.log"));
  }

  shell_run shell(const std::string& command) {
    return run_shell(
        {shell_bin, "--scheduler_host=::",
         "--scheduler_port=" + std::to_string(port), "-c", command},
        dir);
  }

  /// GET over HTTP, expecting 200 and JSON.
  json::value get(const std::string& target) {
    auto r = http_call(http_port, "GET", target);
    INFO(target << " -> " << r.status << " " << r.body << r.error);
    REQUIRE(r.status == 200);
    return json::parse(r.body);
  }
};

std::vector<std::string> labels_of(const json::value& runs) {
  std::vector<std::string> out;
  for (const auto& r : runs.as_array())
    out.emplace_back(r.at("label").as_string());
  return out;
}

}  // namespace

TEST_CASE(
    "history: a task's runs show online, each with its status, oldest "
    "first, over the shell and HTTP") {
  history_cluster c;
  // Both tasks ran three times and failed for good.
  REQUIRE(eventually(
      [&] {
        auto r = http_call(c.http_port, "GET", "/api/jobs/j");
        return r.status == 200 && json::parse(r.body).at("counts") ==
                                      json::parse(R"({"failed": 2})");
      },
      30000));

  auto task = c.get("/api/tasks/j/n1/history");
  INFO(json::serialize(task));
  CHECK(task.at("job") == "j");
  CHECK(task.at("node") == "n1");
  const auto& runs = task.at("history");
  CHECK(labels_of(runs) ==
        std::vector<std::string>{"incomplete", "incomplete", "failed"});
  std::int64_t last_end = 0;
  std::uint64_t last_run = 0;
  for (const auto& r : runs.as_array()) {
    CHECK(r.at("worker") == "w1");
    auto start = r.at("start_ms").to_number<std::int64_t>();
    auto end = r.at("end_ms").to_number<std::int64_t>();
    auto run = std::stoull(std::string{r.at("run_id").as_string()});
    CHECK(start > 0);
    CHECK(end >= start);
    CHECK(end >= last_end);
    CHECK(run > last_run);
    last_end = end;
    last_run = run;
  }

  // The shell, online: one row per run, in that order.
  auto shown = c.shell("history j n1");
  INFO(shown.out << shown.err);
  REQUIRE(shown.exit_code == 0);
  auto first = shown.out.find("incomplete");
  auto second = shown.out.find("incomplete", first + 1);
  auto third = shown.out.find("failed", second + 1);
  CHECK(first != std::string::npos);
  CHECK(second != std::string::npos);
  CHECK(third != std::string::npos);
  CHECK(contains(shown.out, "RUN"));
  CHECK(contains(shown.out, "w1"));

  // show task, online, has the same history below the task's fields.
  auto task_shown = c.shell("show task j n1");
  INFO(task_shown.out << task_shown.err);
  REQUIRE(task_shown.exit_code == 0);
  auto history_at = task_shown.out.find("run history:\nRUN");
  REQUIRE(history_at != std::string::npos);
  CHECK(task_shown.out.find(shown.out, history_at) != std::string::npos);

  // A name the scheduler never heard of is a 404, not an empty history.
  auto unknown = http_call(c.http_port, "GET", "/api/tasks/j/nope/history");
  CHECK(unknown.status == 404);
  CHECK(contains(unknown.body, "Unknown node nope"));
  auto bad = c.shell("history nojob n1");
  CHECK(bad.exit_code == 1);
  CHECK(contains(bad.err, "Unknown job nojob"));
}

TEST_CASE(
    "history: a job's runs across its nodes show online, newest first and "
    "bounded, over the shell and HTTP") {
  history_cluster c;
  REQUIRE(eventually(
      [&] {
        auto r = http_call(c.http_port, "GET", "/api/jobs/j");
        return r.status == 200 && json::parse(r.body).at("counts") ==
                                      json::parse(R"({"failed": 2})");
      },
      30000));

  auto all = c.get("/api/jobs/j/history");
  INFO(json::serialize(all));
  const auto& runs = all.at("runs").as_array();
  REQUIRE(runs.size() == 6);
  std::map<std::string, std::vector<std::string>> by_node;
  for (std::size_t i = 0; i < runs.size(); ++i) {
    if (i > 0) {
      auto newer = std::pair{
          runs[i - 1].at("end_ms").to_number<std::int64_t>(),
          std::stoull(std::string{runs[i - 1].at("run_id").as_string()})};
      auto older =
          std::pair{runs[i].at("end_ms").to_number<std::int64_t>(),
                    std::stoull(std::string{runs[i].at("run_id").as_string()})};
      CHECK(newer > older);
    }
    by_node[std::string{runs[i].at("node").as_string()}].emplace_back(
        runs[i].at("label").as_string());
  }
  // Per node, newest first: failed, then the two incomplete runs.
  for (const auto& node : {"n1", "n2"})
    CHECK(by_node[node] ==
          std::vector<std::string>{"failed", "incomplete", "incomplete"});

  auto newest = c.get("/api/jobs/j/history?limit=4");
  REQUIRE(newest.at("runs").as_array().size() == 4);
  for (std::size_t i = 0; i < 4; ++i) CHECK(newest.at("runs").at(i) == runs[i]);
  auto refused = http_call(c.http_port, "GET", "/api/jobs/j/history?limit=0");
  CHECK(refused.status == 400);

  auto shown = c.shell("history j --limit 2");
  INFO(shown.out << shown.err);
  REQUIRE(shown.exit_code == 0);
  CHECK(contains(shown.out, "NODE"));
  // The two newest runs, and no older one.
  for (std::size_t i = 0; i < runs.size(); ++i)
    CHECK(contains(shown.out, std::string{runs[i].at("run_id").as_string()}) ==
          (i < 2));
}

TEST_CASE("history: a scheduler that keeps no statuses says so") {
  temp_dir dir;
  std::uint16_t http_port = free_port();
  auto config = dir.write("config", R"({"bistro_settings": {
      "nodes": {"levels": ["level1"], "node_sources": [
        {"source": "range_label", "prefs": {"parent_level": "instance",
         "start": 1, "end": 1, "format": "n{i}"}}]},
      "enabled": false},
    "bistro_job->j": {"owner": "test"}})");
  child_process scheduler(
      {scheduler_bin, "--http_server_port=" + std::to_string(http_port),
       "--config_file=" + config, "--clean_statuses",
       "--worker_command=/bin/true", "--data_dir=" + dir.file("data")},
      dir.file("sched.log"));
  http_response r;
  REQUIRE(eventually(
      [&] {
        r = http_call(http_port, "GET", "/api/jobs/j/history");
        return r.status != 0;
      },
      20000));
  INFO(r.body);
  CHECK(r.status == 400);
  CHECK(contains(r.body, "no run history: this scheduler keeps no statuses"));
}

TEST_CASE(
    "activity: the plots' samples count every start, end and failure, in "
    "total and per job; the event log has the worker's joining, health and "
    "loss") {
  history_cluster c{{"--activity_sample_ms=500", "--heartbeat_grace_period=1",
                     "--healthcheck_period=1", "--healthcheck_grace_period=1",
                     "--lose_unhealthy_worker_after=1",
                     "--CAUTION_worker_suicide_backoff_safety_margin_sec=1",
                     "--CAUTION_worker_suicide_task_kill_wait_ms=300"}};
  // Six runs (three per node), two of them failed; then a sample closed
  // after the last end holds it.
  auto sums = [&](const json::value& rows) {
    std::array<std::int64_t, 4> out{};  // started, finished, failed, samples
    for (const auto& r : rows.as_array()) {
      out[0] += r.at(3).to_number<std::int64_t>();
      out[1] += r.at(4).to_number<std::int64_t>();
      out[2] += r.at(5).to_number<std::int64_t>();
      ++out[3];
    }
    return out;
  };
  json::value series;
  REQUIRE(eventually(
      [&] {
        auto r = http_call(c.http_port, "GET", "/api/timeseries");
        if (r.status != 200) return false;
        series = json::parse(r.body);
        auto total = sums(series.at("total"));
        return total[0] == 6 && total[1] == 6;
      },
      30000));
  INFO(json::serialize(series));
  CHECK(series.at("interval_ms") == 500);
  CHECK(series.at("capacity") == 7200);  // an hour of 500 ms samples
  auto total = sums(series.at("total"));
  CHECK(total[2] == 2);
  CHECK(total[3] >= 1);
  auto job = sums(series.at("jobs").at("j"));
  CHECK(job[0] == 6);
  CHECK(job[1] == 6);
  CHECK(job[2] == 2);
  CHECK(job[3] == total[3]);  // a row per sample, zeros included
  // Each sample's span is the time since the one before.
  const auto& rows = series.at("total").as_array();
  for (std::size_t i = 1; i < rows.size(); ++i)
    CHECK(rows[i].at(0).to_number<std::int64_t>() -
              rows[i - 1].at(0).to_number<std::int64_t>() ==
          rows[i].at(1).to_number<std::int64_t>());

  // The worker dies: silent, unhealthy, lost; each is an event.
  c.worker->kill(SIGKILL);
  json::value events;
  auto kinds_of_w1 = [&] {
    std::vector<std::string> out;
    for (const auto& e : events.at("events").as_array())
      if (e.at("subject") == "w1") out.emplace_back(e.at("kind").as_string());
    return out;
  };
  REQUIRE(eventually(
      [&] {
        auto r = http_call(c.http_port, "GET", "/api/events?subject=w1");
        if (r.status != 200) return false;
        events = json::parse(r.body);
        auto kinds = kinds_of_w1();
        return std::find(kinds.begin(), kinds.end(), "worker_lost") !=
               kinds.end();
      },
      30000));
  INFO(json::serialize(events));
  auto kinds = kinds_of_w1();
  REQUIRE(kinds.size() >= 4);
  CHECK(kinds.front() == "worker_joined");
  CHECK(std::find(kinds.begin(), kinds.end(), "worker_silent") != kinds.end());
  CHECK(kinds.back() == "worker_lost");
  std::vector<std::string> health;
  for (const auto& e : events.at("events").as_array())
    if (e.at("kind") == "worker_health")
      health.emplace_back(e.at("message").as_string());
  REQUIRE(health.size() >= 3);
  CHECK(health[0] == "NEW -> HEALTHY");
  CHECK(health[1].rfind("HEALTHY -> UNHEALTHY", 0) == 0);
  CHECK(health[2].rfind("UNHEALTHY -> MUST_DIE", 0) == 0);
  // Sequence numbers grow; "after" reads on from one.
  const auto& list = events.at("events").as_array();
  for (std::size_t i = 1; i < list.size(); ++i)
    CHECK(list[i].at("seq").to_number<std::int64_t>() >
          list[i - 1].at("seq").to_number<std::int64_t>());
  auto first = list[0].at("seq").to_number<std::int64_t>();
  auto after = json::parse(
      http_call(c.http_port, "GET",
                "/api/events?subject=w1&after=" + std::to_string(first))
          .body);
  CHECK(after.at("events").as_array().size() == list.size() - 1);
  // The config's load is there too.
  auto config = json::parse(
      http_call(c.http_port, "GET", "/api/events?kind=config_loaded").body);
  REQUIRE(config.at("events").as_array().size() == 1);
  // (the instance, n1, n2, and the worker's node once it has joined)
  std::string loaded{config.at("events").at(0).at("message").as_string()};
  CHECK((loaded == "1 job(s), 3 node(s)" || loaded == "1 job(s), 4 node(s)"));
}
