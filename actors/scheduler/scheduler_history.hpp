// The monitor's run-history handlers (actors/protocol/monitor.md):
// `task_history` (one task's ended runs, oldest first) and `job_history` (a
// job's newest ended runs across its nodes, newest first, bounded). The
// history is on disk, in the status store, whose actor owns the LMDB env:
// these ask it by message and answer when it does, so no LMDB read ever
// runs on CAF's shared threads. Read-only.
//
// Called by scheduler_monitor.cpp's dispatch table on the scheduler's own
// thread. A bad argument is returned as a monitor_error (the entry's error,
// and `done` is never called); everything else arrives through `done`.
// Internal to actors/scheduler/.
#pragma once

#include <boost/json.hpp>
#include <functional>

#include "actors/monitor/monitor_error.hpp"
#include "actors/scheduler/scheduler_state.hpp"

namespace bistro::scheduler_detail {

/// Delivers one monitor entry's answer: {"data": ...} or error_entry(...).
using monitor_entry_done = std::function<void(boost::json::object)>;

/// task_history {job_id, node_id}: {"job", "node", "history": [run, ...]},
/// oldest first; a run is {"run_id", "label", "start_ms", "end_ms",
/// "worker", "message"}.
monitor_check ask_task_history(scheduler_ptr self,
                               const boost::json::object& req,
                               monitor_entry_done done);

/// job_history {job_id, limit (default 100, at most 10000)}: {"job",
/// "limit", "runs": [run with "node", ...]}, newest first.
monitor_check ask_job_history(scheduler_ptr self,
                              const boost::json::object& req,
                              monitor_entry_done done);

/// A history entry as the monitor (and the offline shell) shows it.
boost::json::object run_json(const run_history_entry& run);

}  // namespace bistro::scheduler_detail
