#include "actors/scheduler/scheduler_operator.hpp"

#include <spdlog/spdlog.h>

#include <stdexcept>

#include "actors/jobs/task_status.hpp"
#include "actors/scheduler/drained_workers_file.hpp"
#include "config/json_text.hpp"

namespace bistro::scheduler_detail {

namespace json = boost::json;

namespace {

[[noreturn]] void refuse(std::string what) {
  throw std::invalid_argument(std::move(what));
}

std::string string_arg(const json::object& req, std::string_view key) {
  const auto* v = req.if_contains(key);
  if (!v || !v->is_string() || v->as_string().empty())
    refuse(std::string{key} + ": expected a non-empty string");
  return std::string{v->as_string()};
}

bool bool_arg(const json::object& req, std::string_view key, bool fallback) {
  const auto* v = req.if_contains(key);
  if (!v || v->is_null()) return fallback;
  if (!v->is_bool()) refuse(std::string{key} + ": expected true or false");
  return v->as_bool();
}

std::size_t job_named(scheduler_ptr self, const std::string& name) {
  if (!self->state.cfg || !self->state.tree) refuse("no config loaded yet");
  auto j = job_index_of(self, name);
  if (!j) refuse("Unknown job " + name);
  return *j;
}

std::string joined(const std::vector<std::string>& parts) {
  std::string out;
  for (const auto& p : parts) out += (out.empty() ? "" : "; ") + p;
  return out;
}

}  // namespace

const char* job_state(const job_config& job) {
  if (!job.errors.empty()) return "invalid";
  if (!job.enabled) return "disabled";
  if (!job.blocked.empty()) return "blocked";
  return "ok";
}

json::value handle_task(scheduler_ptr self, const json::object& req) {
  const auto& st = self->state;
  auto job_name = string_arg(req, "job_id");
  auto node_name = string_arg(req, "node_id");
  auto j = job_named(self, job_name);
  const auto& job = st.cfg->jobs[j];
  auto node = st.tree->find(node_name);
  if (!node) refuse("Unknown node " + node_name);
  if (st.tree->level(*node) != job.level_for_tasks)
    refuse("node " + node_name + " is on level " +
           st.cfg->levels[st.tree->level(*node)] + ", and job " + job_name +
           " runs on level " + st.cfg->levels[job.level_for_tasks]);
  json::object out{{"job", job_name},
                   {"node", node_name},
                   {"status", status_to_json(st.rows[j]->record(*node))},
                   {"job_state", job_state(job)},
                   {"node_enabled", st.tree->enabled(*node)}};
  if (!job.errors.empty()) out["job_errors"] = joined(job.errors);
  for (const auto& [id, run] : st.runs) {
    if (run.job != job_name || run.node != node_name) continue;
    json::object r{{"run_id", std::to_string(id)}, {"start_ms", run.start_ms}};
    if (run.worker < st.workers.size()) {
      const auto& slot = st.workers[run.worker];
      r["worker"] = slot.shard;
      r["host"] = slot.host;
    }
    if (run.kill_sent) r["kill_sent"] = true;
    add_usage_json(self, run, r);
    out["run"] = std::move(r);
  }
  return out;
}

json::value handle_kill_job(scheduler_ptr self, const json::object& req) {
  auto& st = self->state;
  auto job_name = string_arg(req, "job_id");
  const auto& job = st.cfg->jobs[job_named(self, job_name)];
  std::int64_t signaled = 0, gone = 0;
  for (auto& [id, run] : st.runs) {
    if (run.job != job_name) continue;
    if (run.worker >= st.workers.size() || !st.workers[run.worker].handle) {
      ++gone;
      continue;
    }
    self->send(st.workers[run.worker].handle, kill_atom_v,
               kill_order{run.job, run.node, id, job.kill_subprocess});
    note_kill_sent(self, run);
    ++signaled;
  }
  spdlog::info("killing every running task of job {} on request: {} signaled",
               job_name, signaled);
  record_event(self, "kill", job_name,
               "every running task on request: " + std::to_string(signaled) +
                   " signaled");
  return json::object{{"signaled", signaled}, {"worker_gone", gone}};
}

json::value handle_drain_worker(scheduler_ptr self, const json::object& req) {
  auto& st = self->state;
  auto shard = string_arg(req, "worker");
  bool drain = bool_arg(req, "drain", true);
  auto w = st.workers.index_of(shard);
  // A shard that is not connected may be drained ahead of its return, but
  // only one the scheduler has seen: a typo must not pass silently.
  if (!st.workers.known(shard)) refuse("Unknown worker " + shard);
  if (st.workers.set_drained(shard, drain) &&
      !st.options.drained_workers_file.empty())
    if (auto err = save_drained_workers(st.options.drained_workers_file,
                                        st.workers.drained_shards())) {
      st.workers.set_drained(shard, !drain);
      refuse("the drain is not kept: " + *err);
    }
  std::size_t running = 0;
  if (w) {
    for (const auto& [id, run] : st.runs) running += run.worker == *w;
    if (drain) {
      st.rounds.remove_worker(*w);
    } else if (!st.workers[*w].remote || st.workers.health().usable(shard)) {
      st.rounds.add_worker(shard, st.workers[*w].host, st.workers[*w].port);
      poke(self);
    }
  }
  spdlog::info("worker {} {} on request ({} running task(s) go on)", shard,
               drain ? "drained: it gets no new task" : "undrained", running);
  record_event(self, drain ? "worker_drained" : "worker_undrained", shard,
               std::to_string(running) + " running task(s) go on");
  return json::object{{"worker", shard},
                      {"drained", drain},
                      {"running", running},
                      {"connected", w.has_value()}};
}

std::string job_text_with_enabled(scheduler_ptr self, const std::string& job,
                                  bool enabled) {
  auto source = self->state.cfg->jobs[job_named(self, job)].source;
  source["enabled"] = enabled;
  return json_text(source);
}

}  // namespace bistro::scheduler_detail
