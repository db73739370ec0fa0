// What a monitor handler may read of the scheduler: a read-only view the
// scheduler builds over its own state for one request (references and
// pointers into it; only the workers' summaries are copied, on first use,
// so that the view holds no CAF handle). It has no job's status row: a
// handler that needs one asks the job (job_questions.hpp). Handlers over a
// view are plain functions, tested with a view a test builds from its own
// config, tree, runs, counters, workers and rings, without an actor.
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
#include <vector>

#include "actors/nodes/node_tree.hpp"
#include "actors/state/activity_series.hpp"
#include "actors/state/event_log.hpp"
#include "actors/state/persist_queue.hpp"
#include "actors/state/run_table.hpp"
#include "actors/state/scheduler_metrics.hpp"
#include "actors/workers/worker_registry.hpp"
#include "config/config.hpp"

namespace bistro {

/// Current errors by source ("config", "nodes", "persist"): message and
/// the time it was seen.
using source_errors =
    std::map<std::string, std::pair<std::string, std::int64_t>>;

/// One worker slot as the monitor shows it, by worker_index: a plain copy
/// of what the worker directory and the round engine know of it.
struct worker_summary {
  /// The slot has a worker now (a lost worker's slot keeps its names).
  bool connected = false;
  std::string shard;
  std::string host;
  /// Remote workers are health-checked; the in-process one is not.
  bool remote = false;
  bool drained = false;
  std::int64_t start_ms = 0;
  /// The in-process worker's pid (the scheduler's own).
  std::int64_t pid = 0;
  /// A remote worker's record in the health registry (null when the
  /// worker is in-process or the registry forgot it).
  const worker_record* record = nullptr;
  /// What a remote worker measured of its machine (its hello).
  struct gpu {
    std::string name;
    std::string pci_bus_id;
    std::int64_t memory_mb = 0;
  };
  std::int64_t memory_mb = 0;
  std::int64_t cpu_cores = 0;
  std::vector<gpu> gpus;
  /// What could not be measured, and why ("" = all was).
  std::string physical_error;
  /// Its limit of each worker-level resource, in the config's order of
  /// that level's resources (empty before the first config).
  std::vector<std::int32_t> resource_limits;
};

struct monitor_view {
  /// The running config and node tree: both set, or both null before the
  /// first snapshot.
  const config* cfg = nullptr;
  const node_tree* tree = nullptr;
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
  /// Who runs what (live runs by id), the round and task counters, and
  /// the status store's commits.
  const run_table& runs;
  const scheduler_metrics& metrics;
  const persist_queue& persisted;
  /// Every worker slot by worker_index (built on first use).
  std::function<const std::vector<worker_summary>&()> workers;
  /// Whether the scheduler has seen `shard`: connected, in the health
  /// registry, or drained ahead of its return.
  std::function<bool(const std::string&)> known_worker;
  /// When the scheduler started, and until when (and why) it waits for
  /// its workers before it starts tasks (ms since the epoch).
  std::int64_t started_ms = 0;
  std::int64_t startup_wait_until_ms = 0;
  std::string_view startup_wait_reason;
  /// Whether the scheduler keeps statuses, and so a run history the status
  /// store can be asked about (not under --clean_statuses, --dry_run or
  /// --benchmark_run).
  bool keeps_history = false;

  bool has_config() const { return cfg && tree; }
};

}  // namespace bistro
