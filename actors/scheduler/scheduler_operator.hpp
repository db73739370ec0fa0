// The monitor handlers an operator's tools use beside Bistro's (actors/
// protocol/monitor.md) that change the scheduler's state: kill every run of
// a job, drain a worker, enable a job. Called by scheduler_monitor.cpp's
// dispatch table on the scheduler's own thread; each answers at once, or
// returns a monitor_error (actors/monitor/monitor_error.hpp) saying what was
// wrong. Internal to actors/scheduler/.
#pragma once

#include <boost/json.hpp>
#include <string>

#include "actors/monitor/monitor_error.hpp"
#include "actors/scheduler/scheduler_state.hpp"

namespace bistro::scheduler_detail {

/// kill_job {job_id}: kill orders for every running task of the job.
monitor_result<boost::json::value> handle_kill_job(
    scheduler_ptr self, const boost::json::object& req);

/// drain_worker {worker, drain (default true)}: the worker finishes what
/// it runs and gets nothing new (or again, undrained); kept on disk.
monitor_result<boost::json::value> handle_drain_worker(
    scheduler_ptr self, const boost::json::object& req);

/// enable_job's new text for the job: its object as written in the file,
/// with "enabled" set; not_found for an unknown job.
monitor_result<std::string> job_text_with_enabled(scheduler_ptr self,
                                                  const std::string& job,
                                                  bool enabled);

}  // namespace bistro::scheduler_detail
