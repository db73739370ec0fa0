// bistro_scheduler --round_threads against the real binary: the flag's
// bounds, and a run whose rounds spread their per-job work over 3 threads
// that starts every task once and ends, as with 1 thread; the same with
// every round robin round planned by subtree (--round_split_candidates).
#include <algorithm>
#include <catch2/catch.hpp>
#include <regex>
#include <set>
#include <string>

#include "tests/support/e2e_support.hpp"
#include "tests/support/process_runner.hpp"

using namespace bistro::testing;

namespace {

const std::string scheduler_bin = BISTRO_SCHEDULER_BIN;

// 6 hosts x 4 dbs, 2 tasks per host, 1 per db; four jobs, one of them
// waiting for another on each db, one filtered to even dbs.
std::string config_text() {
  std::string hosts;
  for (int h = 0; h < 6; ++h) {
    if (!hosts.empty()) hosts += ", ";
    hosts += "\"host" + std::to_string(h) + "\": [";
    for (int d = 0; d < 4; ++d) {
      hosts += std::string(d ? ", " : "") + "\"h" + std::to_string(h) + "db" +
               std::to_string(d) + "\"";
    }
    hosts += "]";
  }
  return R"({"bistro_settings": {"enabled": true, "idle_wait": 0.2,
      "working_wait": 0.02,
      "nodes": {"levels": ["host", "db"], "node_source": "manual",
                "node_source_prefs": {)" +
         hosts + R"(}},
      "resources": {"host": {"per_host": {"limit": 2, "default": 1}},
                    "db": {"per_db": {"limit": 1, "default": 1}}}},
    "bistro_job->a": {"owner": "me", "priority": 3},
    "bistro_job->b": {"owner": "me", "depends_on": ["a"]},
    "bistro_job->c": {"owner": "me",
                      "filters": {"db": {"whitelist_regex": "db[02]$"}}},
    "bistro_job->d": {"owner": "me", "priority": 2}})";
}

// "job on node" for each task the log says ended done.
std::set<std::string> done_tasks(const std::string& log) {
  std::set<std::string> out;
  std::regex ended(R"((\w+) on (\w+) ended: done)");
  for (std::sregex_iterator it(log.begin(), log.end(), ended), end; it != end;
       ++it) {
    out.insert((*it)[1].str() + " on " + (*it)[2].str());
  }
  return out;
}

// The largest `rounds_split` of the log's stats lines.
long rounds_split(const std::string& log) {
  std::regex stats(R"(stats: .* rounds_split (\d+))");
  long most = -1;
  for (std::sregex_iterator it(log.begin(), log.end(), stats), end; it != end;
       ++it)
    most = std::max(most, std::stol((*it)[1].str()));
  return most;
}

struct run_result {
  std::set<std::string> done;
  long rounds_split = -1;
};

run_result run_to_the_end(const std::string& threads,
                          const std::string& split = "65536") {
  temp_dir dir;
  auto config = dir.write("config", config_text());
  child_process sched(
      {scheduler_bin, "--config_file=" + config, "--dry_run",
       "--exit_when_done", "--data_dir=" + dir.file("data"),
       "--instance_node_name=inst", "--seed=3", "--round_threads=" + threads,
       "--round_split_candidates=" + split, "--stats_interval_ms=20"},
      dir.file("scheduler.log"));
  REQUIRE(sched.wait(60000) == 0);
  return {done_tasks(sched.log()), rounds_split(sched.log())};
}

}  // namespace

TEST_CASE("round_threads outside 1 to 64 is one line naming the flag") {
  for (const char* value : {"0", "65", "-1"}) {
    auto r = run_command(scheduler_bin +
                         " --config_file=/nonexistent --dry_run"
                         " --round_threads=" +
                         value);
    CHECK(r.exit_code == 2);
    CHECK(r.output == "bistro_scheduler: --round_threads must be 1..64\n");
  }
}

TEST_CASE("round_split_candidates below 1 is one line naming the flag") {
  for (const char* value : {"0", "-5"}) {
    auto r = run_command(scheduler_bin +
                         " --config_file=/nonexistent --dry_run"
                         " --round_split_candidates=" +
                         value);
    CHECK(r.exit_code == 2);
    CHECK(r.output ==
          "bistro_scheduler: --round_split_candidates must be >= 1\n");
  }
}

TEST_CASE("a scheduler on 3 round threads runs every task once, as on 1") {
  auto three = run_to_the_end("3").done;
  // a, b, d on 24 dbs each; c on the 12 even ones.
  CHECK(three.size() == 24 * 3 + 12);
  CHECK(three.count("b on h5db3") == 1);
  CHECK(three.count("c on h0db1") == 0);
  CHECK(run_to_the_end("1").done == three);
}

TEST_CASE("round robin rounds split by subtree run every task once") {
  // Every round of candidates is planned one part of the tree at a time
  // (6 hosts: 6 parts on 3 threads), the parts' parks streamed to the
  // scheduler from the round threads: the same tasks end done, once.
  auto split = run_to_the_end("3", "1");
  CHECK(split.done.size() == 24 * 3 + 12);
  CHECK(split.rounds_split > 0);
  auto one = run_to_the_end("1", "1");  // one thread: nothing to split over
  CHECK(one.rounds_split == 0);
  CHECK(split.done == one.done);
}
