// One contract, every registered policy, random configs (fixed seeds):
// - no ledger entry is below zero after a round's picks;
// - every pick is a candidate (checked against a brute-force reading of
//   the rules, not the scheduler's own bookkeeping);
// - a round that has a candidate which fits (chain and a worker) starts at
//   least one task.
// Several rounds per config, with random tasks finishing in between, so
// that incremental wake-ups are exercised too.
#include <catch2/catch.hpp>
#include <random>

#include "actors/policies/builtin_policies.hpp"
#include "tests/support/scheduler_fixtures.hpp"

using namespace bistro;
using namespace bistro::testing;

namespace {

// Joins pieces; GCC 12 warns falsely (-Wrestrict) on `"lit" + to_string()`.
std::string cat(std::initializer_list<std::string> parts) {
  std::string out;
  for (const auto& p : parts) out.append(p);
  return out;
}

std::string num(std::uint64_t v) { return std::to_string(v); }

std::string random_config_jobs(std::mt19937_64& rng, int num_jobs) {
  std::string jobs;
  for (int j = 0; j < num_jobs; ++j) {
    std::string body =
        cat({"\"priority\": ", num(rng() % 5),
             ", \"resources\": {\"db_concurrency\": ", num(rng() % 2),
             ", \"host_concurrency\": ", num(rng() % 3),
             ", \"worker_slots\": ", num(rng() % 2), "}"});
    if (rng() % 3 == 0) {
      body += cat({R"(, "filters": {"db": {"blacklist_regex": ")",
                   num(rng() % 4), "\"}}"});
    }
    if (rng() % 4 == 0) body += R"(, "level_for_host_placement": "host")";
    if (j > 0 && rng() % 4 == 0) {
      body += cat({", \"depends_on\": [\"j", num(rng() % j), "\"]"});
    }
    if (!jobs.empty()) jobs += ", ";
    jobs += job(cat({"j", num(j)}), body);
  }
  return jobs;
}

// The rules, straight from the config: job runnable, node on its level,
// enabled chain passing filters, status runnable, dependencies done.
bool is_candidate(scheduler_harness& h, job_index j, node_id n,
                  std::int64_t now) {
  const auto& jc = h.cfg->jobs[j];
  const auto& tree = *h.tree;
  if (!jc.runnable() || tree.level(n) != jc.level_for_tasks) return false;
  for (node_id a = n; a != no_node; a = tree.parent(a)) {
    if (!tree.enabled(a)) return false;
    const auto& f = jc.filters[tree.level(a)];
    if (!f.passes(jc.name, tree.name(a),
                  [&](std::string_view t) { return tree.has_tag(a, t); }))
      return false;
  }
  if (!h.statuses[j]->runnable_at(n, now)) return false;
  for (const auto& dep : jc.depends_on) {
    const auto* d = h.cfg->find_job(dep);
    if (!d) return false;
    if (h.statuses[d - h.cfg->jobs.data()]->label(n) != status_label::done)
      return false;
  }
  return true;
}

// Whether some candidate fits the live ledger, chain and a worker.
bool something_fits(scheduler_harness& h, std::int64_t now) {
  const auto& ctx = h.scheduler.context();
  for (job_index j = 0; j < h.cfg->jobs.size(); ++j) {
    const auto& demand = (*ctx.demands)[j];
    for (node_id n : h.tree->nodes_at_level(h.cfg->jobs[j].level_for_tasks)) {
      if (!is_candidate(h, j, n, now)) continue;
      if (h.scheduler.ledger().first_blocking(demand, n) != no_node) continue;
      std::string_view host;
      if (h.cfg->jobs[j].level_for_host_placement) {
        node_id a = ctx.slots->ancestor_at(n, 1);
        host = h.tree->name(a);
      }
      for (worker_index w = 0; w < h.scheduler.workers().size(); ++w) {
        if (!host.empty() && h.scheduler.workers().host(w) != host) continue;
        if (h.scheduler.workers().serves(j, w) &&
            h.scheduler.ledger().worker_fits(demand, w))
          return true;
      }
    }
  }
  return false;
}

}  // namespace

TEST_CASE("Every policy keeps the ledger, the candidates and progress right") {
  int rounds_with_room = 0, picks_made = 0;
  for (const auto& builtin : builtin_policies()) {
    const std::string policy{builtin.name};
    for (std::uint64_t seed = 1; seed <= 12; ++seed) {
      std::mt19937_64 gen(seed);
      auto cfg = make_config(
          bistro_settings(
              cat({"\"scheduler\": \"", policy, "\""}),
              R"("worker": {"worker_slots": {"limit": 2, "default": 1}})"),
          random_config_jobs(gen, 1 + static_cast<int>(gen() % 4)));
      std::vector<node_spec> nodes;
      for (int host = 0; host < 3; ++host) {
        std::string hname = cat({"h", num(host)});
        nodes.push_back({hname, "", gen() % 6 != 0});
        for (int db = 0; db < 4; ++db) {
          nodes.push_back(
              {cat({"d", num(host), num(db)}), hname, gen() % 8 != 0});
        }
      }
      scheduler_harness h(cfg, make_tree(*cfg, nodes),
                          {{"w0", "h0"}, {"w1", "h1"}, {"w2", "x"}}, seed);
      std::vector<task_pick> running;
      for (std::int64_t round = 0; round < 8; ++round) {
        const std::int64_t now = 1000 + round * 100000;
        INFO("policy " << policy << " seed " << seed << " round " << round);
        // Judge candidates as the statuses stand before the round.
        bool fits = something_fits(h, now);
        std::vector<bool> was_candidate;
        for (job_index j = 0; j < cfg->jobs.size(); ++j)
          for (node_id n = 0; n < h.tree->size(); ++n)
            was_candidate.push_back(is_candidate(h, j, n, now));
        auto started = h.round(now);
        CHECK_FALSE(h.scheduler.ledger().any_negative());
        for (const auto& pick : h.last_picks) {
          CHECK(was_candidate[pick.job * h.tree->size() + pick.node]);
          running.push_back(pick);
        }
        if (fits) CHECK_FALSE(started.empty());
        rounds_with_room += fits;
        picks_made += static_cast<int>(started.size());
        // Finish about half of what runs, with mixed outcomes.
        for (std::size_t i = 0; i < running.size();) {
          if (gen() % 2) {
            ++i;
            continue;
          }
          static const status_label ends[] = {status_label::done,
                                              status_label::incomplete,
                                              status_label::error_backoff};
          h.finish(cfg->jobs[running[i].job].name,
                   std::string{h.tree->name(running[i].node)}, ends[gen() % 3],
                   now + 50);
          running.erase(running.begin() + static_cast<std::ptrdiff_t>(i));
        }
      }
    }
  }
  // The property must not hold vacuously.
  CHECK(rounds_with_room > 100);
  CHECK(picks_made > 300);
}
