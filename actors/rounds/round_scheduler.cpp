#include "actors/rounds/round_scheduler.hpp"

#include <algorithm>
#include <string>

namespace bistro {

namespace {

struct running_by_name {
  std::string job, node, chain_parent;
  worker_index worker;
};

}  // namespace

void round_scheduler::set_threads(unsigned threads,
                                  std::size_t min_parallel_work) {
  min_parallel_work_ = min_parallel_work;
  if (threads != threads_->size()) {
    threads_ = std::make_shared<round_threads>(threads);
  }
}

void round_scheduler::reset(std::shared_ptr<const config> cfg,
                            std::shared_ptr<const node_tree> tree,
                            std::mt19937_64& rng) {
  // Running tasks outlive the indexes: carry them over by name.
  std::vector<running_by_name> carried;
  running_.for_each(
      [&](job_index job, node_id node, const running_charges::charge& task) {
        const auto& t = slots_->tree();
        node_id parent = t.parent(task.chain);
        carried.push_back({cfg_->jobs[job].name, std::string{t.name(node)},
                           std::string{parent == no_node ? "" : t.name(parent)},
                           task.worker});
      });
  running_.clear();

  cfg_ = std::move(cfg);
  slots_ = std::make_shared<const level_slots>(tree);
  eligibility_ =
      std::make_shared<const task_eligibility>(*cfg_, *tree, threads_.get());
  auto demands = std::make_shared<std::vector<job_demand>>();
  for (const auto& job : cfg_->jobs) {
    demands->push_back(job_demand::of(*cfg_, job));
  }
  demands_ = std::move(demands);
  roster_.reconfigure(cfg_);
  ledger_.emplace(cfg_, slots_);
  spare_ledger_.reset();
  for (worker_index w = 0; w < roster_.size(); ++w) {
    ledger_->add_worker(roster_.shard(w), roster_.host(w), roster_.port(w),
                        roster_.physical(w));
  }
  tracker_.reset(*cfg_, slots_, threads_.get());
  refresh_context();

  const std::size_t num_jobs = cfg_->jobs.size();
  depends_on_.assign(num_jobs, {});
  dependents_.assign(num_jobs, {});
  blocked_job_.assign(num_jobs, 0);
  for (job_index j = 0; j < num_jobs; ++j) {
    for (const auto& name : cfg_->jobs[j].depends_on) {
      const job_config* dep = cfg_->find_job(name);
      if (!dep) {
        blocked_job_[j] = 1;
        continue;
      }
      auto d = static_cast<job_index>(dep - cfg_->jobs.data());
      depends_on_[j].push_back(d);
      dependents_[d].push_back(j);
    }
  }

  // The order in which a job's tasks are first offered (node_order).
  // `random` shuffles runs of 256 neighbouring nodes, not single nodes:
  // every part of the tree still gets an equal chance to go first, and a
  // round over a million nodes walks memory in order instead of missing the
  // cache on every node (about 8x faster).
  auto orders = std::make_shared<std::vector<std::vector<node_id>>>(
      static_cast<std::size_t>(tree->num_levels()));
  if (cfg_->order != node_order::original) {
    for (const auto& job : cfg_->jobs) {
      auto& order = (*orders)[job.level_for_tasks];
      if (!job.runnable() || !order.empty()) continue;
      for (std::uint32_t s = 0; s < slots_->count(job.level_for_tasks); ++s) {
        order.push_back(slots_->node_at(job.level_for_tasks, s));
      }
      if (cfg_->order == node_order::random) {
        constexpr std::size_t run = 256;
        std::vector<std::uint32_t> runs((order.size() + run - 1) / run);
        for (std::uint32_t r = 0; r < runs.size(); ++r) runs[r] = r;
        std::shuffle(runs.begin(), runs.end(), rng);
        std::vector<node_id> shuffled;
        shuffled.reserve(order.size());
        for (auto r : runs) {
          auto first = order.begin() + static_cast<std::ptrdiff_t>(r * run);
          auto last = r * run + run >= order.size()
                          ? order.end()
                          : first + static_cast<std::ptrdiff_t>(run);
          shuffled.insert(shuffled.end(), first, last);
        }
        order = std::move(shuffled);
      } else {
        std::sort(order.begin(), order.end(), [&](node_id a, node_id b) {
          return tree->name(a) < tree->name(b);
        });
      }
    }
  }
  // Each job's half of the round (job_round_side).
  sides_.resize(num_jobs);
  side_facts_ = {slots_, eligibility_, std::move(orders)};
  for (job_index j = 0; j < num_jobs; ++j)
    sides_[j].reset(j, cfg_->jobs[j], side_facts_, depends_on_[j].size(),
                    blocked_job_[j] != 0);

  for (const auto& task : carried) {
    const job_config* job = cfg_->find_job(task.job);
    auto node = tree->find(task.node);
    if (!job || !node) continue;  // an orphan: nothing of it to charge here
    node_id chain = *node;
    for (node_id copy : slots_->copies(*node)) {
      node_id parent = tree->parent(copy);
      if (parent != no_node && tree->name(parent) == task.chain_parent) {
        chain = copy;
      }
    }
    charge_running(static_cast<job_index>(job - cfg_->jobs.data()), *node,
                   chain, task.worker);
  }
  freed_ancestors_.clear();
  recheck_.clear();
  deferred_wakes_.clear();
  ++generation_;
  scan_pending_ = true;
}

std::vector<std::int32_t> round_scheduler::worker_limits(worker_index w) const {
  return ledger_->worker_limits(roster_.shard(w), roster_.host(w),
                                roster_.port(w), roster_.physical(w));
}

void round_scheduler::refresh_context() {
  context_ = std::make_shared<const placement_context>(
      placement_context{cfg_, slots_, eligibility_, demands_,
                        std::make_shared<const worker_roster>(roster_)});
}

worker_index round_scheduler::add_worker(std::string_view shard,
                                         std::string_view host,
                                         std::int32_t port,
                                         const worker_physical* physical) {
  worker_index w = roster_.add(shard, host, port);
  if (w == ledger_->num_workers()) {
    if (physical) roster_.set_physical(w, *physical);
    ledger_->add_worker(shard, host, port, roster_.physical(w));
  } else if (physical && *physical != roster_.physical(w)) {
    ledger_->relimit_worker(w, roster_.shard(w), roster_.host(w),
                            roster_.port(w), roster_.physical(w), *physical);
    roster_.set_physical(w, *physical);
  }
  refresh_context();
  // New capacity: whatever waited for a worker by name or in its groups.
  wake(ledger_placer::unplaced_key(*slots_));
  for (auto g : roster_.groups_of(w)) {
    wake(ledger_placer::group_key(*slots_, g));
  }
  return w;
}

void round_scheduler::remove_worker(worker_index w) {
  roster_.set_usable(w, false);
  refresh_context();
}

void round_scheduler::charge_running(job_index job, node_id node, node_id chain,
                                     worker_index w) {
  ledger_->take((*demands_)[job], chain, w);
  running_.set(job, node, {chain, w});
}

void round_scheduler::adopt_running(job_index job, node_id node,
                                    worker_index w) {
  // If it is also an active candidate, commit_round's check drops the pick.
  if (!running_.contains(job, node)) charge_running(job, node, node, w);
}

void round_scheduler::task_finished(job_index job, node_id node) {
  if (const auto* task = running_.find(job, node)) {
    const auto& demand = (*demands_)[job];
    const auto [chain, w] = *task;
    running_.erase(job, node);
    ledger_->give_back(demand, chain, w);
    const auto& tree = slots_->tree();
    for (node_id n = chain; n != no_node; n = tree.parent(n)) {
      if (tree.level(n) < demand.top_level) break;
      if (demand.by_level[tree.level(n)].empty()) continue;
      node_id c = slots_->canonical(n);
      wake(c);  // jobs whose tasks run on this very node
      if (n != chain) freed_ancestors_.push_back(c);
    }
    if (w != no_worker) {
      for (auto g : roster_.groups_of(w)) {
        wake(ledger_placer::group_key(*slots_, g));
      }
    }
  }
  // The task itself and its dependents are offered when the row's feed
  // says it is runnable or done (its feed, route_feeds).
}

void round_scheduler::wake(std::uint32_t key) {
  if (round_open_) {
    deferred_wakes_.push_back(key);
  } else {
    tracker_.wake(key);
  }
}

void round_scheduler::wake_ancestors() {
  auto keys = std::move(freed_ancestors_);
  freed_ancestors_.clear();
  keys.insert(keys.end(), recheck_.begin(), recheck_.end());
  recheck_.clear();
  std::sort(keys.begin(), keys.end());
  keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
  const auto& tree = slots_->tree();
  // Each key's lists miss the cache: load a few keys ahead.
  constexpr std::size_t heads_ahead = 8, lists_ahead = 4;
  for (std::size_t k = 0; k < keys.size() && k < heads_ahead; ++k) {
    tracker_.prefetch_waiters(keys[k], true);
  }
  for (std::size_t k = 0; k < keys.size(); ++k) {
    const node_id key = keys[k];
    if (k + heads_ahead < keys.size()) {
      tracker_.prefetch_waiters(keys[k + heads_ahead], true);
    }
    if (k + lists_ahead < keys.size()) {
      tracker_.prefetch_waiters(keys[k + lists_ahead], false);
    }
    bool again = false;
    for (job_index j = 0; j < cfg_->jobs.size(); ++j) {
      if (!tracker_.waiting_on(j, key)) continue;
      const auto& demand = (*demands_)[j];
      const std::int64_t room = ledger_->room_on(demand, key);
      // Still full (a recheck): popping one only to put it back is waste.
      if (room <= 0) continue;
      std::int64_t woken = 0;
      // Wake as many as the slots can take; a waiter blocked elsewhere now
      // moves to that list instead of costing the round a try.
      tracker_.drain(j, key, [&](node_id n) {
        if (woken >= room) {
          tracker_.park(j, n, key);
          return false;
        }
        node_id b = ledger_->first_blocking(demand, n);
        if (b == no_node || tree.level(b) == 0) {
          tracker_.activate(j, n);
          ++woken;
        } else {
          tracker_.park(j, n, slots_->canonical(b));
        }
        return true;
      });
      // Woken ones may lose their own node to another job this round.
      again = again || (woken > 0 && tracker_.waiting_on(j, key));
    }
    if (again) recheck_.push_back(key);
  }
}

std::size_t round_scheduler::sides_memory_bytes() const {
  std::size_t bytes = 0;
  for (const auto& side : sides_) bytes += side.memory_bytes();
  return bytes;
}

std::size_t round_scheduler::memory_bytes() const {
  return tracker_.memory_bytes() + sides_memory_bytes() +
         eligibility_->memory_bytes() + running_.memory_bytes();
}

}  // namespace bistro
