// Why a job does not run on some nodes of its task level, as Bistro's
// monitor tells it (its Job::shouldRunOn): walking up from the node, the
// first node that is disabled makes it "disabled", the first that the job's
// filter for that level rejects makes it "avoided". The monitor, the page
// and the shell show a never-started task on such a node as `avoided` or
// `disabled`, never as `never_started`: it is not waiting, it will not run.
//
// Built once per (config, tree) on first use (`task_exclusions_cache`), in
// one pass over the nodes per job. Given the round's task_eligibility for
// the same (config, tree), a filter is evaluated only on a node below one
// that already fails (to tell which fails lowest); without it, once per
// node. Then read-only. A task_exclusions is safe to share between threads
// (the scheduler hands it to the job actors that answer the monitor); the
// cache is not (one owner: the scheduler actor). Plain logic: no CAF.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>
#include <utility>
#include <vector>

#include "actors/jobs/job_status_row.hpp"
#include "actors/nodes/node_tree.hpp"
#include "actors/rounds/task_eligibility.hpp"
#include "config/config.hpp"

namespace bistro {

/// Why a job does not run on a node; none when it may.
enum class exclusion : std::uint8_t { none, avoided, disabled };

/// "avoided", "disabled", or "" for none.
std::string_view to_string(exclusion why);

class task_exclusions {
 public:
  using excluded_node = std::pair<node_id, exclusion>;

  /// `eligibility`, when given, must be built from the same (cfg, tree).
  task_exclusions(const config& cfg, const node_tree& tree,
                  const task_eligibility* eligibility = nullptr);

  /// Why job `job` does not run on entry `n` of its task level.
  exclusion of(std::size_t job, node_id n) const;

  /// The entries of job `job`'s task level it does not run on, by id.
  const std::vector<excluded_node>& excluded(std::size_t job) const {
    return *by_job_[job];
  }

 private:
  std::vector<std::shared_ptr<const std::vector<excluded_node>>> by_job_;
};

/// The name a task is shown with: its status label's, except that a
/// never-started task on an excluded node is `avoided` or `disabled`.
std::string_view shown_status(status_label label, exclusion why);

/// Never-started tasks of job `job` on excluded nodes, by exclusion.
struct excluded_unstarted {
  std::size_t avoided = 0;
  std::size_t disabled = 0;
};
excluded_unstarted count_excluded_unstarted(const task_exclusions& ex,
                                            std::size_t job,
                                            const job_status_row& row);

/// The task_exclusions of the newest (config, tree), rebuilt when either
/// changes. Holds no snapshot alive. Not thread-safe.
class task_exclusions_cache {
 public:
  /// `eligibility` as task_exclusions' (may be null).
  const task_exclusions& get(const std::shared_ptr<const config>& cfg,
                             const std::shared_ptr<const node_tree>& tree,
                             const task_eligibility* eligibility = nullptr);
  /// The same, to share with the job actors (read-only).
  std::shared_ptr<const task_exclusions> shared(
      const std::shared_ptr<const config>& cfg,
      const std::shared_ptr<const node_tree>& tree,
      const task_eligibility* eligibility = nullptr);

 private:
  std::weak_ptr<const config> cfg_;
  std::weak_ptr<const node_tree> tree_;
  std::shared_ptr<const task_exclusions> value_;
};

}  // namespace bistro
