// A bounded chaos soak: a scheduler and two workers under load while a
// seeded random loop kills (-9) and restarts, stops and continues, each of
// them. BISTRO_SOAK_SECONDS (default 45) and BISTRO_SOAK_SEED (printed;
// replays a run's fault sequence) steer it; see README.md here.
#include <algorithm>
#include <catch2/catch.hpp>
#include <iomanip>
#include <iostream>
#include <optional>
#include <random>

#include "actors/store/status_store.hpp"
#include "tests/faults/faults_support.hpp"

using namespace bistro::testing;

namespace {

const std::string scheduler_bin = BISTRO_SCHEDULER_BIN;
const std::string worker_bin = BISTRO_WORKER_BIN;
constexpr int node_count = 12;

std::int64_t env_int(const char* name, std::int64_t fallback) {
  const char* v = std::getenv(name);
  return v && *v ? std::strtoll(v, nullptr, 10) : fallback;
}

void sleep_ms(std::int64_t ms) {
  std::this_thread::sleep_for(std::chrono::milliseconds(ms));
}

struct soak_cluster {
  temp_dir dir;
  int port = free_port();
  std::string records = dir.file("records");
  std::string stop_file = dir.file("stop");
  std::string config = dir.write("config", R"({"bistro_settings": {
      "nodes": {"levels": ["level1", "level2"], "node_sources": [
        {"source": "range_label", "prefs": {"parent_level": "instance",
         "start": 1, "end": 1, "format": "n"}},
        {"source": "range_label", "prefs": {"parent_level": "level1",
         "start": 1, "end": )" + std::to_string(node_count) +
                                               R"(, "format": "{parent}{i}"}}]},
      "resources": {"worker": {"slots": {"limit": 3, "default": 1}}},
      "enabled": true, "idle_wait": 0.2, "working_wait": 0.05,
      "backoff": [1, 2, "repeat"]},
      "bistro_job->j": {"owner": "t"}})");
  // Runs again and again (incomplete) until the stop file exists.
  std::string task = dir.script(
      "task.sh", run_prelude(records) +
                     "record start\n"
                     "trap 'kill $P 2>/dev/null; record killed; exit 1' TERM\n"
                     "sleep 0.5 & P=$!\nwait $P\n"
                     "if [ -e " +
                     stop_file +
                     " ]; then S=done; else S=incomplete; fi\n"
                     "echo $S > \"$2\"\nrecord end $S\n");
  std::unique_ptr<fault_process> scheduler;
  int scheduler_runs = 0;
  struct worker_slot {
    std::string shard;
    std::unique_ptr<fault_process> process;
    int runs = 0;
  };
  worker_slot workers[2] = {{"w1", nullptr, 0}, {"w2", nullptr, 0}};
  /// Worker pid -> when it was killed with SIGKILL (its tasks die too).
  std::map<pid_t, std::int64_t> killed_at;
  /// Worker pid -> its freezes (SIGSTOP to SIGCONT), wall ms.
  std::map<pid_t, std::vector<std::pair<std::int64_t, std::int64_t>>> frozen;
  std::vector<std::string> problems;

  std::string scheduler_log_name() const {
    return "sched" + std::to_string(scheduler_runs) + ".log";
  }

  /// Starts a scheduler on the same data dir and checks that it opened
  /// and loaded its status store.
  void start_scheduler(std::vector<std::string> extra = {}) {
    ++scheduler_runs;
    std::vector<std::string> argv{
        scheduler_bin, "--server_port=" + std::to_string(port),
        "--config_file=" + config, "--instance_node_name=scheduler",
        "--data_dir=" + dir.file("sched_data"),
        // > the workers' 3.3 s suicide: a task no
        // worker reported is dead by then.
        "--CAUTION_startup_wait_for_workers=5"};
    argv.insert(argv.end(), one_second_health.begin(), one_second_health.end());
    argv.insert(argv.end(), extra.begin(), extra.end());
    scheduler =
        std::make_unique<fault_process>(argv, dir.file(scheduler_log_name()));
    bool opened = eventually(
        [&] {
          return scheduler->log_has("stored statuses") ||
                 scheduler->wait(0).has_value();
        },
        20000);
    if (!opened || scheduler->wait(0).has_value())
      problems.push_back("scheduler run " + std::to_string(scheduler_runs) +
                         " did not load its store: " + scheduler->log_tail());
  }

  void start_worker(worker_slot& w) {
    ++w.runs;
    w.process = std::make_unique<fault_process>(
        std::vector<std::string>{
            worker_bin, "--scheduler_host=127.0.0.1",
            "--scheduler_port=" + std::to_string(port),
            "--worker_command=" + task, "--data_dir=" + dir.file(w.shard),
            "--shard_id=" + w.shard, "--heartbeat_period_sec=1"},
        dir.file(w.shard + "_" + std::to_string(w.runs) + ".log"));
  }

  /// A process that exited without being told to is a problem.
  void check_alive(fault_process& p, const std::string& who) {
    if (auto code = p.wait(0))
      problems.push_back(who + " exited by itself (" + std::to_string(*code) +
                         "): " + p.log_tail());
  }
};

}  // namespace

TEST_CASE(
    "a soak of kill -9 and restart and SIGSTOP and SIGCONT on the scheduler "
    "and two workers never overlaps a task and ends with every task done",
    "[soak]") {
  const auto seconds = env_int("BISTRO_SOAK_SECONDS", 45);
  const auto seed = static_cast<std::uint64_t>(
      env_int("BISTRO_SOAK_SEED",
              static_cast<std::int64_t>(std::random_device{}() & 0x7fffffff)));
  std::cout << "soak: " << seconds << " s, seed " << seed
            << " (replay: BISTRO_SOAK_SEED=" << seed << ")" << std::endl;
  INFO("soak seed " << seed);
  std::mt19937_64 rng(seed);
  auto between = [&](std::int64_t lo, std::int64_t hi) {
    return std::uniform_int_distribution<std::int64_t>(lo, hi)(rng);
  };

  soak_cluster c;
  // Afresh on purpose, then durable: --clean_statuses would keep statuses
  // in memory only (Bistro's meaning), and every task that ended done
  // under that first scheduler would rightly run again after a restart.
  c.start_scheduler({"--reset_statuses"});
  for (const auto& p : c.problems) FAIL(p);
  for (auto& w : c.workers) c.start_worker(w);
  REQUIRE(
      eventually([&] { return read_records(c.records).size() >= 6; }, 30000));

  enum fault {
    scheduler_kill9,
    scheduler_term,
    scheduler_stop,
    worker_kill9,
    worker_stop,
    fault_kinds
  };
  const char* fault_names[] = {
      "scheduler kill -9, restart", "scheduler TERM, restart",
      "scheduler SIGSTOP 0.5-5 s, SIGCONT", "worker kill -9, restart",
      "worker SIGSTOP 0.5-5 s, SIGCONT"};
  std::discrete_distribution<int> pick({3, 1, 2, 3, 3});
  int counts[fault_kinds] = {};

  const auto deadline = steady_ms() + seconds * 1000;
  // From halfway on, every run produces its final result (done) while the
  // faults go on: none of those may be lost and run again.
  const auto halfway = steady_ms() + seconds * 500;
  bool stopped = false;
  while (steady_ms() < deadline && c.problems.empty()) {
    if (!stopped && steady_ms() >= halfway) {
      c.dir.write("stop", "");
      stopped = true;
    }
    sleep_ms(between(300, 2500));  // let it work
    auto f = static_cast<fault>(pick(rng));
    ++counts[f];
    auto& w = c.workers[static_cast<std::size_t>(between(0, 1))];
    switch (f) {
      case scheduler_kill9:
      case scheduler_term:
        c.check_alive(*c.scheduler, "the scheduler");
        c.scheduler->kill(f == scheduler_kill9 ? SIGKILL : SIGTERM);
        if (auto code = c.scheduler->wait(20000);
            f == scheduler_term && code != 0)
          c.problems.push_back("TERM did not stop the scheduler cleanly: " +
                               c.scheduler->log_tail());
        sleep_ms(between(0, 1500));
        c.start_scheduler();
        break;
      case scheduler_stop:
        c.check_alive(*c.scheduler, "the scheduler");
        if (c.scheduler->stop()) {
          sleep_ms(between(500, 5000));
          c.scheduler->kill(SIGCONT);
        }
        break;
      case worker_kill9: {
        c.check_alive(*w.process, w.shard);
        auto pid = w.process->pid();
        w.process->kill(SIGKILL);
        w.process->wait(10000);
        c.killed_at[pid] = wall_ms_now();
        sleep_ms(between(0, 1500));
        c.start_worker(w);
        break;
      }
      case worker_stop:
        c.check_alive(*w.process, w.shard);
        if (auto from = wall_ms_now(); w.process->stop()) {
          sleep_ms(between(500, 5000));
          w.process->kill(SIGCONT);
          c.frozen[w.process->pid()].emplace_back(from, wall_ms_now());
        }
        break;
      case fault_kinds:
        break;
    }
  }
  for (auto& w : c.workers) c.check_alive(*w.process, w.shard);
  c.check_alive(*c.scheduler, "the scheduler");
  for (const auto& p : c.problems) {
    INFO(p);
    CHECK(false);
  }
  REQUIRE(c.problems.empty());

  // The chaos is over: the next run of every task writes done. A last
  // scheduler, started on the same store, exits once all is done.
  if (!stopped) c.dir.write("stop", "");
  c.scheduler->kill(SIGTERM);
  REQUIRE(c.scheduler->wait(20000) == 0);
  c.start_scheduler({"--exit_when_done"});
  for (const auto& p : c.problems) FAIL(p);
  {
    INFO(c.scheduler->log_tail());
    REQUIRE(c.scheduler->wait(120000) == 0);
  }

  auto runs = read_runs(c.records);
  std::set<std::string> done;
  int ended = 0, killed = 0;
  for (const auto& r : runs) {
    if (r.end_event == "end" && r.result == "done") done.insert(r.key);
    ended += r.end_event == "end";
    killed += r.end_event == "killed";
  }
  CHECK(done.size() == node_count);
  auto overlaps = check_runs_never_overlap(runs, c.killed_at);
  CHECK(overlaps == 0);
  // A task whose run had produced its result (the run wrote "done" and
  // ended) must never start again: its result was kept until the
  // scheduler had it on disk.
  // Nothing can keep what no process has read:
  // - a worker killed -9 within a second of the run's end may not have
  //   read the result yet;
  // - a run that ended while its worker was frozen is read at the thaw. A
  //   machine under load can keep the worker from running, after SIGCONT,
  //   until the scheduler has given it up and its safety margin has passed
  //   (Bistro's contract covers a worker that cannot kill): the task may
  //   then rightly run again, within a few seconds of the thaw.
  std::map<std::string, std::int64_t> done_at;
  int rerun_after_done = 0, unread = 0, unread_frozen = 0;
  auto thaw_after = [&](pid_t worker,
                        std::int64_t ms) -> std::optional<std::int64_t> {
    if (auto it = c.frozen.find(worker); it != c.frozen.end())
      for (auto [from, to] : it->second)
        if (ms >= from && ms <= to) return to;
    return std::nullopt;
  };
  for (const auto& r : runs) {
    if (r.end_event != "end" || r.result != "done") continue;
    auto killed = c.killed_at.find(r.worker_pid());
    if (killed != c.killed_at.end() && killed->second >= *r.end_ms &&
        killed->second - *r.end_ms < 1000) {
      ++unread;
      continue;
    }
    if (auto thaw = thaw_after(r.worker_pid(), *r.end_ms);
        thaw && std::any_of(runs.begin(), runs.end(), [&](const task_run& q) {
          return q.key == r.key && q.start_ms > *r.end_ms &&
                 q.start_ms <= *thaw + 5000;
        })) {
      ++unread_frozen;
      continue;
    }
    done_at.emplace(r.key, *r.end_ms);  // the first done of each task
  }
  for (const auto& r : runs)
    if (auto it = done_at.find(r.key);
        it != done_at.end() && r.start_ms > it->second) {
      INFO(r.key << " started again at " << r.start_ms
                 << " after a done result at " << it->second);
      ++rerun_after_done;
    }
  CHECK(rerun_after_done == 0);

  // Every store opens: the scheduler's statuses (all done) and each
  // worker's task logs, with lmdb-utils' mdb_stat and our own reader.
  const auto statuses = c.dir.file("sched_data/statuses");
  if (run_shell("command -v mdb_stat >/dev/null") == 0) {
    CHECK(run_shell("mdb_stat -a " + statuses + " >/dev/null") == 0);
    for (auto& w : c.workers) c.check_alive(*w.process, w.shard);
    for (auto& w : c.workers)
      CHECK(run_shell("mdb_stat -a " + c.dir.file(w.shard + "/task_logs") +
                      " >/dev/null") == 0);
  } else {
    WARN("mdb_stat (lmdb-utils) not installed: checked with our reader only");
  }
  auto opened = bistro::status_store::open(statuses);
  REQUIRE(
      std::holds_alternative<std::unique_ptr<bistro::status_store>>(opened));
  auto loaded =
      std::get<std::unique_ptr<bistro::status_store>>(opened)->load_all();
  REQUIRE(std::holds_alternative<std::vector<bistro::stored_status>>(loaded));
  const auto& stored = std::get<std::vector<bistro::stored_status>>(loaded);
  CHECK(stored.size() == node_count);
  for (const auto& s : stored) {
    INFO(s.job << "/" << s.node);
    CHECK(s.status.label == bistro::status_label::done);
  }

  std::cout << "soak seed " << seed << ": " << runs.size() << " task runs, "
            << ended << " ended by themselves, " << killed
            << " killed by TERM, " << done_at.size()
            << " done results produced (" << unread
            << " more unread when their worker was killed, " << unread_frozen
            << " more read after their worker was given up while frozen), "
            << rerun_after_done << " tasks run again after their done result, "
            << overlaps << " overlapping runs, " << c.killed_at.size()
            << " workers killed -9, " << c.scheduler_runs
            << " scheduler starts\n"
            << std::left << std::setw(40) << "fault"
            << "count\n";
  for (int f = 0; f < fault_kinds; ++f)
    std::cout << std::setw(40) << fault_names[f] << counts[f] << "\n";
  std::cout << std::flush;
}
