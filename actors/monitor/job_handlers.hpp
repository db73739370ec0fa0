// The monitor handlers that sum up jobs (actors/protocol/monitor.md):
// Bistro's `histogram` and our `job_summary`. Each asks every requested
// job about its status row (job_questions.hpp, through a jobs_question:
// ask_handlers.hpp) and builds the entry's answer from the jobs' answers
// and the view's config; registered in monitor_table.hpp as `asks`. A
// refusal is a monitor_error, and then nothing is asked.
//
// Plain logic: no CAF. Thread contract: as the view's (the caller's
// thread, during the call).
#pragma once

#include <boost/json.hpp>

#include "actors/monitor/ask_handlers.hpp"
#include "actors/monitor/monitor_error.hpp"
#include "actors/monitor/monitor_view.hpp"

namespace bistro {

/// What keeps a job from running, in one word: "invalid" (config errors:
/// its tasks are not pending, they cannot run until the config is fixed),
/// "disabled", "blocked" (a depends_on cycle), or "ok".
const char* job_state(const job_config& job);

/// histogram {jobs[], num_samples}: every requested job without errors,
/// for its histograms.
monitor_result<monitor_question> histogram_question_of(
    const monitor_view& view, const boost::json::object& req);

/// histogram: Bistro's {"histograms": {job: ...}, "samples": {...}}
/// (samples only when num_samples > 0); a job with errors has none, as in
/// Bistro.
monitor_result<boost::json::value> histogram_reply(
    const monitor_view& view, const monitor_question& question,
    const monitor_answers& answers);

/// job_summary {jobs[], failed_limit (default 20)}: every requested job,
/// for its counts and its failed nodes.
monitor_result<monitor_question> job_summary_question_of(
    const monitor_view& view, const boost::json::object& req);

/// job_summary: {job: {"enabled", "runnable", "state", "errors", "owner",
/// "priority", "level_for_tasks", "backoff", "depends_on", "counts",
/// "failed_nodes", "failed_more"}}.
monitor_result<boost::json::value> job_summary_reply(
    const monitor_view& view, const monitor_question& question,
    const monitor_answers& answers);

}  // namespace bistro
