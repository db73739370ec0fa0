// A big round planned by subtree on several threads (subtree_plan.hpp):
// which rounds split, that each part is planned on its own, that no limit
// is passed where the parts race (the instance, the workers), that every
// candidate is started, parked or left exactly once, and that rounds after
// it run every task. Also the parts it stands on: the ledger's shared
// take, the running tasks' table and the pool's turns.
#include "actors/rounds/subtree_plan.hpp"

#include <algorithm>
#include <atomic>
#include <catch2/catch.hpp>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "actors/policies/round_robin_policy.hpp"
#include "actors/rounds/running_charges.hpp"
#include "tests/support/scheduler_fixtures.hpp"

using namespace bistro;
using namespace bistro::testing;

namespace {

// `hosts` hosts of `dbs` dbs each: host0{host0.db0, ...}, ...
std::vector<node_spec> wide_nodes(int hosts, int dbs) {
  std::vector<node_spec> nodes;
  for (int h = 0; h < hosts; ++h) {
    const std::string host = "host" + std::to_string(h);
    nodes.push_back({host, ""});
    for (int d = 0; d < dbs; ++d)
      nodes.push_back({host + ".db" + std::to_string(d), host});
  }
  return nodes;
}

std::string jobs(int n) {
  std::string out;
  for (int j = 0; j < n; ++j)
    out += (j ? ", " : "") + job("job" + std::to_string(j));
  return out;
}

// Host limit 2 and db limit 1 (the fixture's), plus `instance` slots in
// all and `per_worker` slots on each worker.
std::shared_ptr<const config> limited_config(int num_jobs, int instance,
                                             int per_worker) {
  return make_config(
      bistro_settings(
          "", R"("instance": {"instance_slots": {"limit": )" +
                  std::to_string(instance) +
                  R"(, "default": 1}}, "worker": {"worker_slots": {"limit": )" +
                  std::to_string(per_worker) + R"(, "default": 1}})"),
      jobs(num_jobs));
}

// Round robin, recording what each `schedule` call was given.
class recording_round_robin final : public scheduler_policy {
 public:
  std::size_t schedule(std::vector<job_candidates>& jobs, task_placer& placer,
                       std::mt19937_64& rng) const override {
    std::set<node_id> nodes;
    for (const auto& job : jobs)
      nodes.insert(job.nodes.begin(), job.nodes.end());
    {
      std::lock_guard lock(mutex_);
      calls_.push_back(std::move(nodes));
    }
    return inner_.schedule(jobs, placer, rng);
  }
  bool plans_by_subtree() const override { return true; }
  std::vector<std::set<node_id>> calls() const {
    std::lock_guard lock(mutex_);
    return calls_;
  }

 private:
  round_robin_policy inner_;
  mutable std::mutex mutex_;
  mutable std::vector<std::set<node_id>> calls_;
};

// A harness on 2 threads whose rounds split however small they are.
struct split_harness : scheduler_harness {
  split_harness(std::shared_ptr<const config> c, int hosts, int dbs,
                int workers = 2)
      : scheduler_harness(c, make_tree(*c, wide_nodes(hosts, dbs)),
                          worker_list(workers)) {
    scheduler.set_threads(2);
  }
  static std::vector<std::pair<std::string, std::string>> worker_list(int n) {
    std::vector<std::pair<std::string, std::string>> out;
    for (int w = 0; w < n; ++w)
      out.push_back({"w" + std::to_string(w), "wh" + std::to_string(w)});
    return out;
  }

  round_input prepare(std::int64_t now_ms = 1000) {
    auto input = scheduler.prepare_round(rows(), now_ms);
    input.min_split_candidates = 0;
    return input;
  }
  // One round through prepare, plan and commit, parks streamed in batches
  // of 3 from the plan's threads and parked after it, as the scheduler
  // actor does.
  std::vector<task_pick> split_round(const scheduler_policy& policy,
                                     std::int64_t now_ms = 1000) {
    auto input = prepare(now_ms);
    if (splits_by_subtree(policy, input)) ++split_rounds;
    std::mutex mutex;
    std::vector<parked_batch> batches;
    input.park_batch_size = 3;
    input.park_sink = [&](parked_batch batch) {
      std::lock_guard lock(mutex);
      batches.push_back(std::move(batch));
    };
    auto output = plan_round(policy, std::move(input), rng);
    for (const auto& batch : batches) scheduler.park_planned(batch);
    last_picks = scheduler.commit_round(std::move(output), rows(), now_ms);
    return last_picks;
  }
  int split_rounds = 0;
};

std::size_t count_candidates(const round_input& input) {
  std::size_t n = 0;
  for (const auto& job : input.jobs) n += job.nodes.size();
  return n;
}

}  // namespace

TEST_CASE("Only a big round of a policy that plans by subtree splits") {
  auto cfg = limited_config(3, 1000, 1000);
  split_harness h(cfg, 8, 4);
  round_robin_policy round_robin;
  const auto* ranked = find_policy("ranked_priority");
  REQUIRE(ranked != nullptr);

  auto input = h.prepare();
  REQUIRE(count_candidates(input) == 3 * 8 * 4);
  CHECK(splits_by_subtree(round_robin, input));
  CHECK_FALSE(splits_by_subtree(*ranked, input));  // a global order
  input.min_split_candidates = count_candidates(input) + 1;
  CHECK_FALSE(splits_by_subtree(round_robin, input));  // too small
  input.min_split_candidates = 0;
  auto one_thread = std::make_shared<round_threads>(1);
  std::swap(input.plan_threads, one_thread);
  CHECK_FALSE(splits_by_subtree(round_robin, input));
  std::swap(input.plan_threads, one_thread);

  SECTION("nor a tree with replicas, whose chains cross parts") {
    auto tree = make_tree(*cfg, {{"host1", ""},
                                 {"db1", "host1"},
                                 {"host2", ""},
                                 {"db1", "host2"},
                                 {"db2", "host2"}});
    scheduler_harness r(cfg, tree);
    r.scheduler.set_threads(2);
    auto replicated = r.scheduler.prepare_round(r.rows(), 1000);
    replicated.min_split_candidates = 0;
    CHECK_FALSE(splits_by_subtree(round_robin, replicated));
  }
}

TEST_CASE("A split round plans each part of the tree on its own") {
  auto cfg = limited_config(3, 1000, 1000);
  split_harness h(cfg, 16, 3);
  recording_round_robin policy;
  h.split_round(policy);
  const auto calls = policy.calls();
  // Two threads, a few parts each: one schedule per part.
  REQUIRE(calls.size() == 2 * subtree_parts_per_thread);
  std::set<node_id> seen;
  std::set<int> first_hosts;
  for (const auto& nodes : calls) {
    REQUIRE_FALSE(nodes.empty());
    std::set<int> hosts;  // by number: hostK
    for (node_id n : nodes) {
      CHECK(seen.insert(n).second);  // in one part only
      hosts.insert(
          std::stoi(std::string{h.tree->name(h.tree->parent(n)).substr(4)}));
    }
    // Each part is a run of 2 whole hosts: host 2k and host 2k + 1.
    REQUIRE(hosts.size() == 2);
    CHECK(*hosts.begin() % 2 == 0);
    CHECK(*hosts.rbegin() == *hosts.begin() + 1);
    CHECK(nodes.size() == 2 * 3);
    first_hosts.insert(*hosts.begin());
  }
  CHECK(first_hosts.size() == 8);
  CHECK(seen.size() == 16 * 3);
}

TEST_CASE("A split round passes no limit where its parts race") {
  // 40 hosts x 5 dbs, 4 jobs: the host slots (2 each) would take 80 tasks.
  // The parts race for the instance's and the workers' slots; whichever
  // binds, the round starts exactly that many, and no more on any slot.
  struct shape {
    int instance, workers, per_worker, expected;
  };
  for (const auto& s :
       {shape{1000, 3, 9, 27}, shape{23, 3, 9, 23}, shape{1000, 4, 1000, 80}}) {
    INFO("instance " << s.instance << ", " << s.workers << " workers of "
                     << s.per_worker);
    auto cfg = limited_config(4, s.instance, s.per_worker);
    split_harness h(cfg, 40, 5, s.workers);
    round_robin_policy policy;
    auto input = h.prepare();
    const std::size_t offered = count_candidates(input);
    std::map<std::pair<job_index, node_id>, int> seen;
    for (const auto& job : input.jobs)
      for (node_id n : job.nodes) seen[{job.job, n}] = 0;
    REQUIRE(splits_by_subtree(policy, input));
    auto output = plan_round(policy, std::move(input), h.rng);

    CHECK(output.parts == 2 * subtree_parts_per_thread);
    CHECK(output.picks.size() == static_cast<std::size_t>(s.expected));
    std::map<node_id, int> per_host, per_db;
    std::map<worker_index, int> per_worker;
    for (const auto& p : output.picks) {
      ++seen[{p.job, p.node}];
      ++per_db[p.node];
      ++per_host[h.tree->parent(p.node)];
      ++per_worker[p.worker];
      CHECK(p.chain == p.node);
    }
    for (const auto& [n, k] : per_db) CHECK(k <= 1);
    for (const auto& [n, k] : per_host) CHECK(k <= 2);
    for (const auto& [w, k] : per_worker) CHECK(k <= s.per_worker);
    // Every candidate once: started, parked (on its db or host), or left
    // for the next round by a job that stalled.
    for (const auto& p : output.parked) {
      ++seen[{p.job, p.node}];
      CHECK((p.key == p.node || p.key == h.tree->parent(p.node)));
    }
    for (const auto& job : output.jobs)
      for (node_id n : job.nodes) ++seen[{job.job, n}];
    CHECK(seen.size() == offered);
    CHECK(std::all_of(seen.begin(), seen.end(),
                      [](const auto& e) { return e.second == 1; }));
    // The ledger that comes back holds exactly the picks.
    const auto instance_slots = *cfg->find_resource("instance_slots");
    CHECK(output.ledger.free_on_node(0, instance_slots) ==
          s.instance - s.expected);
    const auto worker_slots = *cfg->find_resource("worker_slots");
    for (worker_index w = 0; w < static_cast<worker_index>(s.workers); ++w)
      CHECK(output.ledger.free_on_worker(w, worker_slots) ==
            s.per_worker - per_worker[w]);
  }
}

TEST_CASE("Split rounds, round after round, run every task once") {
  // Parks streamed from the plan's threads must land on their wait lists:
  // a task parked and never woken would never run.
  auto cfg = limited_config(3, 7, 2);
  split_harness h(cfg, 12, 4, 3);
  round_robin_policy policy;
  std::map<std::pair<std::string, std::string>, int> runs;
  for (int round = 0; round < 200 && runs.size() < 3 * 12 * 4; ++round) {
    auto picks = h.split_round(policy, 1000 + round);
    REQUIRE_FALSE(picks.empty());
    CHECK(picks.size() <= 6);  // 3 workers x 2; the instance's 7
    for (const auto& p : picks) {
      const std::string job = cfg->jobs[p.job].name;
      const std::string node{h.tree->name(p.node)};
      ++runs[{job, node}];
      h.finish(job, node, status_label::done, 1000 + round);
    }
  }
  CHECK(runs.size() == 3 * 12 * 4);
  CHECK(std::all_of(runs.begin(), runs.end(),
                    [](const auto& e) { return e.second == 1; }));
  CHECK(h.scheduler.num_running() == 0);
  CHECK(h.split_rounds > 20);  // all but the last few, which have 1 part
}

TEST_CASE("Split rounds over random shapes pass no limit and run every task") {
  // Random trees, limits, workers and host placements; each round ends a
  // random part of what runs, so the ledger carries load from round to
  // round. After each round what runs must fit every limit, and in the end
  // every (job, db) has run exactly once.
  for (std::uint64_t seed = 1; seed <= 40; ++seed) {
    std::mt19937_64 gen(seed);
    auto pick = [&](int n) {
      return static_cast<int>(gen() % static_cast<std::uint64_t>(n));
    };
    const int hosts = 2 + pick(20), dbs = 1 + pick(5), num_jobs = 1 + pick(4);
    const int num_workers = 1 + pick(4), instance = 1 + pick(30);
    const int per_worker = 1 + pick(6), host_limit = 1 + pick(3);
    std::string jobs_text;
    std::map<std::string, int> placed;  // job -> its worker
    for (int j = 0; j < num_jobs; ++j) {
      const std::string name = "job" + std::to_string(j);
      std::string body;
      if (pick(3) == 0) {
        placed[name] = pick(num_workers);
        body = R"("host_placement": "wh)" + std::to_string(placed[name]) + "\"";
      }
      jobs_text += (j ? ", " : "") + job(name, body);
    }
    std::string settings = bistro_settings(
        "", R"("instance": {"instance_slots": {"limit": )" +
                std::to_string(instance) +
                R"(, "default": 1}}, "worker": {"worker_slots": {"limit": )" +
                std::to_string(per_worker) + R"(, "default": 1}})");
    settings.replace(settings.find("\"limit\": 2"), 10,
                     "\"limit\": " + std::to_string(host_limit));
    auto cfg = make_config(settings, jobs_text);
    INFO("seed " << seed << ": " << hosts << " hosts x " << dbs << " dbs, "
                 << num_jobs << " jobs, " << num_workers << " workers of "
                 << per_worker << ", instance " << instance << ", host limit "
                 << host_limit);
    split_harness h(cfg, hosts, dbs, num_workers);
    round_robin_policy policy;
    std::vector<task_pick> running;
    std::map<std::pair<job_index, node_id>, int> runs;
    for (int round = 0;
         round < 3000 &&
         runs.size() < static_cast<std::size_t>(num_jobs * hosts * dbs);
         ++round) {
      const std::int64_t now = 1000 + round;
      for (const auto& p : h.split_round(policy, now)) {
        ++runs[{p.job, p.node}];
        running.push_back(p);
        const auto it = placed.find(cfg->jobs[p.job].name);
        if (it != placed.end())
          CHECK(h.scheduler.workers().host(p.worker) ==
                "wh" + std::to_string(it->second));
      }
      std::map<node_id, int> per_db, per_host;
      std::map<worker_index, int> on_worker;
      for (const auto& p : running) {
        ++per_db[p.node];
        ++per_host[h.tree->parent(p.node)];
        ++on_worker[p.worker];
      }
      CHECK(running.size() <= static_cast<std::size_t>(instance));
      for (const auto& [n, k] : per_db) CHECK(k <= 1);
      for (const auto& [n, k] : per_host) CHECK(k <= host_limit);
      for (const auto& [w, k] : on_worker) CHECK(k <= per_worker);
      // End some of what runs (at least one), done.
      std::vector<task_pick> still;
      for (std::size_t i = 0; i < running.size(); ++i) {
        if (i > 0 && pick(2) == 0) {
          still.push_back(running[i]);
          continue;
        }
        h.finish(cfg->jobs[running[i].job].name,
                 std::string{h.tree->name(running[i].node)}, status_label::done,
                 now);
      }
      running = std::move(still);
    }
    CHECK(runs.size() == static_cast<std::size_t>(num_jobs * hosts * dbs));
    CHECK(std::all_of(runs.begin(), runs.end(),
                      [](const auto& e) { return e.second == 1; }));
    CHECK(h.split_rounds > 0);
  }
}

TEST_CASE("A shared take takes the instance and the worker, both or neither") {
  auto cfg = limited_config(1, 2, 1);
  auto tree = make_tree(*cfg, wide_nodes(2, 2));
  auto slots = std::make_shared<const level_slots>(tree);
  resource_ledger ledger(cfg, slots);
  const worker_index w0 = ledger.add_worker("w0");
  const worker_index w1 = ledger.add_worker("w1");
  const auto demand = job_demand::of(*cfg, cfg->jobs[0]);
  const auto instance = *cfg->find_resource("instance_slots");
  const auto worker = *cfg->find_resource("worker_slots");
  const auto db = *cfg->find_resource("db_concurrency");
  std::vector<std::uint32_t> journal;
  using take = resource_ledger::shared_take;

  CHECK(ledger.take_shared(demand, *tree->find("host0.db0"), w0, journal) ==
        take::taken);
  CHECK(ledger.free_on_node(*tree->find("host0.db0"), db) == 0);
  CHECK_FALSE(journal.empty());
  // w0 is full: the instance keeps its slot.
  CHECK(ledger.take_shared(demand, *tree->find("host1.db0"), w0, journal) ==
        take::worker_full);
  CHECK(ledger.free_on_node(0, instance) == 1);
  CHECK(ledger.free_on_node(*tree->find("host1.db0"), db) == 1);
  CHECK(ledger.take_shared(demand, *tree->find("host1.db0"), w1, journal) ==
        take::taken);
  // The instance is full: w1 would have room after a refund, w0 has none.
  ledger.give_back(demand, *tree->find("host0.db0"), w0);
  ledger.take(demand, *tree->find("host0.db0"), no_worker);
  CHECK(ledger.free_on_node(0, instance) == 0);
  CHECK(ledger.take_shared(demand, *tree->find("host1.db1"), w0, journal) ==
        take::instance_full);
  CHECK(ledger.free_on_worker(w0, worker) == 1);
  CHECK_FALSE(ledger.instance_fits_shared(demand));
  CHECK(ledger.worker_fits_shared(demand, w0));
  CHECK_FALSE(ledger.worker_fits_shared(demand, w1));
  CHECK(ledger.first_blocking_below_instance(
            demand, *tree->find("host1.db1")) == no_node);
  CHECK(ledger.first_blocking(demand, *tree->find("host1.db1")) == 0);
}

TEST_CASE("Shared takes from many threads never pass a limit") {
  auto cfg = limited_config(1, 500, 100);
  auto tree = make_tree(*cfg, wide_nodes(400, 2));
  auto slots = std::make_shared<const level_slots>(tree);
  resource_ledger ledger(cfg, slots);
  for (int w = 0; w < 4; ++w) ledger.add_worker("w" + std::to_string(w));
  const auto demand = job_demand::of(*cfg, cfg->jobs[0]);
  std::atomic<int> taken{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      std::vector<std::uint32_t> journal;
      // Each thread its own hosts (the rows below the instance are per
      // part); all of them every worker.
      for (int h = t; h < 400; h += 4) {
        const auto db = *tree->find("host" + std::to_string(h) + ".db0");
        for (worker_index w = 0; w < 4; ++w) {
          if (ledger.take_shared(demand, db, w, journal) ==
              resource_ledger::shared_take::taken) {
            ++taken;
            break;
          }
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  // 400 candidates, 4 workers x 100 = 400, but the instance has 500... and
  // the workers bind first.
  CHECK(taken == 400);
  CHECK_FALSE(ledger.any_negative());
  const auto worker_slots = *cfg->find_resource("worker_slots");
  for (worker_index w = 0; w < 4; ++w)
    CHECK(ledger.free_on_worker(w, worker_slots) == 0);
  CHECK(ledger.free_on_node(0, *cfg->find_resource("instance_slots")) == 100);
}

TEST_CASE("The running tasks' table agrees with a map through any history") {
  running_charges table;
  std::map<std::pair<job_index, node_id>, running_charges::charge> model;
  std::mt19937_64 gen(7);
  for (int step = 0; step < 200000; ++step) {
    // Few distinct keys, many collisions and erasures.
    const auto job = static_cast<job_index>(gen() % 5);
    const auto node = static_cast<node_id>(gen() % 3000);
    switch (gen() % 3) {
      case 0: {
        running_charges::charge c{static_cast<node_id>(step),
                                  static_cast<worker_index>(step % 7)};
        table.set(job, node, c);
        model[{job, node}] = c;
        break;
      }
      case 1:
        CHECK(table.erase(job, node) == (model.erase({job, node}) == 1));
        break;
      default: {
        const auto* found = table.find(job, node);
        auto it = model.find({job, node});
        REQUIRE((found != nullptr) == (it != model.end()));
        if (found) CHECK(found->chain == it->second.chain);
      }
    }
    REQUIRE(table.size() == model.size());
  }
  std::size_t visited = 0;
  table.for_each(
      [&](job_index job, node_id node, const running_charges::charge& c) {
        ++visited;
        auto it = model.find({job, node});
        REQUIRE(it != model.end());
        CHECK(it->second.worker == c.worker);
      });
  CHECK(visited == model.size());
  table.clear();
  CHECK(table.size() == 0);
  CHECK_FALSE(table.contains(0, 0));
}

TEST_CASE("round_threads callers from two threads take turns") {
  round_threads pool(2);
  std::vector<std::atomic<int>> runs(2 * 500);
  std::atomic<int> inside{0};
  std::atomic<bool> overlapped{false};
  auto caller = [&](int which) {
    for (int call = 0; call < 50; ++call) {
      pool.for_each(10, [&](std::size_t i) {
        // One call's items at a time: a second caller waits its turn.
        if (inside.fetch_add(1) > 1) overlapped = true;
        ++runs[static_cast<std::size_t>(which * 500 + call * 10) + i];
        inside.fetch_sub(1);
      });
    }
  };
  std::thread a(caller, 0), b(caller, 1);
  a.join();
  b.join();
  CHECK_FALSE(overlapped);
  CHECK(std::all_of(runs.begin(), runs.end(),
                    [](const auto& r) { return r.load() == 1; }));
}
