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
  std::uint32_t placement_group(job_index job, node_id chain,
                                bool& unknown) const;
  worker_index choose_worker(job_index job, std::uint32_t group);
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
