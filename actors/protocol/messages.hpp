// The data that crosses actor boundaries, local or remote: what a worker
// must run and what it reports back. Plain structs with CAF inspect()
// overloads; everything here is serializable, because remote workers
// (bistro_worker) receive and send the same messages.
//
// Options and enums travel as typed fields, each with its own inspect():
// a peer that sends an enum value this side does not know is answered like
// any other bad value (the receiver checks the range before it acts).
//
// Value types: copy freely, share nothing.
#pragma once

#include <caf/meta/type_name.hpp>
#include <cstdint>
#include <string>
#include <vector>

#include "actors/protocol/fwd.hpp"
#include "actors/protocol/saturating_add.hpp"
#include "actors/protocol/task_log_query.hpp"
#include "config/task_subprocess.hpp"

namespace bistro {

/// Version of the messages below; a peer with another version is refused.
/// 2: worker_hello carries the worker's port.
/// 3: workers talk to a session actor with a per-worker secret; the front
///    door takes only hellos and monitor requests.
/// 4: task_spec carries the task's cgroups and limits.
/// 5: run and kill orders carry task_subprocess_options and kill_request
///    whole; labels, kill methods and log types travel as their enums.
/// 6: worker_hello carries what the worker measured of its machine
///    (physical_report, its amounts as integers).
/// 7: heartbeats carry the worker's runs with their cgroups' memory and
///    CPU use (running_task_report's usage fields).
/// 8: running_task_report says since when a run is being killed.
inline constexpr std::uint32_t protocol_version = 8;

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, kill_request& x) {
  return f(caf::meta::type_name("kill_request"), x.method, x.kill_wait_ms);
}

/// Without `cgroups`: a run's cgroups travel in task_spec::cgroup, with the
/// limits its job's resources map to.
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f,
                                        task_subprocess_options& x) {
  return f(caf::meta::type_name("task_subprocess_options"), x.poll_ms,
           x.max_log_lines_per_poll_interval, x.max_log_bytes_per_poll_interval,
           x.max_log_bytes_per_task, x.parent_death_signal,
           x.process_group_leader, x.use_canary_pipe);
}

/// A run's `task_subprocess.cgroups` and the limits its job's resources
/// map to (config/cgroup_settings.hpp); no subsystems = no cgroups.
struct task_cgroup_spec {
  std::string root;
  std::string slice;
  std::vector<std::string> subsystems;
  bool kill_without_freezer = false;
  std::int64_t pids_max = 0;
  std::int64_t memory_limit_mb = 0;
  /// Cores asked for (CPU shares / weight); in millicores on the wire.
  std::int64_t cpu_millicores = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, task_cgroup_spec& x) {
  return f(caf::meta::type_name("task_cgroup_spec"), x.root, x.slice,
           x.subsystems, x.kill_without_freezer, x.pids_max, x.memory_limit_mb,
           x.cpu_millicores);
}

/// One run of a task: the scheduler's order to a worker.
struct task_spec {
  std::string job;
  std::string node;
  /// Unique per run, never reused: statuses of stale runs are ignored.
  std::uint64_t run_id = 0;
  /// The job's `command` or --worker_command; the worker appends the node,
  /// the status path and `json_arg`.
  std::vector<std::string> command;
  std::string json_arg;
  /// The job's `task_subprocess` (its `cgroups` stay behind: see
  /// `cgroup`) and `kill_subprocess`.
  task_subprocess_options subprocess;
  kill_request kill;
  task_cgroup_spec cgroup;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, task_spec& x) {
  return f(caf::meta::type_name("task_spec"), x.job, x.node, x.run_id,
           x.command, x.json_arg, x.subprocess, x.kill, x.cgroup);
}

/// How a run ended, from the worker.
struct task_result {
  std::string job;
  std::string node;
  std::uint64_t run_id = 0;
  /// 0 = never_started, which no worker reports: the scheduler checks
  /// that a worker's label is one a task may report.
  status_label label{};
  std::string data;  // JSON text, "" = none
  std::string message;
  std::int32_t exit_code = 0;
  std::int64_t start_ms = 0;
  std::int64_t end_ms = 0;
  std::string worker;  // shard id
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, task_result& x) {
  return f(caf::meta::type_name("task_result"), x.job, x.node, x.run_id,
           x.label, x.data, x.message, x.exit_code, x.start_ms, x.end_ms,
           x.worker);
}

/// A worker's order to stop a run.
struct kill_order {
  std::string job;
  std::string node;
  std::uint64_t run_id = 0;
  kill_request kill;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, kill_order& x) {
  return f(caf::meta::type_name("kill_order"), x.job, x.node, x.run_id, x.kill);
}

/// A run a worker is busy with, as it tells a (possibly restarted)
/// scheduler so that the run is adopted instead of started again, and, with
/// every heartbeat, what the run uses now.
struct running_task_report {
  std::string job;
  std::string node;
  std::uint64_t run_id = 0;
  std::int64_t start_ms = 0;
  /// Memory its cgroups hold now (memory.usage_in_bytes on v1,
  /// memory.current on v2), in bytes; -1 = not measured (no cgroups).
  std::int64_t memory_bytes = -1;
  /// CPU time its processes used so far (cpuacct.usage on v1, cpu.stat's
  /// usage_usec on v2), in ns; -1 = not measured.
  std::int64_t cpu_time_ns = -1;
  /// When the worker signaled the run to die (its wall ms; 0 = it was not
  /// killed). Without cgroups a killed run lingers while any process of
  /// its tree holds its status pipe: it is "killing" until they let go.
  std::int64_t killing_since_ms = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, running_task_report& x) {
  return f(caf::meta::type_name("running_task_report"), x.job, x.node, x.run_id,
           x.start_ms, x.memory_bytes, x.cpu_time_ns, x.killing_since_ms);
}

/// One GPU card a worker found (`nvidia-smi`). Amounts travel as
/// integers: CAF 0.17 encodes a double with a loop that never ends on an
/// infinity (detail/ieee_754.hpp, pack754), which a peer could hand us.
struct gpu_report {
  std::string name;
  std::string pci_bus_id;
  std::int64_t memory_mb = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, gpu_report& x) {
  return f(caf::meta::type_name("gpu_report"), x.name, x.pci_bus_id,
           x.memory_mb);
}

/// What a worker measured of its machine when it started
/// (actors/workers/usable_resources.hpp): raw amounts, 0 = not measured.
/// The scheduler, which has the config, turns them into the worker's
/// limits of the resources `physical_resources` maps, minus each entry's
/// `physical_reserve_amount` (Bistro does the same on its scheduler).
struct physical_report {
  std::int64_t memory_mb = 0;
  std::int64_t cpu_cores = 0;
  std::vector<gpu_report> gpus;
  /// What could not be measured, and why ("" = all was).
  std::string error;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, physical_report& x) {
  return f(caf::meta::type_name("physical_report"), x.memory_mb, x.cpu_cores,
           x.gpus, x.error);
}

/// The timeouts both ends of a worker connection must agree on; the
/// scheduler sends its own in every welcome.
struct health_settings {
  std::int64_t heartbeat_period_ms = 15000;
  std::int64_t heartbeat_grace_ms = 60000;
  std::int64_t healthcheck_period_ms = 60000;
  std::int64_t healthcheck_grace_ms = 60000;
  std::int64_t lose_unhealthy_worker_after_ms = 500000;
  std::int64_t worker_check_interval_ms = 5000;
  /// How long a worker that lost the scheduler gives its tasks between
  /// TERM and KILL.
  std::int64_t suicide_task_kill_wait_ms = 5000;
  /// Extra wait before a lost worker's tasks may run elsewhere.
  std::int64_t suicide_backoff_safety_margin_ms = 60000;

  /// How long after its last acknowledged heartbeat a silent worker is
  /// lost (the scheduler's view) and kills its own tasks (the worker's).
  /// Saturates: the settings come from the other end of the connection.
  std::int64_t lose_after_silence_ms() const {
    return saturating_add(
        saturating_add(heartbeat_period_ms, heartbeat_grace_ms),
        lose_unhealthy_worker_after_ms);
  }
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, health_settings& x) {
  return f(caf::meta::type_name("health_settings"), x.heartbeat_period_ms,
           x.heartbeat_grace_ms, x.healthcheck_period_ms,
           x.healthcheck_grace_ms, x.lose_unhealthy_worker_after_ms,
           x.worker_check_interval_ms, x.suicide_task_kill_wait_ms,
           x.suicide_backoff_safety_margin_ms);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, log_request& x) {
  return f(caf::meta::type_name("log_request"), x.type, x.jobs, x.nodes,
           x.ascending, x.line_id, x.time_ms, x.limit, x.regex_filter);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, log_reply_line& x) {
  return f(caf::meta::type_name("log_reply_line"), x.job, x.node, x.time_ms,
           x.line, x.line_id);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, log_reply& x) {
  return f(caf::meta::type_name("log_reply"), x.lines, x.next_line_id, x.error);
}

}  // namespace bistro
