

// Scheduling rounds at scale. Prints one JSON line per case:
//   round_1m     40,000 hosts x 25 dbs, 10 jobs, every pair a candidate,
//                host limit 2, db limit 1: reset + one full round (< 0.4 s)
//   round_300k   12,000 hosts x 25 dbs, 5 jobs (< 0.25 s)
//   incremental  after round_1m, 1,000 tasks finish: those finishes plus the
//                next round (the round alone < 2 ms)
//   threads      round_1m's full round on 1 thread and on --threads, in
//                turn, 3 times each, as prepare -> plan -> commit: the
//                medians, their ratio, and each phase's [1, T] medians
//                (on T > 1 threads the plan runs on a thread of its own
//                while the caller parks what it parked, as the scheduler
//                and its policy actor do)
//   bytes        scheduler bytes per (job, node) beside the status row's
// `--threads T` (default 2) sets the round's threads (round_scheduler::
// set_threads) for every case but the 1-thread half of `threads`;
// `--node-order O` the config's node_order (default original; Bistro's
// default is random).
// With `--nodes N --jobs J [--repeat R]` it prints one "scale" line instead:
// the median of R full rounds over about N nodes (hosts x 25 dbs) and J
// jobs on T threads, each as the scheduler actor runs it (as in `threads`), and
// the resident memory the tree and the status rows added, per node and per
// (job, node). benchmarks/run sweeps N and J with it.
#include <algorithm>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "actors/jobs/job_status_row.hpp"
#include "actors/policies/builtin_policies.hpp"
#include "actors/rounds/round_scheduler.hpp"
#include "benchmarks/bench_common.hpp"

using namespace bistro;

namespace {

// `--node-order`: the config's nodes.node_order (original unless given).
std::string order_name = "original";

std::shared_ptr<const config> bench_config(int num_jobs) {
  std::string text =
      R"({"bistro_settings": {"enabled": true, "scheduler": "roundrobin",)"
      R"( "nodes": {"levels": ["host", "db"], "node_source": "manual",)"
      R"( "node_order": ")" +
      order_name +
      R"(",)"
      R"( "node_source_prefs": {}}, "resources": {)"
      R"("instance": {"instance_slots": {"limit": 100000000, "default": 1}},)"
      R"( "host": {"host_concurrency": {"limit": 2, "default": 1}},)"
      R"( "db": {"db_concurrency": {"limit": 1, "default": 1}}}})";
  for (int j = 0; j < num_jobs; ++j) {
    text +=
        ", \"bistro_job->job" + std::to_string(j) +
        "\": {\"owner\": \"bench\", \"priority\": " + std::to_string(1 + j) +
        "}";
  }
  auto result = parse_config(text + "}", builtin_policy_catalog());
  if (!result.ok()) {
    std::fprintf(stderr, "bad config: %s\n", result.errors.front().c_str());
    std::exit(1);
  }
  return result.value;
}

std::shared_ptr<const node_tree> bench_tree(const config& cfg, int hosts) {
  node_tree_builder builder("instance",
                            static_cast<level_id>(cfg.levels.size()));
  for (int h = 0; h < hosts; ++h) {
    std::string host = "host" + std::to_string(h);
    node_id parent = builder.add(host, 1, 0);
    for (int d = 0; d < 25; ++d) {
      builder.add(host + ".db" + std::to_string(d), 2, parent);
    }
  }
  return builder.build();
}

struct bench_state {
  std::shared_ptr<const config> cfg;
  std::shared_ptr<const node_tree> tree;
  std::vector<std::unique_ptr<job_status_row>> rows;
  std::vector<job_status_row*> row_ptrs;
  round_scheduler scheduler;
  std::mt19937_64 rng{42};
  std::vector<task_pick> picks;

  bench_state(int num_jobs, int hosts)
      : bench_state(bench_config(num_jobs), num_jobs, hosts) {}
  bench_state(std::shared_ptr<const config> c, int num_jobs, int hosts)
      : bench_state(c, bench_tree(*c, hosts), num_jobs) {}
  bench_state(std::shared_ptr<const config> c,
              std::shared_ptr<const node_tree> t, int num_jobs)
      : cfg(std::move(c)), tree(std::move(t)) {
    for (int j = 0; j < num_jobs; ++j) {
      rows.push_back(std::make_unique<job_status_row>(tree->size()));
      row_ptrs.push_back(rows.back().get());
    }
  }

  // A new round_scheduler on `threads` (nothing running, no worker) and
  // every status back to "never ran": the next full_round is a first one.
  void fresh(unsigned threads) {
    scheduler = round_scheduler{};
    scheduler.set_threads(threads);
    fresh_rows();
  }

  // Every status back to "never ran".
  void fresh_rows() {
    for (std::size_t j = 0; j < rows.size(); ++j) {
      rows[j] = std::make_unique<job_status_row>(tree->size());
      row_ptrs[j] = rows[j].get();
    }
  }

  // Reset plus one round: everything derived from scratch.
  double full_round() {
    bench::stopwatch watch;
    scheduler.reset(cfg, tree, rng);
    for (int w = 0; w < 100; ++w) {
      scheduler.add_worker("worker" + std::to_string(w),
                           "wh" + std::to_string(w));
    }
    picks =
        scheduler.run_round(*find_policy(cfg->scheduler), row_ptrs, 1000, rng);
    return watch.seconds();
  }
};

void print(const char* name, double seconds, double target,
           std::size_t started) {
  std::printf(
      "{\"bench\": \"round_bench\", \"case\": \"%s\", \"seconds\": %.6f, "
      "\"target_seconds\": %.3f, \"tasks_started\": %zu}\n",
      name, seconds, target, started);
}

double scheduler_round_seconds(bench_state& state, unsigned threads);

// One scale point; see the header comment.
int run_scale(long long nodes, int jobs, int repeat, unsigned threads) {
  const int hosts = static_cast<int>(std::max<long long>(1, nodes / 26));
  const long long rss_start = bench::resident_bytes();
  auto cfg = bench_config(jobs);
  auto tree = bench_tree(*cfg, hosts);
  const long long rss_tree = bench::resident_bytes();
  bench_state state(cfg, tree, jobs);
  state.scheduler.set_threads(threads);
  const long long rss_rows = bench::resident_bytes();
  // Each round starts afresh: a round marks its picks running and charges
  // them, so a second one over the same state would find nothing to start.
  std::vector<double> rounds;
  std::size_t started = 0;
  for (int r = 0; r < repeat; ++r) {
    if (r > 0) state.fresh(threads);
    rounds.push_back(scheduler_round_seconds(state, threads));
    if (r == 0) started = state.picks.size();
  }
  std::sort(rounds.begin(), rounds.end());
  const long long rss_round = bench::resident_bytes();
  const double n = static_cast<double>(state.tree->size());
  std::printf(
      "{\"bench\": \"round_bench\", \"case\": \"scale\", \"nodes\": %zu, "
      "\"jobs\": %d, \"seconds\": %.6f, \"min_seconds\": %.6f, "
      "\"rounds\": %d, \"tasks_started\": %zu, "
      "\"rss_bytes_per_node\": %.2f, \"rss_bytes_per_job_node\": %.2f, "
      "\"round_rss_bytes_per_job_node\": %.2f, "
      "\"scheduler_bytes_per_job_node\": %.2f, \"resident_bytes\": %lld, "
      "\"threads\": %u}\n",
      state.tree->size(), jobs, rounds[rounds.size() / 2], rounds.front(),
      repeat, started, static_cast<double>(rss_tree - rss_start) / n,
      static_cast<double>(rss_rows - rss_tree) / (n * jobs),
      static_cast<double>(rss_round - rss_rows) / (n * jobs),
      static_cast<double>(state.scheduler.memory_bytes()) / (n * jobs),
      rss_round, threads);
  return 0;
}

// As the scheduler actor and its policy actor run a round on two threads:
// the plan on a thread of its own (the policy actor's), which hands what it
// parks back in batches (round_input::park_sink), and the caller (the
// scheduler) parks each batch as it comes, until the plan is done.
round_output plan_beside_parking(bench_state& state,
                                 const scheduler_policy& policy,
                                 round_input input, bool own_thread) {
  input.park_batch_size = 16384;
  if (!own_thread) {
    // One thread: each batch is parked at once, between the plan's steps.
    input.park_sink = [&](parked_batch batch) {
      state.scheduler.park_planned(batch);
    };
    return plan_round(policy, std::move(input), state.rng);
  }
  std::mutex mutex;
  std::condition_variable ready;
  std::deque<parked_batch> batches;
  bool done = false;
  input.park_batch_size = 16384;
  input.park_sink = [&](parked_batch batch) {
    std::lock_guard<std::mutex> lock(mutex);
    batches.push_back(std::move(batch));
    ready.notify_one();
  };
  std::optional<round_output> output;
  std::thread planner([&] {
    output.emplace(plan_round(policy, std::move(input), state.rng));
    std::lock_guard<std::mutex> lock(mutex);
    done = true;
    ready.notify_one();
  });
  for (;;) {
    std::unique_lock<std::mutex> lock(mutex);
    ready.wait(lock, [&] { return done || !batches.empty(); });
    if (batches.empty()) break;
    auto batch = std::move(batches.front());
    batches.pop_front();
    lock.unlock();
    state.scheduler.park_planned(batch);
  }
  planner.join();
  return std::move(*output);
}

// Seconds of each phase of one full round as the scheduler actor runs it.
struct round_phases {
  double reset = 0, prepare = 0, plan = 0, commit = 0;
  double total() const { return reset + prepare + plan + commit; }
};

// One full round of `state` (fresh: nothing running) on `threads`, as the
// scheduler actor runs it: reset (+ 100 workers), prepare_round (the
// per-job work, and the policy's ledger copy), plan_round (the policy: on
// one thread alone, or with more threads on one of its own, split by
// subtree over it and the round's helpers, while the caller parks what it
// parked: plan_beside_parking), commit_round.
round_phases scheduler_round(bench_state& state, unsigned threads) {
  const auto& policy = *find_policy(state.cfg->scheduler);
  round_phases p;
  bench::stopwatch reset;
  state.scheduler.reset(state.cfg, state.tree, state.rng);
  for (int w = 0; w < 100; ++w) {
    state.scheduler.add_worker("worker" + std::to_string(w),
                               "wh" + std::to_string(w));
  }
  p.reset = reset.seconds();
  bench::stopwatch prepare;
  auto input = state.scheduler.prepare_round(state.row_ptrs, 1000);
  p.prepare = prepare.seconds();
  bench::stopwatch plan;
  auto output =
      plan_beside_parking(state, policy, std::move(input), threads > 1);
  p.plan = plan.seconds();
  bench::stopwatch commit;
  state.picks =
      state.scheduler.commit_round(std::move(output), state.row_ptrs, 1000);
  p.commit = commit.seconds();
  return p;
}

double scheduler_round_seconds(bench_state& state, unsigned threads) {
  return scheduler_round(state, threads).total();
}

// Full rounds of `state` on 1 thread and on `threads`, in turn
// (scheduler_round). Medians of 3 per phase.
void compare_threads(bench_state& state, unsigned threads) {
  struct phases {
    std::vector<double> reset, prepare, plan, commit, total;
  } one, many;
  for (int r = 0; r < 3; ++r) {
    for (bool on_threads : {false, true}) {
      const unsigned t = on_threads ? threads : 1u;
      auto& p = on_threads ? many : one;
      state.fresh(t);
      const auto round = scheduler_round(state, t);
      p.reset.push_back(round.reset);
      p.prepare.push_back(round.prepare);
      p.plan.push_back(round.plan);
      p.commit.push_back(round.commit);
      p.total.push_back(round.total());
    }
  }
  auto median = [](std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
  };
  std::printf(
      "{\"bench\": \"round_bench\", \"case\": \"threads\", \"nodes\": %zu, "
      "\"jobs\": %zu, \"threads\": %u, \"seconds_1_thread\": %.6f, "
      "\"seconds_threads\": %.6f, \"speedup\": %.3f, \"target_speedup\": "
      "1.6, \"reset_seconds\": [%.6f, %.6f], \"prepare_seconds\": [%.6f, "
      "%.6f], \"plan_seconds\": [%.6f, %.6f], \"commit_seconds\": [%.6f, "
      "%.6f], \"tasks_started\": %zu}\n",
      state.tree->size(), state.rows.size(), threads, median(one.total),
      median(many.total), median(one.total) / median(many.total),
      median(one.reset), median(many.reset), median(one.prepare),
      median(many.prepare), median(one.plan), median(many.plan),
      median(one.commit), median(many.commit), state.picks.size());
}

}  // namespace

int main(int argc, char** argv) {
  bench::require_release_build("round_bench");
  long long nodes = 0;
  int jobs = 10, repeat = 3;
  unsigned threads = 2;
  bool bad = argc % 2 == 0;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--nodes") {
      nodes = std::atoll(argv[i + 1]);
      bad = bad || nodes <= 0;
    } else if (flag == "--jobs") {
      jobs = std::atoi(argv[i + 1]);
    } else if (flag == "--repeat") {
      repeat = std::atoi(argv[i + 1]);
    } else if (flag == "--node-order") {
      order_name = argv[i + 1];
      bad = bad || (order_name != "original" && order_name != "random" &&
                    order_name != "lexicographic");
    } else if (flag == "--threads") {
      const int t = std::atoi(argv[i + 1]);
      bad = bad || t <= 0 || t > 64;
      threads = static_cast<unsigned>(std::max(t, 1));
    } else {
      bad = true;
    }
  }
  if (bad || jobs <= 0 || repeat <= 0) {
    std::fprintf(stderr,
                 "usage: round_bench [--threads T] [--node-order "
                 "original|random|lexicographic] [--nodes N --jobs J "
                 "[--repeat R]]\n");
    return 2;
  }
  if (nodes > 0) return run_scale(nodes, jobs, repeat, threads);
  {
    bench_state small(5, 12000);
    small.scheduler.set_threads(threads);
    double s = small.full_round();
    print("round_300k", s, 0.25, small.picks.size());
  }
  bench_state big(10, 40000);
  big.scheduler.set_threads(threads);
  double s = big.full_round();
  print("round_1m", s, 0.4, big.picks.size());

  // 1,000 tasks finish (done), spread over 1,000 hosts; then one round.
  // Twice: the round in place (run_round), then as prepare -> plan ->
  // commit with the policy's own ledger copy, as a policy actor would.
  auto pick_finishing = [](const std::vector<task_pick>& from) {
    std::vector<task_pick> out;
    for (std::size_t i = 0; i < from.size() && out.size() < 1000;
         i += std::max<std::size_t>(1, from.size() / 1000)) {
      out.push_back(from[i]);
    }
    return out;
  };
  auto finish_all = [&](const std::vector<task_pick>& finishing,
                        std::int64_t now) {
    parsed_status done;
    done.label = status_label::done;
    bench::stopwatch watch;
    for (const auto& p : finishing) {
      big.rows[p.job]->apply(p.node, done, now, big.cfg->jobs[p.job].backoff);
      big.scheduler.task_finished(p.job, p.node);
    }
    return watch.seconds();
  };
  const auto& policy = *find_policy(big.cfg->scheduler);
  double finish_s = finish_all(pick_finishing(big.picks), 2000);
  bench::stopwatch in_place;
  auto next = big.scheduler.run_round(policy, big.row_ptrs, 2000, big.rng);
  double round_s = in_place.seconds();

  double finish2_s = finish_all(pick_finishing(next), 3000);
  bench::stopwatch copied;
  auto input = big.scheduler.prepare_round(big.row_ptrs, 3000);
  auto output = plan_round(policy, std::move(input), big.rng);
  auto next2 =
      big.scheduler.commit_round(std::move(output), big.row_ptrs, 3000);
  double copied_s = copied.seconds();
  std::printf(
      "{\"bench\": \"round_bench\", \"case\": \"incremental\", "
      "\"seconds\": %.6f, \"target_round_seconds\": 0.002, \"tasks_started\": "
      "%zu, \"round_in_place_seconds\": %.6f, \"finish_1000_seconds\": "
      "%.6f, \"round_with_ledger_copy_seconds\": %.6f, "
      "\"copy_round_tasks_started\": %zu, \"copy_round_finish_seconds\": "
      "%.6f, \"threads\": %u}\n",
      round_s + finish_s, next.size(), round_s, finish_s, copied_s,
      next2.size(), finish2_s, threads);

  // ROUND_BENCH_REPEAT=N: N more incremental rounds of each kind, for
  // profilers and noisy machines; prints the median of each.
  if (const char* env = std::getenv("ROUND_BENCH_REPEAT")) {
    const int repeat = std::max(1, std::atoi(env));
    std::vector<double> in_place_s, copy_s;
    std::int64_t now = 4000;
    auto last = next2;
    for (int r = 0; r < repeat; ++r, now += 1000) {
      finish_all(pick_finishing(last), now);
      bench::stopwatch a;
      last = big.scheduler.run_round(policy, big.row_ptrs, now, big.rng);
      in_place_s.push_back(a.seconds());
      now += 1000;
      finish_all(pick_finishing(last), now);
      bench::stopwatch b;
      auto in = big.scheduler.prepare_round(big.row_ptrs, now);
      auto out = plan_round(policy, std::move(in), big.rng);
      last = big.scheduler.commit_round(std::move(out), big.row_ptrs, now);
      copy_s.push_back(b.seconds());
    }
    auto median = [](std::vector<double> v) {
      std::sort(v.begin(), v.end());
      return v[v.size() / 2];
    };
    std::printf(
        "{\"bench\": \"round_bench\", \"case\": \"incremental_repeat\", "
        "\"rounds\": %d, \"median_in_place_seconds\": %.6f, "
        "\"median_with_ledger_copy_seconds\": %.6f, \"last_started\": %zu}\n",
        repeat, median(in_place_s), median(copy_s), last.size());
  }

  const double pairs = 10.0 * static_cast<double>(big.tree->size());
  std::printf(
      "{\"bench\": \"round_bench\", \"case\": \"bytes\", "
      "\"scheduler_bytes_per_job_node\": %.2f, "
      "\"status_bytes_per_job_node\": %.2f, \"resident_bytes\": %lld}\n",
      static_cast<double>(big.scheduler.memory_bytes()) / pairs,
      static_cast<double>(big.rows[0]->memory_bytes()) /
          static_cast<double>(big.tree->size()),
      bench::resident_bytes());
  // Last: its six more full rounds would leave the heap of the cases above
  // in another state.
  compare_threads(big, threads);
  return 0;
}
