// The scheduler's task_placer: answers a policy's "start job J on node N?"
// against a private copy of the resource ledger and picks the worker.
//
// A task may start when its node, every ancestor and a worker all have room
// for the job's amounts. A replicated node tries each copy's ancestor chain
// (that the job's filters allow) and takes the first that fits. The worker
// must serve the job (health, worker filter) and, with host placement, be
// named by it: `host_placement`, or the task's ancestor on
// `level_for_host_placement`. Among those, `roundrobin` takes the next in
// turn that fits, `busiest` the one left with the least weighted capacity.
//
// Every attempt that does not start is recorded with what it waits for (a
// node slot, a worker group), so that the scheduler re-offers it only when
// that frees up. One placer per round, used by one thread. No CAF include.
#pragma once

#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <vector>

#include "actors/rounds/level_slots.hpp"
#include "actors/rounds/resource_ledger.hpp"
#include "actors/rounds/scheduler_policy.hpp"
#include "actors/rounds/task_eligibility.hpp"
#include "actors/rounds/worker_roster.hpp"

namespace bistro {

/// Everything a round reads but does not change; shared with the policy.
struct placement_context {
  std::shared_ptr<const config> cfg;
  std::shared_ptr<const level_slots> slots;
  std::shared_ptr<const task_eligibility> eligibility;
  std::shared_ptr<const std::vector<job_demand>> demands;  // per job
  std::shared_ptr<const worker_roster> workers;
};

/// One task to start. `chain` is the node entry whose ancestors it uses
/// (`node` itself unless a replica).
struct task_pick {
  job_index job = 0;
  node_id node = no_node;
  node_id chain = no_node;
  worker_index worker = no_worker;
  friend bool operator==(const task_pick&, const task_pick&) = default;
};

/// What a candidate that could not start waits for: a canonical node id (a
/// node slot); `unplaced_key()` when its placement names no known worker
/// (it waits for any worker to join); `group_key(g)`, a worker placement
/// group; or `retry_key`.
using wait_key = std::uint32_t;
/// A replica whose chains are blocked on different nodes: offered again
/// next round.
inline constexpr wait_key retry_key = UINT32_MAX;

struct parked_candidate {
  job_index job = 0;
  node_id node = no_node;
  wait_key key = retry_key;
};

/// The worker placement group a task of `job` on `chain` must run in (host
/// placement: `host_placement`, or the chain's ancestor on
/// `level_for_host_placement`), or no_group when any worker may take it.
/// `unknown` is set when the group named has no known worker.
std::uint32_t placement_group(const placement_context& ctx, job_index job,
                              node_id chain, bool& unknown);

/// The worker of `group` (no_group: any worker) a task of `job` goes to, or
/// no_worker when none that serves the job `fits(w)`. `roundrobin` takes
/// the next in turn from `cursors` (and moves it on), `busiest` the one
/// with the least `weight_left(w)`. The ledger is read through `fits` and
/// `weight_left` so that a plan split by subtree can read it atomically.
template <class Fits, class WeightLeft>
worker_index choose_worker(const placement_context& ctx,
                           std::vector<std::uint32_t>& cursors, job_index job,
                           std::uint32_t group, Fits&& fits,
                           WeightLeft&& weight_left) {
  const auto& roster = *ctx.workers;
  const bool all = group == no_group;
  const std::size_t n = all ? roster.size() : roster.members(group).size();
  auto member = [&](std::size_t i) {
    return all ? static_cast<worker_index>(i) : roster.members(group)[i];
  };
  auto usable = [&](worker_index w) {
    return roster.serves(job, w) && fits(w);
  };
  if (n == 0) return no_worker;
  if (ctx.cfg->remote_worker_selector == worker_selector::busiest) {
    worker_index best = no_worker;
    auto least = std::numeric_limits<std::int64_t>::max();
    for (std::size_t i = 0; i < n; ++i) {
      worker_index w = member(i);
      if (!usable(w)) continue;
      const std::int64_t left = weight_left(w);
      if (left < least) least = left, best = w;
    }
    return best;
  }
  auto& cursor = cursors[all ? 0 : 1 + group];
  for (std::size_t k = 0; k < n; ++k) {
    std::size_t i = (cursor + k) % n;
    if (usable(member(i))) {
      cursor = static_cast<std::uint32_t>((i + 1) % n);
      return member(i);
    }
  }
  return no_worker;
}

class ledger_placer final : public task_placer {
 public:
  /// `cursors`: round-robin positions, [0] over all workers, [1 + g] in
  /// placement group g; grown as needed.
  ledger_placer(const placement_context& ctx, resource_ledger ledger,
                std::vector<std::uint32_t> cursors);

  placement_outcome try_start(job_index job, node_id node) override;

  static wait_key unplaced_key(const level_slots& slots) {
    return static_cast<wait_key>(slots.tree().size());
  }
  static wait_key group_key(const level_slots& slots, std::uint32_t group) {
    return static_cast<wait_key>(slots.tree().size() + 1 + group);
  }

  resource_ledger ledger;
  std::vector<std::uint32_t> cursors;
  std::vector<task_pick> picks;
  /// Filled unless `on_park` is set, which then gets each one at once.
  std::vector<parked_candidate> parked;
  std::function<void(const parked_candidate&)> on_park;

 private:
  node_id fitting_chain(job_index job, node_id node, wait_key& key,
                        bool& stall) const;
  void park(const parked_candidate& p) {
    if (on_park) {
      on_park(p);
    } else {
      parked.push_back(p);
    }
  }

  const placement_context& ctx_;
};

}  // namespace bistro
