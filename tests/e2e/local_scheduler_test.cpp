// bistro_scheduler --worker_command=... with real task processes.
#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <fstream>
#include <iterator>
#include <map>
#include <set>

#include "tests/support/e2e_support.hpp"

using namespace bistro::testing;

namespace {

const std::string scheduler_bin = BISTRO_SCHEDULER_BIN;

std::string settings(const std::string& extra = "") {
  return R"("bistro_settings": {
      "nodes": {"levels": ["level1", "level2"], "node_source": "manual",
                "node_source_prefs": {"node1": ["node11", "node12"],
                                      "node2": ["node21", "node22"]}},
      "resources": {"instance": {"concurrency": {"limit": 3, "default": 1}}},
      "enabled": true, "idle_wait": 0.2, "working_wait": 0.05)" +
         extra + "}";
}

child_process start_scheduler(const temp_dir& dir, const std::string& config,
                              const std::string& task,
                              std::vector<std::string> extra = {}) {
  std::vector<std::string> argv{scheduler_bin,
                                "--config_file=" + config,
                                "--worker_command=" + task,
                                "--data_dir=" + dir.file("data"),
                                "--instance_node_name=scheduler",
                                "--config_update_ms=200",
                                "--seed=7"};
  argv.insert(argv.end(), extra.begin(), extra.end());
  return child_process(argv, dir.file("scheduler.log"));
}

std::map<std::string, int> count(const std::vector<task_record>& records,
                                 const std::string& event) {
  std::map<std::string, int> n;
  for (const auto& r : records)
    if (r.event == event) ++n[r.job + "/" + r.node];
  return n;
}

}  // namespace

TEST_CASE("the getting-started config runs each task once, at most 3 at once") {
  temp_dir dir;
  auto records = dir.file("records");
  auto task = dir.script("task.sh", record_prelude(records) +
                                        "record start\nsleep 1\n"
                                        "echo done > \"$2\"\nrecord end\n");
  auto config = dir.write("config", "{" + settings() +
                                        R"(, "bistro_job->simple_job":
                                        {"owner": "test", "enabled": true}})");
  auto sched = start_scheduler(dir, config, task, {"--exit_when_done"});
  REQUIRE(sched.wait(30000) == 0);
  auto recs = read_records(records);
  auto starts = count(recs, "start");
  CHECK(starts == std::map<std::string, int>{{"simple_job/node11", 1},
                                             {"simple_job/node12", 1},
                                             {"simple_job/node21", 1},
                                             {"simple_job/node22", 1}});
  // Replay the records in time order: never more than 3 running.
  std::vector<std::pair<std::int64_t, int>> events;
  for (const auto& r : recs)
    events.emplace_back(r.ms, r.event == "start" ? 1 : -1);
  std::sort(events.begin(), events.end(), [](auto& a, auto& b) {
    return a.first != b.first ? a.first < b.first : a.second < b.second;
  });
  int running = 0, most = 0;
  for (auto& [ms, delta] : events) most = std::max(most, running += delta);
  CHECK(most == 3);
  CHECK_THAT(sched.log(), Catch::Contains("simple_job on node22 ended: done"));
}

TEST_CASE("the status protocol: each malformed status is an error") {
  temp_dir dir;
  auto records = dir.file("records");
  // One node per case; errors use backoff ["fail"] so each runs once.
  auto task = dir.script("task.sh", record_prelude(records) + R"(record start
case "$NODE" in
  node11) ;;                                    # no status line
  node12) echo done > "$2"; echo done > "$2" ;;  # two lines
  node21) echo 'what is this' > "$2" ;;          # garbage
  node22) echo done > "$2"; exit 1 ;;            # exit code ignored
esac
)");
  auto config = dir.write(
      "config", "{" + settings() + R"(, "bistro_job->j": {"owner": "t",
                  "backoff": ["fail"]}})");
  auto sched = start_scheduler(dir, config, task, {"--exit_when_done"});
  REQUIRE(sched.wait(30000) == 0);
  auto log = sched.log();
  CHECK_THAT(log,
             Catch::Contains(
                 "j on node11 ended: error_backoff: task wrote no status"));
  CHECK_THAT(
      log, Catch::Contains(
               "j on node12 ended: error_backoff: task wrote 2 status lines"));
  CHECK_THAT(log, Catch::Contains("j on node21 ended: error_backoff: cannot "
                                  "parse status: what is this"));
  CHECK_THAT(log, Catch::Contains("j on node22 ended: done"));
  CHECK(count(read_records(records), "start").size() == 4);
}

TEST_CASE("a command that does not exist is an error naming the errno") {
  temp_dir dir;
  auto config = dir.write(
      "config", "{" + settings() + R"(, "bistro_job->j": {"owner": "t",
                  "backoff": ["fail"], "filters": {"level2": {"whitelist": ["node11"]}}}})");
  auto sched = start_scheduler(dir, config, dir.file("no_such_task"),
                               {"--exit_when_done"});
  REQUIRE(sched.wait(30000) == 0);
  CHECK_THAT(sched.log(),
             Catch::Contains("j on node11 ended: error_backoff: cannot start " +
                             dir.file("no_such_task") +
                             ": No such file or directory"));
}

TEST_CASE(
    "a task gets its previous status whole, as Bistro passes it, and none on "
    "its first run") {
  temp_dir dir;
  auto records = dir.file("records");
  const std::string args = dir.file("args");
  auto task = dir.script("task.sh", record_prelude(records) + R"(
N=$(wc -l < ")" + records + R"(" 2>/dev/null || echo 0)
printf '%s' "$3" > ")" + args + R"(.$N"
record start
case "$3" in
  *'"round":1'*) echo done > "$2" ;;
  *) echo '{"result": "incomplete", "data": {"round": 1}}' > "$2" ;;
esac
)");
  auto config = dir.write(
      "config", "{" + settings() + R"(, "bistro_job->j": {"owner": "t",
                  "filters": {"level2": {"whitelist": ["node11"]}}}})");
  auto sched = start_scheduler(dir, config, task, {"--exit_when_done"});
  REQUIRE(sched.wait(30000) == 0);
  REQUIRE(read_records(records).size() == 2);
  auto arg = [&](int n) {
    std::ifstream in(args + "." + std::to_string(n));
    std::string text((std::istreambuf_iterator<char>(in)), {});
    INFO(text);
    return boost::json::parse(text).as_object();
  };
  CHECK_FALSE(arg(0).contains("prev_status"));
  const auto prev = arg(1).at("prev_status").as_object();
  CHECK(prev.at("result_bits") == 8);  // incomplete
  CHECK(prev.at("data") == boost::json::parse(R"({"round": 1})"));
  CHECK(prev.at("time").as_int64() > 1'700'000'000);
  CHECK(prev.at("time").as_int64() < 4'000'000'000);
}

TEST_CASE("backoff [1, 2, fail] waits 1 s, then 2 s, then fails for good") {
  temp_dir dir;
  auto records = dir.file("records");
  auto task =
      dir.script("task.sh", record_prelude(records) +
                                "record start\necho error_backoff > \"$2\"\n");
  auto config = dir.write(
      "config", "{" + settings() + R"(, "bistro_job->j": {"owner": "t",
                  "backoff": [1, 2, "fail"],
                  "filters": {"level2": {"whitelist": ["node11"]}}}})");
  auto sched = start_scheduler(dir, config, task, {"--exit_when_done"});
  REQUIRE(sched.wait(30000) == 0);
  auto recs = read_records(records);
  REQUIRE(recs.size() == 3);
  CHECK(recs[1].ms - recs[0].ms >= 1000);
  CHECK(recs[2].ms - recs[1].ms >= 2000);
  CHECK_THAT(sched.log(), Catch::Contains("(now failed)"));
}

TEST_CASE("depends_on waits until the dependency is done on the same node") {
  temp_dir dir;
  auto records = dir.file("records");
  auto task = dir.script("task.sh", record_prelude(records) +
                                        "record start\nsleep 0.2\n"
                                        "echo done > \"$2\"\nrecord end\n");
  auto config = dir.write("config", "{" + settings() + R"(,
      "bistro_job->a": {"owner": "t"},
      "bistro_job->b": {"owner": "t", "depends_on": ["a"]}})");
  auto sched = start_scheduler(dir, config, task, {"--exit_when_done"});
  REQUIRE(sched.wait(30000) == 0);
  std::map<std::string, std::int64_t> a_end, b_start;
  for (const auto& r : read_records(records)) {
    if (r.job == "a" && r.event == "end") a_end[r.node] = r.ms;
    if (r.job == "b" && r.event == "start") b_start[r.node] = r.ms;
  }
  REQUIRE(b_start.size() == 4);
  for (auto& [node, ms] : b_start) CHECK(ms >= a_end.at(node));
}

TEST_CASE(
    "a job added to the file while running starts; a broken file is kept out") {
  temp_dir dir;
  auto records = dir.file("records");
  auto task = dir.script("task.sh", record_prelude(records) +
                                        "record start\nsleep 1\n"
                                        "echo done > \"$2\"\n");
  auto job_a = R"(, "bistro_job->a": {"owner": "t",
                  "filters": {"level2": {"whitelist": ["node11"]}}})";
  auto config = dir.write("config", "{" + settings() + job_a + "}");
  auto sched = start_scheduler(dir, config, task);
  REQUIRE(eventually([&] { return read_records(records).size() == 1; }, 10000));

  dir.write("config", "{ this is not JSON");
  REQUIRE(eventually(
      [&] {
        return sched.log().find("config: keeping the last good config") !=
               std::string::npos;
      },
      5000));

  auto added_at = steady_ms();
  dir.write("config",
            "{" + settings() + job_a + R"(, "bistro_job->b": {"owner": "t",
                  "filters": {"level2": {"whitelist": ["node12"]}}}})");
  REQUIRE(eventually(
      [&] { return count(read_records(records), "start").count("b/node12"); },
      5000));
  // Within one --config_update_ms (200) plus a round, with slack for CI.
  CHECK(steady_ms() - added_at < 2000);
  CHECK(count(read_records(records), "start").at("a/node11") == 1);
}

TEST_CASE(
    "disabling a job kills its running task when kill_orphan_tasks_after_sec "
    "is 0") {
  temp_dir dir;
  auto records = dir.file("records");
  auto task = dir.script(
      "task.sh", record_prelude(records) + "record start\nexec sleep 60\n");
  auto job = [](bool enabled) {
    return std::string{R"(, "bistro_job->a": {"owner": "t", "enabled": )"} +
           (enabled ? "true" : "false") +
           R"(, "kill_orphan_tasks_after_sec": 0,
                  "filters": {"level2": {"whitelist": ["node11"]}}}})";
  };
  auto config = dir.write("config", "{" + settings() + job(true));
  auto sched = start_scheduler(dir, config, task);
  REQUIRE(eventually([&] { return read_records(records).size() == 1; }, 10000));
  dir.write("config", "{" + settings() + job(false));
  REQUIRE(eventually(
      [&] {
        return sched.log().find("a on node11 ended: incomplete_backoff") !=
               std::string::npos;
      },
      10000));
  CHECK_THAT(sched.log(), Catch::Contains("killing orphaned task a on node11"));
}
