// Tasks that break the rules, end to end through a bistro_scheduler
// process with its in-process worker (tests/actors/tasks covers the same
// behaviours one task_process at a time; here the scheduler, the worker
// actor, the log store and the HTTP API are all in the way).
#include <sys/stat.h>

#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <filesystem>

#include "tests/faults/faults_support.hpp"

using namespace bistro::testing;

namespace {

const std::string scheduler_bin = BISTRO_SCHEDULER_BIN;

/// A scheduler with a local worker, one level2 node "a1", the given jobs,
/// and the HTTP API on a free port.
struct local_scheduler {
  temp_dir dir;
  int http_port = free_port();
  std::string records = dir.file("records");
  std::unique_ptr<fault_process> process;

  /// `jobs`: `"bistro_job->NAME": {...}` entries, comma-separated.
  void start(const std::string& jobs) {
    auto config = dir.write("config", R"({"bistro_settings": {
        "nodes": {"levels": ["level1", "level2"], "node_source": "manual",
                  "node_source_prefs": {"a": ["a1"]}},
        "enabled": true, "idle_wait": 0.2, "working_wait": 0.05,
        "backoff": ["fail"]}, )" + jobs + "}");
    auto fallback = dir.script("unused.sh", "echo done > \"$2\"");
    process = std::make_unique<fault_process>(
        std::vector<std::string>{
            scheduler_bin, "--config_file=" + config,
            "--worker_command=" + fallback, "--data_dir=" + dir.file("data"),
            "--instance_node_name=scheduler", "--clean_statuses",
            "--http_server_port=" + std::to_string(http_port),
            "--http_cache_ms=0"},
        dir.file("scheduler.log"));
    REQUIRE(eventually([&] { return process->log_has("HTTP API"); }, 15000));
  }

  /// A job running `script_body` (after the record prelude).
  std::string job(const std::string& name, const std::string& script_body,
                  const std::string& extra = "") const {
    auto script = dir.script(name + ".sh", run_prelude(records) + script_body);
    return "\"bistro_job->" + name + "\": {\"owner\": \"t\", \"command\": [\"" +
           script + "\"]" + extra + "}";
  }

  std::string ended_line(const std::string& job) const {
    auto log = process->log();
    auto at = log.find(job + " on a1 ended: ");
    if (at == std::string::npos) return "";
    return log.substr(at, log.find('\n', at) - at);
  }
  bool ended(const std::string& job) const { return !ended_line(job).empty(); }

  boost::json::value get_json(const std::string& target) const {
    auto answer = http_request(http_port, "GET", target);
    INFO("GET " << target << ": " << answer.code << " "
                << answer.body.substr(0, 500));
    REQUIRE(answer.code == 200);
    return boost::json::parse(answer.body);
  }

  /// Every stored log line of `job` on a1 of `type`, oldest first.
  std::vector<std::pair<std::int64_t, std::string>> log_lines(
      const std::string& job, const std::string& type) const {
    std::vector<std::pair<std::int64_t, std::string>> out;
    std::string after;
    for (;;) {
      auto page = get_json("/api/logs?job=" + job + "&node=a1&type=" + type +
                           "&sort=asc&limit=100000" +
                           (after.empty() ? "" : "&after=" + after));
      for (const auto& line : page.at("lines").as_array()) {
        const auto& l = line.as_array();
        out.emplace_back(l.at(2).to_number<std::int64_t>(),
                         std::string{l.at(3).as_string()});
      }
      after = std::string{page.at("next_line_id").as_string()};
      if (after == "-1") return out;
    }
  }

  pid_t pid_in(const std::string& file) const {
    std::ifstream in(dir.file(file));
    pid_t pid = 0;
    in >> pid;
    return pid;
  }
};

/// A job that floods stdout for `seconds` with `yes`, under a rate limit
/// of `lines` per `poll_ms`.
std::string flood_job(const local_scheduler& s, const std::string& name,
                      bool flood, int poll_ms, int lines) {
  return s.job(name,
               std::string{"record start\n"} +
                   (flood ? "timeout 4 yes 'flooding the log, line after line'"
                          : "echo quiet; sleep 4") +
                   "\necho done > \"$2\"\nrecord end done\n",
               R"(, "task_subprocess": {"poll_ms": )" +
                   std::to_string(poll_ms) +
                   R"(, "max_log_lines_per_poll_interval": )" +
                   std::to_string(lines) + "}");
}

}  // namespace

TEST_CASE(
    "a task flooding stdout leaves the scheduler memory bounded and close to "
    "that of a quiet task",
    "[misbehaving]") {
  local_scheduler flooding, quiet;
  flooding.start(flood_job(flooding, "j", true, 10, 50));
  quiet.start(flood_job(quiet, "j", false, 10, 50));
  REQUIRE(eventually([&] { return flooding.ended("j") && quiet.ended("j"); },
                     30000));
  auto flood_kib = peak_rss_kib(flooding.process->pid());
  auto quiet_kib = peak_rss_kib(quiet.process->pid());
  auto lines = flooding.log_lines("j", "stdout").size();
  INFO("peak RSS: flooding " << flood_kib << " KiB, quiet " << quiet_kib
                             << " KiB; " << lines << " lines stored");
  CHECK(flooding.ended_line("j") == "j on a1 ended: done (now done)");
  CHECK(lines > 100);  // it did flood
  CHECK(flood_kib > 0);
  CHECK(flood_kib < 300 * 1024);
  CHECK(flood_kib < quiet_kib + 64 * 1024);
  // Still answering.
  CHECK(http_request(flooding.http_port, "GET", "/healthz").code == 200);
}

// Bistro's task_subprocess contract: at most max_log_lines_per_poll_interval
// lines per stream per poll_ms.
TEST_CASE(
    "a task flooding stdout gets at most max_log_lines_per_poll_interval "
    "lines stored per poll_ms",
    "[misbehaving]") {
  constexpr int poll_ms = 100, max_lines = 20;
  local_scheduler s;
  s.start(flood_job(s, "j", true, poll_ms, max_lines));
  REQUIRE(eventually([&] { return s.ended("j"); }, 30000));
  auto runs = read_runs(s.records);
  REQUIRE(runs.size() == 1);
  REQUIRE(runs[0].end_ms);
  auto ran_ms = *runs[0].end_ms - runs[0].start_ms;
  auto lines = s.log_lines("j", "stdout");
  std::map<std::int64_t, int> per_second;
  for (const auto& [time_s, text] : lines) ++per_second[time_s];
  int busiest = 0;
  for (const auto& [second, n] : per_second) busiest = std::max(busiest, n);
  // 200 lines/s here; twice that for slack, and one extra second.
  const auto per_s_limit = 1000 / poll_ms * max_lines;
  INFO(lines.size() << " lines in " << ran_ms << " ms; busiest second "
                    << busiest << " lines; limit " << per_s_limit << "/s");
  CHECK(busiest <= 2 * per_s_limit);
  // What the pipe still held when the task ended is read at the same rate
  // afterwards: the bound is over the seconds lines were stored in.
  REQUIRE(!per_second.empty());
  auto span_s = per_second.rbegin()->first - per_second.begin()->first + 1;
  CHECK(static_cast<std::int64_t>(lines.size()) <=
        (per_s_limit + max_lines) * span_s);
}

TEST_CASE(
    "a task writing 50 MB to stdout keeps the task-log store bounded by "
    "max_log_bytes_per_task, says what was dropped, and ends with its status",
    "[misbehaving]") {
  constexpr std::int64_t task_bytes = 1024 * 1024;
  local_scheduler s;
  s.start(s.job("flood",
                "record start\n"
                "yes 'flooding the log with one line after another' |\n"
                "  head -c 52428800\n"
                "echo done > \"$2\"\nrecord end done\n",
                R"(, "task_subprocess": {"max_log_bytes_per_task": )" +
                    std::to_string(task_bytes) + "}"));
  REQUIRE(eventually([&] { return s.ended("flood"); }, 60000));
  CHECK(s.ended_line("flood") == "flood on a1 ended: done (now done)");
  std::int64_t kept = 0;
  auto out = s.log_lines("flood", "stdout");
  for (const auto& [t, text] : out)
    kept += static_cast<std::int64_t>(text.size());
  std::vector<std::string> err;
  REQUIRE(eventually(
      [&] {
        err.clear();
        for (auto& [t, text] : s.log_lines("flood", "stderr"))
          err.push_back(text);
        return !err.empty();
      },
      10000));
  INFO(out.size() << " stdout lines, " << kept << " bytes");
  CHECK(kept <= task_bytes);
  CHECK(kept > task_bytes / 2);
  REQUIRE(err.size() == 1);
  CHECK_THAT(err[0], Catch::StartsWith("bistro: dropped "));
  CHECK_THAT(err[0],
             Catch::EndsWith("the run passed "
                             "task_subprocess.max_log_bytes_per_task (" +
                             std::to_string(task_bytes) + ")"));
  // And on disk: the worker's LMDB store holds about the kept megabyte
  // (its pages, the index and the statuses), not the 50 MB written.
  std::uintmax_t disk = 0;
  for (const auto& f : std::filesystem::recursive_directory_iterator(
           s.dir.file("data") + "/task_logs")) {
    struct stat st {};
    if (f.is_regular_file() && ::stat(f.path().c_str(), &st) == 0)
      disk += static_cast<std::uintmax_t>(st.st_blocks) * 512;
  }
  INFO("task_logs on disk: " << disk << " bytes");
  CHECK(disk < 16u * 1024 * 1024);
  CHECK(http_request(s.http_port, "GET", "/healthz").code == 200);
}

TEST_CASE(
    "a task that closes its status pipe early ends when it exits: no status "
    "is an error and a status written first counts",
    "[misbehaving]") {
  local_scheduler s;
  auto body = [](bool write_first) {
    return std::string{"record start\n"} +
           (write_first ? "echo done > \"$2\"\n" : "") +
           "exec 3>&-\nrecord closed\nsleep 1.5\nrecord exit\n";
  };
  s.start(s.job("silent", body(false)) + ", " + s.job("wrote", body(true)));
  auto exited = [&](const std::string& job) {
    for (const auto& r : read_records(s.records))
      if (r.job == job && r.event == "exit") return true;
    return false;
  };
  // The log first, then the records: an end logged before the task
  // recorded its exit would be an end seen while it still ran.
  bool early_end = false;
  REQUIRE(eventually(
      [&] {
        bool both = s.ended("silent") && s.ended("wrote");
        early_end |= (s.ended("silent") && !exited("silent")) ||
                     (s.ended("wrote") && !exited("wrote"));
        return both;
      },
      20000));
  CHECK_FALSE(early_end);
  CHECK(s.ended_line("silent") ==
        "silent on a1 ended: error_backoff: task wrote no status (now "
        "failed)");
  CHECK(s.ended_line("wrote") == "wrote on a1 ended: done (now done)");
}

TEST_CASE(
    "with process_group_leader a child that outlives its task is killed "
    "and so is the child of a killed task",
    "[misbehaving]") {
  local_scheduler s;
  const std::string leader =
      R"(, "task_subprocess": {"process_group_leader": true})";
  // The children let go of the task's pipes, so only the group kill can
  // reach them.
  auto fork_child = [&](const std::string& name) {
    return "sleep 60 >/dev/null 2>&1 3>&- &\necho $! > " +
           s.dir.file(name + ".child") + "\n";
  };
  s.start(s.job("outlive",
                fork_child("outlive") + "echo done > \"$2\"\nrecord end\n",
                leader) +
          ", " +
          s.job("killed",
                fork_child("killed") + "record start\nexec sleep 60\n",
                leader));
  REQUIRE(eventually([&] { return s.ended("outlive"); }, 15000));
  CHECK(s.ended_line("outlive") == "outlive on a1 ended: done (now done)");
  auto outlive_child = s.pid_in("outlive.child");
  REQUIRE(outlive_child > 0);
  CHECK(eventually([&] { return !process_alive(outlive_child); }, 5000));

  REQUIRE(eventually([&] { return s.pid_in("killed.child") > 0; }, 15000));
  auto killed_child = s.pid_in("killed.child");
  CHECK(process_alive(killed_child));
  REQUIRE(eventually(
      [&] {
        return http_request(s.http_port, "POST", "/api/tasks/killed/a1/kill")
                   .code == 200;
      },
      10000));
  REQUIRE(eventually([&] { return s.ended("killed"); }, 15000));
  CHECK(s.ended_line("killed") ==
        "killed on a1 ended: incomplete_backoff: task was killed before it "
        "wrote a status (now incomplete_backoff)");
  CHECK(eventually([&] { return !process_alive(killed_child); }, 5000));
}

TEST_CASE(
    "a task that ignores TERM is killed with KILL after kill_wait_ms "
    "(term_wait_kill)",
    "[misbehaving]") {
  local_scheduler s;
  s.start(s.job("stubborn",
                "trap '' TERM\necho $$ > " + s.dir.file("stubborn.pid") +
                    "\nrecord start\nexec sleep 60\n",
                R"(, "kill_subprocess": {"method": "term_wait_kill",
                    "kill_wait_ms": 1500})"));
  REQUIRE(eventually([&] { return s.pid_in("stubborn.pid") > 0; }, 15000));
  auto pid = s.pid_in("stubborn.pid");
  REQUIRE(eventually(
      [&] {
        return http_request(s.http_port, "POST", "/api/tasks/stubborn/a1/kill")
                   .code == 200;
      },
      10000));
  auto killed_at = steady_ms();
  // TERM is ignored: still there well after it was sent.
  std::this_thread::sleep_for(std::chrono::milliseconds(700));
  CHECK(process_alive(pid));
  CHECK_FALSE(s.ended("stubborn"));
  REQUIRE(eventually([&] { return s.ended("stubborn"); }, 15000));
  CHECK(steady_ms() - killed_at >= 1400);
  CHECK(s.ended_line("stubborn") ==
        "stubborn on a1 ended: incomplete_backoff: task was killed before it "
        "wrote a status (now incomplete_backoff)");
  CHECK_FALSE(process_alive(pid));
}

TEST_CASE(
    "a task that exits before writing is an error whose statuses log names "
    "the exit code",
    "[misbehaving]") {
  local_scheduler s;
  s.start(s.job("quitter", "record start\nexit 3\n"));
  REQUIRE(eventually([&] { return s.ended("quitter"); }, 15000));
  CHECK(s.ended_line("quitter") ==
        "quitter on a1 ended: error_backoff: task wrote no status (now "
        "failed)");
  // Bistro's JSON events: running, process_exited, got_status.
  std::vector<std::string> statuses;
  REQUIRE(eventually(
      [&] {
        statuses.clear();
        for (auto& [t, line] : s.log_lines("quitter", "statuses"))
          statuses.push_back(line);
        return statuses.size() >= 3;
      },
      10000));
  auto exited = boost::json::parse(statuses[statuses.size() - 2]);
  INFO(statuses[statuses.size() - 2]);
  CHECK(exited.at("event") == "process_exited");
  CHECK(exited.at("message") == "exited with status 3");
  auto status = boost::json::parse(statuses.back());
  INFO(statuses.back());
  CHECK(status.at("event") == "got_status");
  CHECK(status.at("status").at("data").at("exception") ==
        "task wrote no status");
}

TEST_CASE(
    "a 1 MB status line is a short clear error and so is a 5 MB one while "
    "the scheduler stays small and keeps working",
    "[misbehaving]") {
  local_scheduler s;
  auto writer = [](int bytes) {
    return "record start\nhead -c " + std::to_string(bytes) +
           " /dev/zero | tr '\\0' x > \"$2\"\n";
  };
  s.start(
      s.job("big1", writer(1 << 20)) + ", " + s.job("big5", writer(5 << 20)) +
      ", " +
      s.job("after", "echo done > \"$2\"\n", R"(, "depends_on": ["big1"])") +
      ", " + s.job("fine", "echo done > \"$2\"\n"));
  REQUIRE(eventually(
      [&] { return s.ended("big1") && s.ended("big5") && s.ended("fine"); },
      20000));
  auto big1 = s.ended_line("big1");
  INFO(big1.substr(0, 300));
  CHECK(big1.size() < 2048);
  CHECK_THAT(big1, Catch::StartsWith("big1 on a1 ended: error_backoff: "
                                     "cannot parse status: xxxx"));
  CHECK(s.ended_line("big5") ==
        "big5 on a1 ended: error_backoff: task wrote a status longer than "
        "4194304 bytes (now failed)");
  CHECK(s.ended_line("fine") == "fine on a1 ended: done (now done)");
  CHECK_FALSE(s.ended("after"));  // its dependency failed
  CHECK(http_request(s.http_port, "GET", "/healthz").code == 200);
  auto tasks = s.get_json("/api/tasks?job=big1");
  const auto& row = tasks.at("tasks").as_array().at(0).as_object();
  auto message = row.at("status").as_object().if_contains("message");
  REQUIRE(message);
  CHECK(message->as_string().size() < 2048);
  auto kib = peak_rss_kib(s.process->pid());
  INFO("peak RSS " << kib << " KiB");
  CHECK(kib < 300 * 1024);
}
