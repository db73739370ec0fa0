// The scheduler's configuration: an immutable snapshot of Bistro's
// FileConfigLoader format (one JSON object; `bistro_settings` holds the
// scheduler settings, every `bistro_job->NAME` key is a job).
//
// A `config` is built once by `parse_config` and then shared read-only as
// `std::shared_ptr<const config>`: any number of threads may read it at once,
// nobody mutates it. Actor-free: no CAF include here or below.
#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/backoff_settings.hpp"
#include "config/cgroup_settings.hpp"
#include "config/config_file.hpp"
#include "config/job_filter.hpp"
#include "config/policy_catalog.hpp"
#include "config/task_subprocess.hpp"

namespace bistro {

/// Index into `config::levels`: 0 is `instance`, the last is `worker`.
using level_id = std::int32_t;
/// Index into `config::resources`.
using resource_id = std::int32_t;

/// `nodes.node_order`: the order in which a job visits its nodes.
enum class node_order { random, original, lexicographic };

/// `remote_worker_selector`: which worker a task goes to.
enum class worker_selector { roundrobin, busiest };

/// One node source: its registered name and its prefs, verbatim. The node
/// source itself validates the prefs when it runs (actors/nodes/).
struct node_source_config {
  std::string source;
  boost::json::object prefs;
};

/// One resource, defined on one level: every node of `level` has `limit`
/// slots; a job uses `default_amount` unless it overrides it.
struct resource_config {
  std::string name;
  level_id level = 0;
  std::int64_t limit = 0;
  std::int64_t default_amount = 0;
  /// Used by the `busiest` worker selector; 0 = not a factor.
  std::int64_t weight = 0;
};

/// One `bistro_job->NAME` entry with every setting resolved (job fields fall
/// back to `bistro_settings`). A job with errors is kept, so that it can be
/// shown and fixed, but never runs.
struct job_config {
  std::string name;
  bool enabled = true;
  std::string owner;
  double priority = 1.0;
  /// Passed to the task verbatim as `config`.
  boost::json::object config;
  /// The job's object as written in the file (for the monitor's `jobs`).
  boost::json::object source;
  /// Amount used per resource, indexed by resource_id (defaults filled in).
  std::vector<std::int64_t> resources;
  /// Indexed by level_id; a default-constructed filter passes everything.
  std::vector<job_filter> filters;
  std::vector<std::string> depends_on;
  level_id level_for_tasks = 0;
  backoff_settings backoff;
  /// Seconds after which orphaned tasks are killed; nullopt = never.
  std::optional<double> kill_orphan_tasks_after_sec;
  task_subprocess_options task_subprocess;
  kill_request kill_subprocess;
  /// Replaces --worker_command when not empty.
  std::vector<std::string> command;
  /// A worker host the job's tasks must run on ("" = any).
  std::string host_placement;
  /// Tasks run on the worker named like their ancestor on this level.
  std::optional<level_id> level_for_host_placement;
  /// Each names the JSON path and what was wrong with it.
  std::vector<std::string> errors;
  /// Why the job can never run although it has no errors (a depends_on
  /// cycle it is in or waits on); empty otherwise. Bistro accepts such a
  /// config, so this is shown, not enforced.
  std::string blocked;

  /// Enabled and error-free.
  bool runnable() const { return enabled && errors.empty(); }
};

/// The whole snapshot.
struct config {
  bool enabled = false;
  double working_wait_sec = 0.5;
  double idle_wait_sec = 5.0;
  /// A name of the policy catalog the parser was handed (Bistro's default
  /// when the key is absent).
  std::string scheduler = "roundrobin";
  /// `bistro_settings.scheduler_prefs`, checked by the named policy.
  boost::json::object scheduler_prefs;
  worker_selector remote_worker_selector = worker_selector::roundrobin;
  backoff_settings backoff = backoff_settings::bistro_default();
  node_order order = node_order::random;
  /// `nodes.max_name_bytes`: longer node names are refused, each with its
  /// own error, while the other nodes run.
  std::size_t max_node_name_bytes = 4096;
  /// `instance`, the configured levels, then `worker`.
  std::vector<std::string> levels;
  std::vector<node_source_config> node_sources;
  std::vector<resource_config> resources;
  /// resource ids defined on each level, indexed by level_id.
  std::vector<std::vector<resource_id>> resources_by_level;
  level_id level_for_tasks = 0;
  std::optional<double> kill_orphan_tasks_after_sec;
  task_subprocess_options task_subprocess;
  kill_request kill_subprocess;
  /// `CAUTION_exit_initial_wait_before_timestamp` (seconds since the
  /// epoch): while the clock is before it, a starting scheduler skips its
  /// wait for workers to report their running tasks. 0 = never. DANGER, as
  /// in Bistro: tasks still running on workers that have not reported yet
  /// start a second time.
  std::int64_t exit_initial_wait_before_sec = 0;
  /// Per worker shard id: worker-level resource limits that differ.
  std::map<std::string, std::vector<std::pair<resource_id, std::int64_t>>>
      worker_resources_override;
  /// `physical_resources`: worker resources that stand for hardware.
  std::vector<physical_resource_config> physical_resources;
  /// Sorted by name.
  std::vector<job_config> jobs;
  /// Things that are legal but probably not meant (unknown keys, jobs that
  /// depend on unknown jobs, depends_on cycles, a key written twice), each
  /// with its JSON path.
  std::vector<std::string> warnings;

  level_id instance_level() const { return 0; }
  level_id worker_level() const {
    return static_cast<level_id>(levels.size()) - 1;
  }
  /// Levels between instance and worker.
  level_id num_configured_levels() const {
    return static_cast<level_id>(levels.size()) - 2;
  }
  std::optional<level_id> find_level(std::string_view name) const;
  std::optional<resource_id> find_resource(std::string_view name) const;
  const job_config* find_job(std::string_view name) const;
};

/// Either a snapshot (job-level errors live inside it) or the errors that
/// rejected the whole file, each "json.path: what was wrong".
struct config_result {
  std::shared_ptr<const config> value;
  std::vector<std::string> errors;
  bool ok() const { return value != nullptr; }
};

/// Why `name` cannot name a job, or nothing when it can. Job names become
/// folder names (`<data_dir>/jobs/<job>/`), so they must stay inside it:
/// not empty, no `/`, no NUL, not `.` or `..`, at most 255 bytes.
std::optional<std::string> invalid_job_name(std::string_view name);

/// Parses the text of a config file. `policies` says which names
/// `bistro_settings.scheduler` may give and checks `scheduler_prefs`.
config_result parse_config(std::string_view json_text,
                           const policy_catalog& policies);

/// Reads (config_file.hpp: a regular file of at most `max_bytes`, never
/// blocking) and parses a file; I/O errors name the file.
config_result load_config_file(
    const std::string& path, const policy_catalog& policies,
    std::int64_t max_bytes = default_config_max_bytes);

}  // namespace bistro
