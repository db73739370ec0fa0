// The free-slot ledger: how much of every resource is left on every node and
// every worker. Dense arrays: for each level that defines resources, one row
// of `limit`s per slot (see level_slots), and one row per worker for the
// worker-level resources (limits overridden per shard by
// `worker_resources_override`). A task holds its job's amounts on its node,
// on every ancestor up to the instance, and on its worker.
//
// `take` never checks: replaying running tasks under lowered limits may leave
// entries negative, which only blocks new starts (nothing is killed). Limits
// and amounts are clamped to 2^30 so that the 32-bit arithmetic cannot wrap.
//
// A value type: copying it is the policy's private copy. At a million nodes
// that copy is megabytes, so each ledger also keeps a bounded journal of the
// entries it changed: `sync_from` brings an earlier copy up to date by
// copying only what either side changed since they last matched.
// Not thread-safe; one owner at a time. Plain logic: no CAF include.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "actors/rounds/level_slots.hpp"
#include "config/cgroup_settings.hpp"
#include "config/config.hpp"

namespace bistro {

/// Index of a worker in the ledger (and the worker roster).
using worker_index = std::uint32_t;
inline constexpr worker_index no_worker = UINT32_MAX;

/// What a worker measured of its machine (its hello), as the ledger reads
/// it: the worker's limit of each resource `physical_resources` maps is
/// (amount - physical_reserve_amount) / multiply_logical_by, and each GPU
/// card adds 1 to the worker-level resource "GPU: <model>" when the config
/// has one (Bistro's rule). All zero = nothing measured.
struct worker_physical {
  usable_resources usable;
  /// One model name per card.
  std::vector<std::string> gpu_models;
  bool operator==(const worker_physical& o) const {
    return usable.memory_mb == o.usable.memory_mb &&
           usable.cpu_cores == o.usable.cpu_cores &&
           usable.gpu_cards == o.usable.gpu_cards && gpu_models == o.gpu_models;
  }
  bool operator!=(const worker_physical& o) const { return !(*this == o); }
};

/// A job's amounts, laid out like the ledger's rows.
struct job_demand {
  /// Per level_id: one amount per resource of the level (in
  /// `resources_by_level` order); empty when the job needs none there.
  std::vector<std::vector<std::int32_t>> by_level;
  /// The topmost level with a non-empty entry: checks stop there.
  level_id top_level = 0;
  /// Per worker-level resource; empty when the job needs none.
  std::vector<std::int32_t> worker;

  static job_demand of(const config& cfg, const job_config& job);
};

class resource_ledger {
 public:
  resource_ledger(std::shared_ptr<const config> cfg,
                  std::shared_ptr<const level_slots> slots);

  /// Appends a worker's row, at its limits; returns its index. The limits
  /// are the resources' own, then those `physical` gives the resources
  /// `physical_resources` maps, then `worker_resources_override` for
  /// "host:port" (when `port` is not 0), else for "host", else for the
  /// shard id (Bistro's order).
  worker_index add_worker(std::string_view shard, std::string_view host = {},
                          std::int32_t port = 0,
                          const worker_physical& physical = {});
  /// The limits `add_worker` starts a row at, one per worker-level
  /// resource (in `resources_by_level` order).
  std::vector<std::int32_t> worker_limits(
      std::string_view shard, std::string_view host, std::int32_t port,
      const worker_physical& physical) const;
  /// Worker `w` measured anew (it restarted on other hardware): its row
  /// moves by the change of its limits; what its tasks hold stays held.
  void relimit_worker(worker_index w, std::string_view shard,
                      std::string_view host, std::int32_t port,
                      const worker_physical& before,
                      const worker_physical& after);
  std::size_t num_workers() const { return num_workers_; }

  /// The first node on the way up from `chain` (a task node entry) whose
  /// slots cannot take `demand`, or no_node when every one can.
  node_id first_blocking(const job_demand& demand, node_id chain) const;
  /// How many tasks of `demand` the slots of node `n` alone could take.
  std::int64_t room_on(const job_demand& demand, node_id n) const;
  bool worker_fits(const job_demand& demand, worker_index w) const;
  /// Sum of (free - amount) * weight over worker resources: what `busiest`
  /// minimises.
  std::int64_t weight_left_after(const job_demand& demand,
                                 worker_index w) const;

  /// Charges (or refunds) `demand` on `chain` and its ancestors, and on `w`
  /// unless it is no_worker.
  void take(const job_demand& demand, node_id chain, worker_index w);
  void give_back(const job_demand& demand, node_id chain, worker_index w);

  // A plan split by subtree (subtree_plan.hpp) charges one ledger from
  // several threads at once. Each thread reads and charges plainly the rows
  // below the instance of the subtrees it owns; the instance's row and the
  // workers' rows, which all threads share, are read and taken atomically.
  // While such a plan runs, nothing else touches the ledger. Each thread
  // keeps the offsets it changed in a journal of its own, which
  // `add_to_journal` adds once the threads are joined.

  /// `first_blocking` below the instance only.
  node_id first_blocking_below_instance(const job_demand& demand,
                                        node_id chain) const;
  /// Whether the instance's slots can take `demand` (an atomic read).
  bool instance_fits_shared(const job_demand& demand) const;
  /// `worker_fits` and `weight_left_after`, reading the worker atomically.
  bool worker_fits_shared(const job_demand& demand, worker_index w) const;
  std::int64_t weight_left_after_shared(const job_demand& demand,
                                        worker_index w) const;
  enum class shared_take { taken, instance_full, worker_full };
  /// Takes `demand` on the instance and on `w` atomically, both or neither
  /// (reporting which lacked room), then, plainly, on `chain` and its
  /// ancestors below the instance; appends the offsets it changed to
  /// `journal`.
  shared_take take_shared(const job_demand& demand, node_id chain,
                          worker_index w, std::vector<std::uint32_t>& journal);
  /// Journals offsets a split plan changed.
  void add_to_journal(const std::vector<std::uint32_t>& offsets);

  std::int32_t free_on_node(node_id n, resource_id r) const;
  std::int32_t free_on_worker(worker_index w, resource_id r) const;
  /// Whether any entry is below zero (only after lowered limits).
  bool any_negative() const;

  /// A copy that `sync_from` can later bring up to date cheaply (clears
  /// this ledger's journal).
  resource_ledger twin();
  /// Makes this ledger equal to `live`. When this one was copied from (or
  /// last synced with) `live` and neither has synced with another since,
  /// only the entries either changed are copied; otherwise everything is.
  /// Clears both journals.
  void sync_from(resource_ledger& live);

 private:
  void charge(const job_demand& demand, node_id chain, worker_index w,
              std::int32_t sign);
  /// weight_left_after, each entry read by `read`.
  template <class Read>
  std::int64_t weight_left(const job_demand& demand, worker_index w,
                           Read read) const;
  /// first_blocking over the levels from `chain`'s up to `top`.
  node_id first_blocking_up_to(const job_demand& demand, node_id chain,
                               level_id top) const;
  std::int32_t column(resource_id r) const;

  std::shared_ptr<const config> cfg_;
  std::shared_ptr<const level_slots> slots_;
  std::vector<std::size_t> base_;   // per level: first entry of slot 0
  std::vector<std::size_t> width_;  // per level: resources on it
  std::vector<std::int32_t> free_;  // every level's rows, back to back
  std::vector<std::int32_t> worker_free_;
  std::size_t num_workers_ = 0;
  // Offsets into free_ changed since the last sync; past `journal_cap()`
  // entries it stops and the next sync copies everything.
  std::vector<std::uint32_t> journal_;
  bool journal_full_ = false;
  // Shared by ledgers whose entries outside both journals are equal: set
  // by a sync, kept by copies.
  std::uint64_t lineage_ = 0;
  std::size_t journal_cap() const { return free_.size() / 8 + 64; }
};

}  // namespace bistro
