// The scheduler's log into a file: at tens of thousands of lines a second
// they are gathered and written together, not one write system call per
// line, and the last line still shows in the file soon after it was
// logged while the scheduler keeps running; a slow trickle of lines is
// written line by line, as before (the real binary, --benchmark_run, its
// write count from /proc/PID/io).
#include <catch2/catch.hpp>
#include <fstream>
#include <string>

#include "tests/support/e2e_support.hpp"

using namespace bistro::testing;

namespace {

const std::string scheduler_bin = BISTRO_SCHEDULER_BIN;

std::size_t count_of(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto pos = text.find(what); pos != std::string::npos;
       pos = text.find(what, pos + what.size()))
    ++n;
  return n;
}

/// The `syscw` line of /proc/PID/io: write system calls so far.
long write_calls(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/io");
  std::string key;
  long value = -1;
  while (in >> key >> value)
    if (key == "syscw:") return value;
  return -1;
}

}  // namespace

TEST_CASE("a scheduler logging to a file writes its lines in batches") {
  temp_dir dir;
  // 400 hosts x 25 dbs, 2 tasks per host: 10,000 tasks of ~20 ms, two log
  // lines each.
  auto config = dir.write("config", R"({"bistro_settings": {"enabled": true,
      "idle_wait": 0.2, "working_wait": 0.02,
      "nodes": {"levels": ["host", "db"], "node_sources": [
        {"source": "range_label", "prefs": {"parent_level": "instance",
          "start": 0, "end": 399, "format": "host{i}"}},
        {"source": "range_label", "prefs": {"parent_level": "host",
          "start": 0, "end": 24, "format": "{parent}.db{i}"}}]},
      "resources": {"host": {"per_host": {"limit": 2, "default": 1}},
                    "db": {"per_db": {"limit": 1, "default": 1}}}},
    "bistro_job->scrape": {"owner": "me"}})");
  child_process sched(
      {scheduler_bin, "--config_file=" + config, "--benchmark_run",
       "--test_task_duration=20", "--test_failure_rate=0",
       "--data_dir=" + dir.file("data"), "--clean_statuses",
       "--instance_node_name=inst", "--log_level=info",
       "--stats_interval_ms=200"},
      dir.file("scheduler.log"));
  // The last task's line shows up without the scheduler exiting or logging
  // anything more: the buffer does not hold a quiet scheduler's lines.
  REQUIRE(eventually(
      [&] { return count_of(sched.log(), " ended: done") == 10000; }, 120000));
  REQUIRE_FALSE(sched.wait(0));
  auto log = sched.log();
  auto lines = static_cast<long>(count_of(log, "\n"));
  auto writes = write_calls(sched.pid());
  INFO(lines << " lines in " << writes << " write calls");
  REQUIRE(writes >= 0);
  CHECK(lines >= 20000);
  // One write per line before; now a write carries many lines.
  CHECK(writes * 5 < lines);
  // Quiet now: a line logged alone (the stats line, every 200 ms) is
  // written at once, one write each.
  auto stats = count_of(sched.log(), "stats: ");
  REQUIRE(eventually(
      [&] { return count_of(sched.log(), "stats: ") >= stats + 3; }, 10000));
  auto before = write_calls(sched.pid());
  auto stats_before = count_of(sched.log(), "stats: ");
  REQUIRE(eventually(
      [&] { return count_of(sched.log(), "stats: ") >= stats_before + 3; },
      10000));
  CHECK(write_calls(sched.pid()) - before >=
        static_cast<long>(count_of(sched.log(), "stats: ") - stats_before));
}
