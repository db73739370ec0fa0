// Per-job candidate state kept across rounds, so that a round costs what
// changed, not the size of the tree. Each (job, task node) is in one state:
//   idle     not a candidate (not runnable, running, done, filtered out...)
//   pending  may have become a candidate: validated at the next round
//   active   a candidate the next round offers to the policy
//   parked   a candidate that could not start, waiting on one key, out of
//            rounds until resources on that key are given back.
// Wait lists, by what blocked the candidate:
// - its own node: one list per node, shared by all jobs (a few entries);
//   woken whole when the node's slots free up;
// - an ancestor: one list per (job, ancestor), so that a freed host slot
//   wakes only as many of each job's waiters as can use it, not all 250
//   tasks waiting under that host (`wake_some`);
// - a worker group (host placement): one list per group, woken whole.
// Lists are intrusive, linked through one array indexed by candidate id (the
// job's base + the node's slot on the job's task level): about five bytes
// per (job, node), plus the active lists while they hold candidates.
//
// Not thread-safe: owned by the round_scheduler. Plain logic: no CAF include.
#pragma once

#include <cstdint>
#include <memory>
#include <new>
#include <utility>
#include <vector>

#include "actors/rounds/level_slots.hpp"
#include "actors/rounds/scheduler_policy.hpp"
#include "config/config.hpp"

namespace bistro {

enum class candidate_state : std::uint8_t { idle, pending, active, parked };

class round_threads;

/// An allocator whose `resize` leaves new elements unwritten: `reset` fills
/// its per-candidate arrays itself, a slice per thread.
template <class T>
struct fill_later_allocator : std::allocator<T> {
  fill_later_allocator() = default;
  template <class U>
  fill_later_allocator(const fill_later_allocator<U>&) noexcept {}
  template <class U>
  struct rebind {
    using other = fill_later_allocator<U>;
  };
  template <class U>
  void construct(U* p) noexcept {
    ::new (static_cast<void*>(p)) U;
  }
  template <class U, class... Args>
  void construct(U* p, Args&&... args) {
    ::new (static_cast<void*>(p)) U(std::forward<Args>(args)...);
  }
};

class candidate_tracker {
 public:
  /// Every candidate idle; sized for the config's jobs on the tree. The
  /// per-candidate arrays are filled on `threads` when given.
  void reset(const config& cfg, std::shared_ptr<const level_slots> slots,
             round_threads* threads = nullptr);

  candidate_state state(job_index job, node_id node) const {
    return state_[id(job, node)];
  }
  void set_state(job_index job, node_id node, candidate_state s);

  /// Whether `node` is one of `job`'s task nodes (a canonical node on the
  /// job's task level), so that (job, node) has a candidate id.
  bool is_task(job_index job, node_id node) const;
  /// Queues (job, node) for validation unless it is already tracked or is
  /// not one of the job's task nodes.
  void offer(job_index job, node_id node);
  /// Appends an already validated candidate to the job's active list.
  void activate(job_index job, node_id node);
  /// Waits for `key`: a canonical node id (its own node or an ancestor) or
  /// a key at or past tree size (worker groups).
  void park(job_index job, node_id node, std::uint32_t key);
  /// Wakes every waiter on `key` (own-node lists and group lists).
  void wake(std::uint32_t key);
  /// Starts loading what `drain(…, node)` reads for every job: call a few
  /// ancestors ahead (first with `heads_only`, then without).
  void prefetch_waiters(node_id node, bool heads_only) const;
  /// Whether `job` has candidates waiting on ancestor `node`.
  bool waiting_on(job_index job, node_id node) const;
  /// Pops `job`'s waiters on ancestor `node` one by one while `use` says
  /// to keep going: `use` activates or re-parks each (it gets the node).
  template <class Use>
  void drain(job_index job, node_id node, Use&& use);

  std::vector<node_id>& pending(job_index job) { return pending_[job]; }
  std::vector<node_id>& active(job_index job) { return active_[job]; }
  level_id task_level(job_index job) const { return task_level_[job]; }
  /// Candidates of `job` in any state but idle.
  std::size_t tracked(job_index job) const { return tracked_[job]; }
  /// Whether the job has any (job, node) id space (it may run).
  bool has_space(job_index job) const { return base_[job] != base_[job + 1]; }
  /// Marks a run of nodes (all idle) active in bulk: the first scan.
  void activate_all(job_index job, std::vector<node_id> nodes);

  std::size_t memory_bytes() const;

 private:
  static constexpr std::uint32_t end_of_list = UINT32_MAX;
  std::uint32_t id(job_index job, node_id node) const {
    return base_[job] + slots_->slot(node);
  }
  std::uint32_t& head_of(job_index job, std::uint32_t key);
  std::uint32_t* find_ancestor_head(job_index job, node_id node);
  const std::uint32_t* find_ancestor_head(job_index job, node_id node) const;
  void wake_list(std::uint32_t& head);

  std::shared_ptr<const level_slots> slots_;
  std::vector<level_id> task_level_;  // per job
  std::vector<std::uint32_t> base_;   // per job, plus the total at the end
  std::vector<std::size_t> tracked_;  // per job
  // Per candidate id: its state, and its wait list link.
  std::vector<candidate_state, fill_later_allocator<candidate_state>> state_;
  std::vector<std::uint32_t, fill_later_allocator<std::uint32_t>> next_;
  std::vector<std::uint32_t> own_heads_;  // per node id
  // [level][slot * jobs + job], a level allocated on first use: a host's
  // heads for every job share a cache line.
  std::vector<std::vector<std::uint32_t>> ancestor_heads_;
  std::size_t num_jobs_ = 0;
  std::vector<std::uint32_t> group_heads_;  // per key - tree size
  std::vector<std::vector<node_id>> pending_;
  std::vector<std::vector<node_id>> active_;
};

inline bool candidate_tracker::is_task(job_index job, node_id node) const {
  // Status rows span the whole tree; only canonical nodes on the job's
  // level are its tasks.
  return job < num_jobs_ && has_space(job) && node < slots_->tree().size() &&
         slots_->tree().level(node) == task_level_[job] &&
         (!slots_->any_replicas() || slots_->canonical(node) == node);
}

inline std::uint32_t& candidate_tracker::head_of(job_index job,
                                                 std::uint32_t key) {
  const auto tree_size = slots_->tree().size();
  if (key >= tree_size) {
    auto g = key - tree_size;
    if (g >= group_heads_.size()) group_heads_.resize(g + 1, end_of_list);
    return group_heads_[g];
  }
  const level_id level = slots_->tree().level(key);
  if (level == task_level_[job]) return own_heads_[key];
  auto& heads = ancestor_heads_[level];
  if (heads.empty())
    heads.assign(slots_->count(level) * num_jobs_, end_of_list);
  return heads[slots_->slot(key) * num_jobs_ + job];
}

inline void candidate_tracker::park(job_index job, node_id node,
                                    std::uint32_t key) {
  const auto i = id(job, node);
  if (state_[i] == candidate_state::idle) ++tracked_[job];
  state_[i] = candidate_state::parked;
  auto& head = head_of(job, key);
  next_[i] = head;
  head = i;
}

template <class Use>
void candidate_tracker::drain(job_index job, node_id node, Use&& use) {
  std::uint32_t* head = find_ancestor_head(job, node);
  while (head && *head != end_of_list) {
    std::uint32_t i = *head;
    *head = next_[i];
    next_[i] = end_of_list;
    state_[i] = candidate_state::pending;  // `use` decides what follows
    node_id n = slots_->node_at(task_level_[job], i - base_[job]);
    if (!use(n)) break;
  }
}

}  // namespace bistro
