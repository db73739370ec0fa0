// A monitor_view a test builds from its own config, tree and rings: the
// handlers over views run on it without a scheduler actor.
#pragma once

#include "actors/monitor/monitor_view.hpp"
#include "tests/support/scheduler_fixtures.hpp"

namespace bistro::testing {

/// Owns what a view points to; `view()` is valid while it lives.
struct view_fixture {
  std::shared_ptr<const config> cfg;
  std::shared_ptr<const node_tree> tree;
  /// One status row per job, every task never started.
  status_row_set rows;
  task_exclusions_cache exclusions;
  source_errors errors;
  activity_series activity{1000, 10, 0};
  event_log events{5};
  std::int64_t now_ms = 100000;
  std::int64_t snapshot_ms = 42000;
  std::string config_file = "/etc/bistro.json";

  /// Bistro's fixture (levels host, db; host1{db11,db12}, host2{db21,db22})
  /// with `jobs`.
  explicit view_fixture(const std::string& jobs = job("j"))
      : cfg(make_config(bistro_settings(), jobs)),
        tree(make_tree(*cfg, bistro_nodes())) {
    reset_rows();
  }

  /// Fresh rows for the jobs of `cfg` over `tree` (after changing either).
  void reset_rows() {
    rows.clear();
    for (std::size_t j = 0; j < cfg->jobs.size(); ++j)
      rows.push_back(std::make_unique<job_status_row>(tree->size()));
  }

  /// Sets the status of `job`'s task on `node` (both must exist).
  void set(const std::string& job, const std::string& node,
           status_label label) {
    const auto* j = cfg->find_job(job);
    REQUIRE(j);
    auto n = tree->find(node);
    REQUIRE(n);
    status_record r;
    r.label = label;
    rows[static_cast<std::size_t>(j - cfg->jobs.data())]->restore(*n, r);
  }

  monitor_view view() {
    return monitor_view{.cfg = cfg.get(),
                        .tree = tree.get(),
                        .rows = &rows,
                        .exclusions = [this]() -> const task_exclusions& {
                          return exclusions.get(cfg, tree);
                        },
                        .snapshot_ms = snapshot_ms,
                        .now_ms = now_ms,
                        .config_file = config_file,
                        .errors = errors,
                        .activity = activity,
                        .events = events};
  }

  /// The same, before the first config arrived.
  monitor_view view_without_config() {
    auto v = view();
    v.cfg = nullptr;
    v.tree = nullptr;
    return v;
  }
};

inline boost::json::object entry(std::string_view text) {
  return boost::json::parse(text).as_object();
}

}  // namespace bistro::testing
