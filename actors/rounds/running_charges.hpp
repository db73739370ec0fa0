// What each running task holds, by (job, node): the node entry whose chain
// it charges and its worker. A full round adds tens of thousands at once and
// every result removes one, so this is an open-addressing table (linear
// probing, deletion by shifting back the entries after it, no tombstones):
// one cache line per lookup and no allocation per task, where a node-based
// map cost an allocation and two cache misses each.
//
// Not thread-safe: owned by the round_scheduler. Plain logic: no CAF include.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "actors/nodes/node_tree.hpp"
#include "actors/rounds/resource_ledger.hpp"
#include "actors/rounds/scheduler_policy.hpp"

namespace bistro {

class running_charges {
 public:
  struct charge {
    node_id chain = no_node;
    worker_index worker = no_worker;
  };

  std::size_t size() const { return size_; }
  bool contains(job_index job, node_id node) const {
    return find(job, node) != nullptr;
  }
  /// The task's charge, or null when it does not run.
  const charge* find(job_index job, node_id node) const;
  /// Records (or replaces) the task's charge.
  void set(job_index job, node_id node, charge c);
  /// Forgets the task; false when it did not run.
  bool erase(job_index job, node_id node);
  /// Room for `n` tasks in all without growing.
  void reserve(std::size_t n);
  void clear();
  /// `f(job, node, charge)` for every task, in no particular order.
  template <class F>
  void for_each(F&& f) const {
    for (const auto& e : entries_)
      if (e.key != empty_key)
        f(static_cast<job_index>(e.key >> 32),
          static_cast<node_id>(e.key & 0xffffffffu), e.value);
  }
  std::size_t memory_bytes() const {
    return entries_.capacity() * sizeof(entry);
  }

 private:
  static constexpr std::uint64_t empty_key = UINT64_MAX;
  struct entry {
    std::uint64_t key = empty_key;
    charge value;
  };
  static std::uint64_t key_of(job_index job, node_id node) {
    return (std::uint64_t{job} << 32) | node;
  }
  std::size_t home(std::uint64_t key) const {
    return static_cast<std::size_t>((key * 0x9e3779b97f4a7c15ull) >> shift_);
  }
  std::size_t slot_of(std::uint64_t key) const;  // its slot or an empty one
  void rehash(std::size_t capacity);

  std::vector<entry> entries_;  // a power of two, at most half full
  std::size_t size_ = 0;
  unsigned shift_ = 64;
};

}  // namespace bistro
