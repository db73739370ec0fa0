// The monitor's activity handlers (actors/protocol/monitor.md), read from
// the two rings the scheduler keeps: `timeseries` (activity_series.hpp:
// running tasks, starts, finishes and failures per sample, in total and
// per job, over the last hour) and `events` (event_log.hpp: workers that
// joined, changed health or were lost, configs loaded or rejected, kills).
// Read-only; the rings are filled by record_event and sample_activity
// (scheduler_state.hpp) from the scheduler's own code.
//
// Called by scheduler_monitor.cpp's dispatch table on the scheduler's own
// thread; a bad argument is returned as a monitor_error. Internal to
// actors/scheduler/.
#pragma once

#include <boost/json.hpp>

#include "actors/monitor/monitor_error.hpp"
#include "actors/scheduler/scheduler_state.hpp"

namespace bistro::scheduler_detail {

/// timeseries {jobs[] (default: every job seen), since_ms}: {"interval_ms",
/// "capacity", "now_ms", "columns": ["t_ms", "span_ms", "running",
/// "started", "finished", "failed"], "total": [row, ...], "jobs": {job:
/// [row, ...]}}, rows oldest first, one per kept sample (zeros where the
/// job had nothing).
monitor_result<boost::json::value> handle_timeseries(
    scheduler_ptr self, const boost::json::object& req);

/// events {after (sequence number, default 0), limit (default 200, at most
/// 1000), kind, subject}: {"events": [{"seq", "time_ms", "kind",
/// "subject", "message"}, ...] oldest first, "last_seq", "first_seq",
/// "missed": bool (events past `after` were dropped from the ring)}.
monitor_result<boost::json::value> handle_events(
    scheduler_ptr self, const boost::json::object& req);

}  // namespace bistro::scheduler_detail
