// The monitor handlers that read the scheduler's counters and workers
// (actors/protocol/monitor.md): our `status` (the shell's and the page's
// summary), `metrics` (what /metrics exports) and `workers` (one row per
// connected worker). `workers` is a plain function of a monitor_view and
// the request entry; `status` and `metrics` also show every job's tasks by
// shown status, so they ask every job for its counts
// (job_counts_question_of, job_questions.hpp) and build their answer from
// the jobs' answers and the view (registered in monitor_table.hpp as
// `asks`). A refusal is a monitor_error.
//
// Plain logic: no CAF. Thread contract: as the view's (the caller's
// thread, during the call).
#pragma once

#include <boost/json.hpp>

#include "actors/monitor/ask_handlers.hpp"
#include "actors/monitor/monitor_error.hpp"
#include "actors/monitor/monitor_view.hpp"

namespace bistro {

/// Connected workers counted by health name (the in-process worker, and a
/// remote one the registry forgot, count as HEALTHY).
boost::json::object workers_by_health(const monitor_view& view);

/// Per connected worker's shard: the memory and CPU time its measured runs
/// use now ({"memory_bytes", "cpu_seconds", "measured_tasks"}), zeros for
/// a worker with none.
boost::json::object worker_usage_json(const monitor_view& view);

/// status, metrics: every job of the config (none before the first), for
/// its tasks by shown status.
monitor_result<monitor_question> job_counts_question_of(
    const monitor_view& view, const boost::json::object& req);

/// status: {"now_ms", "started_ms", "startup_wait", "config_ms", "enabled",
/// "errors", "counts" (tasks by shown status, over all jobs), "jobs",
/// "invalid_jobs", "nodes", "running", "workers" (by health), "rounds",
/// "rounds_per_s", "tasks_started", "tasks_finished", "tasks_per_s"}.
monitor_result<boost::json::value> status_reply(
    const monitor_view& view, const monitor_question& question,
    const monitor_answers& answers);

/// metrics: {"tasks" (per job, by shown status), "running", task and round
/// counters, "round_seconds_buckets" (cumulative, Prometheus' `le`),
/// "workers" (by health), "config_errors", the store's commits,
/// "worker_usage"}.
monitor_result<boost::json::value> metrics_reply(
    const monitor_view& view, const monitor_question& question,
    const monitor_answers& answers);

/// workers: [{"shard", "remote", "drained", "running", "start_ms", "host",
/// "pid", "health", "last_heartbeat_ms", "last_heard_ms_ago", "silent",
/// "physical", "resources"}] for every connected worker.
monitor_result<boost::json::value> workers_answer(
    const monitor_view& view, const boost::json::object& req);

}  // namespace bistro
