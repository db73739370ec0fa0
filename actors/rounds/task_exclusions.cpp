#include "actors/rounds/task_exclusions.hpp"

#include <algorithm>

namespace bistro {

namespace {

using excluded_list = std::vector<task_exclusions::excluded_node>;

/// Walks the nodes in id order (a parent's id is below its children's), so
/// each node's reason is its own, else its parent's: the lowest failing
/// node of the chain decides, as Bistro's walk up from the node does.
/// Filters are skipped for a job with errors: it never runs, and its
/// filters may not have compiled. `allowed` (the job's row of the round's
/// task_eligibility, or null) answers for a node whose ancestors all pass:
/// then it fails only if its own filter does, and no regex runs.
excluded_list excluded_for(const config& cfg, const node_tree& tree,
                           const job_config& job, bool use_filters,
                           const task_eligibility* allowed, std::size_t j) {
  excluded_list out;
  const level_id task_level = job.level_for_tasks;
  std::vector<exclusion> reason(tree.size(), exclusion::none);
  for (node_id n = 0; n < tree.size(); ++n) {
    const level_id level = tree.level(n);
    if (level > task_level) continue;
    const node_id parent = tree.parent(n);
    const exclusion above =
        parent == no_node ? exclusion::none : reason[parent];
    exclusion why = above;
    const auto l = static_cast<std::size_t>(level);
    if (!tree.enabled(n)) {
      why = exclusion::disabled;
    } else if (allowed && above == exclusion::none) {
      why = allowed->allows(j, n) ? exclusion::none : exclusion::avoided;
    } else if (use_filters && level < cfg.worker_level() &&
               l < job.filters.size() && !job.filters[l].empty() &&
               !job.filters[l].passes(job.name, tree.name(n),
                                      [&](std::string_view tag) {
                                        return tree.has_tag(n, tag);
                                      })) {
      why = exclusion::avoided;
    }
    reason[n] = why;
    if (level == task_level && why != exclusion::none) out.emplace_back(n, why);
  }
  return out;
}

bool has_filter_up_to(const job_config& job, level_id task_level) {
  for (level_id level = 0; level <= task_level; ++level) {
    auto l = static_cast<std::size_t>(level);
    if (l < job.filters.size() && !job.filters[l].empty()) return true;
  }
  return false;
}

}  // namespace

std::string_view to_string(exclusion why) {
  switch (why) {
    case exclusion::avoided:
      return "avoided";
    case exclusion::disabled:
      return "disabled";
    case exclusion::none:
      break;
  }
  return "";
}

task_exclusions::task_exclusions(const config& cfg, const node_tree& tree,
                                 const task_eligibility* eligibility) {
  bool any_disabled = false;
  for (node_id n = 0; n < tree.size() && !any_disabled; ++n)
    any_disabled = !tree.enabled(n);
  const auto none = std::make_shared<const excluded_list>();
  // Jobs without filters share one list per task level.
  std::vector<std::shared_ptr<const excluded_list>> unfiltered(
      static_cast<std::size_t>(tree.num_levels()));
  by_job_.reserve(cfg.jobs.size());
  for (std::size_t j = 0; j < cfg.jobs.size(); ++j) {
    const auto& job = cfg.jobs[j];
    const bool use_filters = job.errors.empty();
    const bool filtered =
        use_filters && has_filter_up_to(job, job.level_for_tasks);
    if (!filtered && !any_disabled) {
      by_job_.push_back(none);
      continue;
    }
    if (filtered) {
      // The round's eligibility covers runnable jobs only.
      const auto* allowed = job.runnable() ? eligibility : nullptr;
      by_job_.push_back(std::make_shared<const excluded_list>(
          excluded_for(cfg, tree, job, true, allowed, j)));
      continue;
    }
    auto level = static_cast<std::size_t>(job.level_for_tasks);
    if (level >= unfiltered.size()) {
      by_job_.push_back(none);
      continue;
    }
    if (!unfiltered[level])
      unfiltered[level] = std::make_shared<const excluded_list>(
          excluded_for(cfg, tree, job, false, nullptr, j));
    by_job_.push_back(unfiltered[level]);
  }
}

exclusion task_exclusions::of(std::size_t job, node_id n) const {
  const auto& list = *by_job_[job];
  auto it = std::lower_bound(
      list.begin(), list.end(), n,
      [](const excluded_node& e, node_id id) { return e.first < id; });
  return it != list.end() && it->first == n ? it->second : exclusion::none;
}

std::string_view shown_status(status_label label, exclusion why) {
  if (label == status_label::never_started && why != exclusion::none)
    return to_string(why);
  return to_string(label);
}

excluded_unstarted count_excluded_unstarted(const task_exclusions& ex,
                                            std::size_t job,
                                            const job_status_row& row) {
  excluded_unstarted out;
  for (const auto& [n, why] : ex.excluded(job)) {
    if (n >= row.size() || row.label(n) != status_label::never_started)
      continue;
    if (why == exclusion::avoided)
      ++out.avoided;
    else
      ++out.disabled;
  }
  return out;
}

const task_exclusions& task_exclusions_cache::get(
    const std::shared_ptr<const config>& cfg,
    const std::shared_ptr<const node_tree>& tree,
    const task_eligibility* eligibility) {
  return *shared(cfg, tree, eligibility);
}

std::shared_ptr<const task_exclusions> task_exclusions_cache::shared(
    const std::shared_ptr<const config>& cfg,
    const std::shared_ptr<const node_tree>& tree,
    const task_eligibility* eligibility) {
  if (!value_ || cfg_.lock() != cfg || tree_.lock() != tree) {
    value_ = std::make_shared<const task_exclusions>(*cfg, *tree, eligibility);
    cfg_ = cfg;
    tree_ = tree;
  }
  return value_;
}

}  // namespace bistro
