#include "actors/monitor/change_handlers.hpp"

#include <spdlog/spdlog.h>

#include "actors/monitor/config_handlers.hpp"
#include "actors/monitor/monitor_args.hpp"
#include "config/json_text.hpp"

namespace bistro {

namespace json = boost::json;

namespace {

/// The config index of job `name`: unavailable before the first config,
/// not_found for an unknown job.
monitor_result<std::size_t> job_named(const monitor_view& view,
                                      const std::string& name) {
  if (auto no = need_config(view)) return std::move(*no);
  const auto* job = view.cfg->find_job(name);
  if (!job) return not_found("Unknown job " + name);
  return static_cast<std::size_t>(job - view.cfg->jobs.data());
}

/// Whether run `run`'s worker is still connected (a kill order can reach
/// it).
bool worker_connected(const monitor_view& view, const run_info& run) {
  const auto& workers = view.workers();
  return run.worker < workers.size() && workers[run.worker].connected;
}

/// The connected worker slot of `shard`.
std::optional<worker_index> connected_slot(const monitor_view& view,
                                           const std::string& shard) {
  const auto& workers = view.workers();
  for (std::size_t w = 0; w < workers.size(); ++w)
    if (workers[w].connected && workers[w].shard == shard)
      return static_cast<worker_index>(w);
  return std::nullopt;
}

}  // namespace

monitor_result<json::value> forgive_jobs_answer(const monitor_view& view,
                                                monitor_actions& act,
                                                const json::object& req) {
  if (auto no = need_config(view)) return std::move(*no);
  auto names = strings_arg(req, "jobs");
  if (!names) return std::move(names).error();
  std::vector<std::size_t> jobs;
  for (const auto& name : *names) {
    const auto* job = view.cfg->find_job(name);
    if (!job) continue;  // as Bistro: unknown jobs are no error
    jobs.push_back(static_cast<std::size_t>(job - view.cfg->jobs.data()));
    spdlog::info("job {} forgiven", name);
  }
  act.forgive(jobs);
  return "forgiven";
}

monitor_result<json::value> kill_task_answer(const monitor_view& view,
                                             monitor_actions& act,
                                             const json::object& req) {
  if (auto no = need_config(view)) return std::move(*no);
  auto job_arg = string_arg(req, "job_id");
  if (!job_arg) return std::move(job_arg).error();
  auto node_arg = string_arg(req, "node_id");
  if (!node_arg) return std::move(node_arg).error();
  const auto& job_name = *job_arg;
  const auto& node_name = *node_arg;
  if (!view.cfg->find_job(job_name))
    return not_found("Unknown job " + job_name);
  for (const auto& [id, run] : view.runs) {
    if (run.job != job_name || run.node != node_name) continue;
    if (!worker_connected(view, run))
      return unavailable("the worker of " + job_name + ", " + node_name +
                         " is gone");
    spdlog::info("killing {} on {} (run {}) on request", run.job, run.node, id);
    act.record_event("kill", run.job + " " + run.node,
                     "on request (run " + std::to_string(id) + ")");
    act.kill(id);
    return "signaled";
  }
  return not_found("Unknown running task " + job_name + ", " + node_name);
}

monitor_result<json::value> kill_job_answer(const monitor_view& view,
                                            monitor_actions& act,
                                            const json::object& req) {
  auto job_arg = name_arg(req, "job_id");
  if (!job_arg) return std::move(job_arg).error();
  const auto& job_name = *job_arg;
  auto j = job_named(view, job_name);
  if (!j) return std::move(j).error();
  std::vector<std::uint64_t> to_kill;
  std::int64_t gone = 0;
  for (const auto& [id, run] : view.runs) {
    if (run.job != job_name) continue;
    if (worker_connected(view, run))
      to_kill.push_back(id);
    else
      ++gone;
  }
  for (auto id : to_kill) act.kill(id);
  auto signaled = static_cast<std::int64_t>(to_kill.size());
  spdlog::info("killing every running task of job {} on request: {} signaled",
               job_name, signaled);
  act.record_event("kill", job_name,
                   "every running task on request: " +
                       std::to_string(signaled) + " signaled");
  return json::object{{"signaled", signaled}, {"worker_gone", gone}};
}

monitor_result<json::value> drain_worker_answer(const monitor_view& view,
                                                monitor_actions& act,
                                                const json::object& req) {
  auto shard_arg = name_arg(req, "worker");
  if (!shard_arg) return std::move(shard_arg).error();
  const auto& shard = *shard_arg;
  auto drain_arg = bool_arg(req, "drain", true);
  if (!drain_arg) return std::move(drain_arg).error();
  bool drain = *drain_arg;
  // A shard that is not connected may be drained ahead of its return, but
  // only one the scheduler has seen: a typo must not pass silently.
  if (!view.known_worker(shard)) return not_found("Unknown worker " + shard);
  auto w = connected_slot(view, shard);
  if (auto refused = act.set_drained(shard, drain, w)) return *refused;
  std::size_t running = 0;
  if (w)
    for (const auto& [id, run] : view.runs) running += run.worker == *w;
  spdlog::info("worker {} {} on request ({} running task(s) go on)", shard,
               drain ? "drained: it gets no new task" : "undrained", running);
  act.record_event(drain ? "worker_drained" : "worker_undrained", shard,
                   std::to_string(running) + " running task(s) go on");
  return json::object{{"worker", shard},
                      {"drained", drain},
                      {"running", running},
                      {"connected", w.has_value()}};
}

monitor_result<job_edit> save_job_edit(const monitor_view&,
                                       const json::object& req) {
  auto job = string_arg(req, "job_id");
  if (!job) return std::move(job).error();
  const auto* v = req.if_contains("job");
  if (!v || !v->is_object()) return bad_request("job: expected an object");
  return job_edit{std::move(*job), json::serialize(*v), "saved"};
}

monitor_result<job_edit> delete_job_edit(const monitor_view&,
                                         const json::object& req) {
  auto job = string_arg(req, "job_id");
  if (!job) return std::move(job).error();
  return job_edit{std::move(*job), "", "deleted"};
}

monitor_result<job_edit> enable_job_edit(const monitor_view& view,
                                         const json::object& req) {
  auto job = string_arg(req, "job_id");
  if (!job) return std::move(job).error();
  const auto* v = req.if_contains("enabled");
  if (!v || !v->is_bool()) return bad_request("enabled: expected a boolean");
  auto j = job_named(view, *job);
  if (!j) return std::move(j).error();
  auto enabled = v->as_bool();
  auto source = view.cfg->jobs[*j].source;
  source["enabled"] = enabled;
  return job_edit{std::move(*job), json_text(source),
                  enabled ? "enabled" : "disabled"};
}

}  // namespace bistro
