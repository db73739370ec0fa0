// What a monitor handler may read of the scheduler: a read-only view the
// scheduler builds over its own state for one request (references and
// pointers into it, nothing copied). Handlers over a view are plain
// functions, tested with a view a test builds from its own config, tree
// and rings, without an actor.
//
// Thread contract: a view is valid only during the call it is built for,
// on the thread that owns what it points to (the scheduler's).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <utility>

#include "actors/nodes/node_tree.hpp"
#include "actors/rounds/status_remap.hpp"
#include "actors/rounds/task_exclusions.hpp"
#include "actors/state/activity_series.hpp"
#include "actors/state/event_log.hpp"
#include "config/config.hpp"

namespace bistro {

/// Current errors by source ("config", "nodes", "persist"): message and
/// the time it was seen.
using source_errors =
    std::map<std::string, std::pair<std::string, std::int64_t>>;

struct monitor_view {
  /// The running config and node tree: both set, or both null before the
  /// first snapshot.
  const config* cfg = nullptr;
  const node_tree* tree = nullptr;
  /// Every job's status row, by the config's job index (set with cfg).
  const status_row_set* rows = nullptr;
  /// The nodes each job does not run on, for that snapshot (built on
  /// first use; call only when cfg is set).
  std::function<const task_exclusions&()> exclusions;
  /// When that snapshot arrived (ms since the epoch; 0: none yet).
  std::int64_t snapshot_ms = 0;
  /// The scheduler's clock now.
  std::int64_t now_ms = 0;
  /// The config file it watches ("" when it has none).
  std::string_view config_file;
  const source_errors& errors;
  /// The page's activity plots and the operator's event log.
  const activity_series& activity;
  const event_log& events;

  bool has_config() const { return cfg && tree; }
};

}  // namespace bistro
