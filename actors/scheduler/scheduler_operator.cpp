#include "actors/scheduler/scheduler_operator.hpp"

#include <spdlog/spdlog.h>

#include "actors/jobs/task_status.hpp"
#include "actors/monitor/job_handlers.hpp"
#include "actors/monitor/monitor_args.hpp"
#include "actors/scheduler/drained_workers_file.hpp"
#include "config/json_text.hpp"

namespace bistro::scheduler_detail {

namespace json = boost::json;

namespace {

monitor_result<std::size_t> job_named(scheduler_ptr self,
                                      const std::string& name) {
  if (!self->state.cfg || !self->state.tree)
    return unavailable("no config loaded yet");
  auto j = job_index_of(self, name);
  if (!j) return not_found("Unknown job " + name);
  return *j;
}

}  // namespace

monitor_result<json::value> handle_kill_job(scheduler_ptr self,
                                            const json::object& req) {
  auto& st = self->state;
  auto job_arg = name_arg(req, "job_id");
  if (!job_arg) return std::move(job_arg).error();
  const auto& job_name = *job_arg;
  auto j = job_named(self, job_name);
  if (!j) return std::move(j).error();
  const auto& job = st.cfg->jobs[*j];
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

monitor_result<json::value> handle_drain_worker(scheduler_ptr self,
                                                const json::object& req) {
  auto& st = self->state;
  auto shard_arg = name_arg(req, "worker");
  if (!shard_arg) return std::move(shard_arg).error();
  const auto& shard = *shard_arg;
  auto drain_arg = bool_arg(req, "drain", true);
  if (!drain_arg) return std::move(drain_arg).error();
  bool drain = *drain_arg;
  auto w = st.workers.index_of(shard);
  // A shard that is not connected may be drained ahead of its return, but
  // only one the scheduler has seen: a typo must not pass silently.
  if (!st.workers.known(shard)) return not_found("Unknown worker " + shard);
  if (st.workers.set_drained(shard, drain) &&
      !st.options.drained_workers_file.empty())
    if (auto err = save_drained_workers(st.options.drained_workers_file,
                                        st.workers.drained_shards())) {
      st.workers.set_drained(shard, !drain);
      return unavailable("the drain is not kept: " + *err);
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

monitor_result<std::string> job_text_with_enabled(scheduler_ptr self,
                                                  const std::string& job,
                                                  bool enabled) {
  auto j = job_named(self, job);
  if (!j) return std::move(j).error();
  auto source = self->state.cfg->jobs[*j].source;
  source["enabled"] = enabled;
  return json_text(source);
}

}  // namespace bistro::scheduler_detail
