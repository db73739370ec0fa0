// The monitor's activity handlers (actors/protocol/monitor.md), read from
// the two rings the scheduler keeps: `timeseries` (activity_series.hpp:
// running tasks, starts, finishes and failures per sample, in total and
// per job, over the last hour) and `events` (event_log.hpp: workers that
// joined, changed health or were lost, configs loaded or rejected, kills).
// Read-only plain functions of a monitor_view; a bad argument is a
// bad_request monitor_error.
//
// Thread contract: as the view's (the caller's thread, during the call).
#pragma once

#include <boost/json.hpp>

#include "actors/monitor/monitor_error.hpp"
#include "actors/monitor/monitor_view.hpp"

namespace bistro {

/// timeseries {jobs[] (default: every job seen), since_ms}: {"interval_ms",
/// "capacity", "now_ms", "columns": ["t_ms", "span_ms", "running",
/// "started", "finished", "failed"], "total": [row, ...], "jobs": {job:
/// [row, ...]}}, rows oldest first, one per kept sample (zeros where the
/// job had nothing).
monitor_result<boost::json::value> timeseries_answer(
    const monitor_view& view, const boost::json::object& req);

/// events {after (sequence number, default 0), limit (default 200, at most
/// 1000), kind, subject}: {"events": [{"seq", "time_ms", "kind",
/// "subject", "message"}, ...] oldest first, "last_seq", "first_seq",
/// "missed": bool (events past `after` were dropped from the ring)}.
monitor_result<boost::json::value> events_answer(
    const monitor_view& view, const boost::json::object& req);

}  // namespace bistro
