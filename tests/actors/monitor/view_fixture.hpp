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
        tree(make_tree(*cfg, bistro_nodes())) {}

  monitor_view view() const {
    return monitor_view{.cfg = cfg.get(),
                        .tree = tree.get(),
                        .snapshot_ms = snapshot_ms,
                        .now_ms = now_ms,
                        .config_file = config_file,
                        .errors = errors,
                        .activity = activity,
                        .events = events};
  }

  /// The same, before the first config arrived.
  monitor_view view_without_config() const {
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
