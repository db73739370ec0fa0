// The monitor handlers that read the jobs' status rows
// (actors/protocol/monitor.md): Bistro's `histogram` and our `job_summary`,
// and the per-job counts `status` and `metrics` sum. Plain functions of a
// monitor_view and the request entry; a refusal is a monitor_error. What
// they read of a row is one job's answer (job_questions.hpp), which job
// actors will give once they own the rows.
//
// Thread contract: as the view's (the caller's thread, during the call).
#pragma once

#include <boost/json.hpp>

#include "actors/monitor/job_questions.hpp"
#include "actors/monitor/monitor_error.hpp"
#include "actors/monitor/monitor_view.hpp"

namespace bistro {

/// What keeps a job from running, in one word: "invalid" (config errors:
/// its tasks are not pending, they cannot run until the config is fixed),
/// "disabled", "blocked" (a depends_on cycle), or "ok".
const char* job_state(const job_config& job);

/// Job `q.job`'s answer to `q`, from the view's rows (call only when the
/// view has a config).
job_answer answer_from_view(const monitor_view& view, const job_question& q);

/// Job `j`'s tasks counted by shown status ({"done": 3, "avoided": 1}).
boost::json::object job_counts(const monitor_view& view, std::size_t j);

/// histogram {jobs[], num_samples}: Bistro's {"histograms": {job: ...},
/// "samples": {...}} (samples only when num_samples > 0).
monitor_result<boost::json::value> histogram_answer(
    const monitor_view& view, const boost::json::object& req);

/// job_summary {jobs[], failed_limit (default 20)}: {job: {"enabled",
/// "runnable", "state", "errors", "owner", "priority", "level_for_tasks",
/// "backoff", "depends_on", "counts", "failed_nodes", "failed_more"}}.
monitor_result<boost::json::value> job_summary_answer(
    const monitor_view& view, const boost::json::object& req);

}  // namespace bistro
