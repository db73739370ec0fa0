// The monitor handlers that change the scheduler (actors/protocol/
// monitor.md): `forgive_jobs`, `kill_task`, `kill_job`, `drain_worker`, and
// the orders of `save_job`, `delete_job` and `enable_job` for the config
// watcher. Plain functions: they read their arguments and the view, decide,
// and act only through monitor_actions; a refusal is a monitor_error and
// changes nothing.
//
// Thread contract: as the view's (the caller's thread, during the call).
#pragma once

#include <boost/json.hpp>
#include <string>

#include "actors/monitor/monitor_actions.hpp"
#include "actors/monitor/monitor_error.hpp"
#include "actors/monitor/monitor_view.hpp"

namespace bistro {

/// forgive_jobs {jobs[]}: forgives the named jobs (unknown names are no
/// error, as in Bistro): "forgiven".
monitor_result<boost::json::value> forgive_jobs_answer(
    const monitor_view& view, monitor_actions& act,
    const boost::json::object& req);

/// kill_task {job_id, node_id}: a kill order for the task's run:
/// "signaled"; not_found when the job or the run is unknown, unavailable
/// when the run's worker is gone.
monitor_result<boost::json::value> kill_task_answer(
    const monitor_view& view, monitor_actions& act,
    const boost::json::object& req);

/// kill_job {job_id}: kill orders for every running task of the job:
/// {"signaled", "worker_gone"}.
monitor_result<boost::json::value> kill_job_answer(
    const monitor_view& view, monitor_actions& act,
    const boost::json::object& req);

/// drain_worker {worker, drain (default true)}: the worker finishes what
/// it runs and gets nothing new (or again, undrained); kept on disk. A
/// shard that is not connected may be drained ahead of its return, if the
/// scheduler has seen it: {"worker", "drained", "running", "connected"}.
monitor_result<boost::json::value> drain_worker_answer(
    const monitor_view& view, monitor_actions& act,
    const boost::json::object& req);

/// What the config watcher is to write for a job, and the answer once it
/// did.
struct job_edit {
  std::string job;
  /// The job's object as JSON text; "" deletes the job.
  std::string text;
  /// "saved", "deleted", "enabled" or "disabled".
  std::string done;
};

/// save_job {job_id, job (an object)}.
monitor_result<job_edit> save_job_edit(const monitor_view& view,
                                       const boost::json::object& req);

/// delete_job {job_id}.
monitor_result<job_edit> delete_job_edit(const monitor_view& view,
                                         const boost::json::object& req);

/// enable_job {job_id, enabled}: the job's own object as written in the
/// file, with "enabled" set; not_found for an unknown job.
monitor_result<job_edit> enable_job_edit(const monitor_view& view,
                                         const boost::json::object& req);

}  // namespace bistro
