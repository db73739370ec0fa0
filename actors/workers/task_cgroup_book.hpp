// The worker's book of task cgroups: which slices (root, slice,
// subsystems) this data dir's worker has put tasks in, kept in
// `<data_dir>/task_cgroups` (one line per slice, appended the first time a
// slice is used), and the names of its tasks' cgroups
// (`bistro-<data dir tag>-<run id>.<seq>`), and per slice the pool of idle
// v1 `cpu` and `cpuacct` cgroups its tasks reuse
// (`bistro-<data dir tag>-idle<pool>.<n>`, cgroup_pool.hpp). At start the
// worker kills and removes whatever an earlier worker of the same data dir left
// there: its tasks' cgroups and its pool outlive it when it is killed
// with -9.
//
// Plain logic, no CAF include. Not thread-safe: owned by the local worker
// (its actor's thread), built and cleaned before the actor starts.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>

#include "actors/tasks/task_cgroup.hpp"
#include "actors/tasks/task_process.hpp"

namespace bistro {

struct task_cgroup_spec;

class task_cgroup_book {
 public:
  explicit task_cgroup_book(std::string data_dir,
                            cgroup_fs fs = cgroup_fs::real);

  /// Kills and removes the cgroups named with this data dir's prefix in
  /// every slice of the book, waiting up to `timeout_ms` for each; logs
  /// each removed cgroup and each failure.
  cgroup_cleanup clean_leftovers(std::int64_t timeout_ms = 5000);

  /// Puts run `run_id` in cgroups: sets launch.cgroups, cgroup_name,
  /// cgroup_limits and pooled_cgroups from `spec`. Returns "" or why this
  /// machine cannot give the cgroups asked for (naming the path).
  std::string place(const task_cgroup_spec& spec, std::uint64_t run_id,
                    task_launch& launch);

  /// `bistro-<tag>-`: the start of every task cgroup name of this data dir.
  const std::string& prefix() const { return prefix_; }

  /// Idle cgroups kept per slice, at most.
  static constexpr std::size_t max_idle_cgroups = 64;

 private:
  std::string record_path_;
  cgroup_fs fs_;
  std::string prefix_;
  std::uint64_t seq_ = 0;
  std::map<std::string, std::shared_ptr<const cgroup_layout>> layouts_;
  /// Per slice (layouts_'s key), where its layout has pooled hierarchies.
  std::map<std::string, std::shared_ptr<cgroup_pool>> pools_;
  std::set<std::string> recorded_;
};

}  // namespace bistro
