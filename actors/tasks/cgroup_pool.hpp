// Idle task cgroups of one layout's cgroup v1 `cpu` and `cpuacct`
// hierarchies, kept for the next task. A task's first join into a new v1
// `cpu` cgroup costs it more than a millisecond of wall time; a join into
// one that has had tasks before costs 0.13 ms (README, "The v1 `cpu`
// cost"). Other hierarchies (memory, freezer, pids) and v2 stay one new
// cgroup per task.
//
// An idle entry is one cgroup in each pooled hierarchy, all named
// `<idle prefix><n>`. A task takes one by renaming it to the task's cgroup
// name (v1 renames a cgroup in place, in the same parent), so a task's
// cgroups carry its name in every hierarchy and an idle one never carries
// a task's name. It comes back when the task's cgroups are empty: renamed
// to a new idle name if its `tasks` files list no thread, it holds no
// cgroup of its own, and the pool has room; otherwise the caller removes it. What a task sets in a pooled
// cgroup (cpu.shares) is written again by the next one, and what the
// cgroup counts (cpuacct.usage) is read as a difference from its value at
// take (task_cgroup). The idle prefix starts with the worker's cgroup name
// prefix, so a worker's start removes the pool its predecessor left.
//
// Plain logic, no CAF include. Not thread-safe: one owner's thread (the
// worker's) takes and gives back; the task_cgroups taken from it share it
// (shared_ptr), so it outlives them, and its destructor removes the idle
// cgroups.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "actors/tasks/task_cgroup.hpp"

namespace bistro {

class cgroup_pool {
 public:
  /// The pool of `layout` (v1 with `cpu` or `cpuacct`; on any other
  /// layout it pools nothing), holding at most `max_idle` idle entries
  /// named `<idle_prefix><n>`.
  cgroup_pool(cgroup_layout layout, std::string idle_prefix,
              std::size_t max_idle);
  ~cgroup_pool();
  cgroup_pool(const cgroup_pool&) = delete;
  cgroup_pool& operator=(const cgroup_pool&) = delete;

  /// Whether `layout` has hierarchies a pool reuses.
  static bool worth_pooling(const cgroup_layout& layout);

  /// Whether the cgroups of layout.slice_dirs[index] are pooled.
  bool pools(std::size_t index) const;

  /// Renames an idle entry to `name` in every pooled hierarchy: true if
  /// one was taken; false when none is idle or an idle one could not be
  /// renamed (it is removed then), and the caller makes new cgroups.
  bool take(const std::string& name);

  /// The pooled cgroups named `name` (a task's, empty now): renamed to a
  /// new idle name if each one's `tasks` lists no thread, none holds a
  /// cgroup of its own, and the pool has room, and true; false leaves
  /// them, named `name`, for the caller to remove.
  bool give_back(const std::string& name);

  std::size_t idle() const { return idle_.size(); }
  std::size_t max_idle() const { return max_idle_; }
  const std::string& idle_prefix() const { return idle_prefix_; }
  /// The directories of idle entry `n`, or of a task's pooled cgroups.
  std::vector<std::string> dirs_named(const std::string& name) const;

 private:
  /// Removes entry `name`'s directories; "" or what could not be removed.
  std::string remove_entry(const std::string& name);

  cgroup_layout layout_;
  std::string idle_prefix_;
  std::size_t max_idle_;
  /// Indexes into layout_.slice_dirs of the pooled hierarchies.
  std::vector<std::size_t> pooled_;
  /// Numbers of the idle entries; the last one is taken first (its
  /// cgroups were used most recently).
  std::vector<std::uint64_t> idle_;
  std::uint64_t next_number_ = 0;
};

}  // namespace bistro
