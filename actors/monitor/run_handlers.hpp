// The monitor handlers that read the run table (actors/protocol/
// monitor.md): Bistro's `running_tasks` and `job_node_runtime`, plain
// functions of a monitor_view and the request entry, and our `tasks` (a
// page of tasks with their runs) and `task` (one task in full), which ask
// the jobs for their tasks' statuses (job_questions.hpp) and add the runs
// from the view (registered in monitor_table.hpp as `asks`). A refusal is
// a monitor_error.
//
// Plain logic: no CAF. Thread contract: as the view's (the caller's
// thread, during the call).
#pragma once

#include <boost/json.hpp>

#include "actors/monitor/ask_handlers.hpp"
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

/// tasks {job, state, after, limit}: a page of tasks from every job the
/// page may hold, in the config's order. `state` is a status label,
/// `avoided` or `disabled`; `after` is the "JOB/NODE" cursor of the
/// previous page's last task.
monitor_result<monitor_question> tasks_question_of(
    const monitor_view& view, const boost::json::object& req);

/// tasks: {"tasks": [{"job", "node", "status" and, when it runs, "worker",
/// "start_ms", "run_id", usage}], "next"}: the jobs' pages in order, up to
/// the limit; "next" is the cursor of its last task when more follow.
monitor_result<boost::json::value> tasks_reply(const monitor_view& view,
                                               const monitor_question& question,
                                               const monitor_answers& answers);

/// task {job_id, node_id}: the job, for that task's status.
monitor_result<monitor_question> task_question_of(
    const monitor_view& view, const boost::json::object& req);

/// task: its status, its run (worker, host, start) when it runs, and what
/// keeps it from running when its job cannot.
monitor_result<boost::json::value> task_reply(const monitor_view& view,
                                              const monitor_question& question,
                                              const monitor_answers& answers);

}  // namespace bistro
