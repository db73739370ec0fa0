// The monitor handlers that read the run table (actors/protocol/
// monitor.md): Bistro's `running_tasks` and `job_node_runtime`, and our
// `tasks` (a page of tasks with their runs) and `task` (one task in full).
// Plain functions of a monitor_view and the request entry; a refusal is a
// monitor_error.
//
// Thread contract: as the view's (the caller's thread, during the call).
#pragma once

#include <boost/json.hpp>

#include "actors/monitor/monitor_error.hpp"
#include "actors/monitor/monitor_view.hpp"

namespace bistro {

/// A run's state ("running", or "killing" with killing_since_ms) and what
/// its cgroups use: memory_bytes, cpu_seconds and when they were sampled
/// (usage_ms; all absent when never measured), added to `out`.
void add_run_usage(const run_info& run, boost::json::object& out);

/// The shard of the worker a run went to ("" when the view has no such
/// slot).
std::string_view run_worker_shard(const monitor_view& view,
                                  const run_info& run);

/// running_tasks {jobs[]}: {job: {node: {"start_time" (s), "worker_shard",
/// "run_id", "state", usage}}}.
monitor_result<boost::json::value> running_tasks_answer(
    const monitor_view& view, const boost::json::object& req);

/// job_node_runtime {jobs[]}: {job: {node: seconds it has run}} (Bistro's
/// older running_tasks, which its web UI still asks for).
monitor_result<boost::json::value> job_node_runtime_answer(
    const monitor_view& view, const boost::json::object& req);

/// tasks {job, state, after, limit}: {"tasks": [{"job", "node", "status"
/// and, when it runs, "worker", "start_ms", "run_id", usage}], "next"}.
/// `state` is a status label, `avoided` or `disabled`; `after` is the
/// "JOB/NODE" cursor of the previous page's last task.
monitor_result<boost::json::value> tasks_answer(const monitor_view& view,
                                                const boost::json::object& req);

/// task {job_id, node_id}: its status, its run (worker, host, start) when
/// it runs, and what keeps it from running when its job cannot.
monitor_result<boost::json::value> task_answer(const monitor_view& view,
                                               const boost::json::object& req);

}  // namespace bistro
