// What running tasks use, as their workers' heartbeats report it from the
// tasks' cgroups: kept on each run (run_info) for the monitor's running
// tasks, and summed per worker for /metrics. And whether a run is being
// killed: from the kill order's send until its end arrives (without
// cgroups a killed task lingers while its process tree holds its pipe). Runs on
// the scheduler actor's thread, like the rest of its state.
#include <boost/json.hpp>

#include "actors/protocol/saturating_add.hpp"
#include "actors/scheduler/scheduler_state.hpp"

namespace bistro::scheduler_detail {

namespace json = boost::json;

void note_task_usage(scheduler_ptr self, worker_index w,
                     const std::vector<running_task_report>& running) {
  auto& st = self->state;
  auto now = now_ms(self);
  for (const auto& report : running) {
    auto it = st.runs.find(report.run_id);
    // A worker speaks only for the runs the scheduler sent it.
    if (it == st.runs.end() || it->second.worker != w ||
        it->second.job != report.job || it->second.node != report.node)
      continue;
    auto& run = it->second;
    run.memory_bytes = report.memory_bytes < 0 ? -1 : report.memory_bytes;
    run.cpu_time_ns = report.cpu_time_ns < 0 ? -1 : report.cpu_time_ns;
    run.usage_ms = now;
    if (report.killing_since_ms > 0 && run.killing_since_ms == 0)
      run.killing_since_ms = report.killing_since_ms;
  }
}

void poll_local_usage(scheduler_ptr self) {
  const auto& st = self->state;
  for (worker_index w = 0; w < st.workers.size(); ++w) {
    const auto& slot = st.workers[w];
    if (slot.remote || !slot.handle) continue;
    auto handle = slot.handle;
    self->request(handle, std::chrono::seconds(5), list_atom_v)
        .then(
            [=](const std::vector<running_task_report>& running) {
              const auto& st = self->state;
              if (w < st.workers.size() && st.workers[w].handle == handle)
                note_task_usage(self, w, running);
            },
            [](const caf::error&) {
              // Usage is only shown: the next tick asks again.
            });
  }
}

void note_kill_sent(scheduler_ptr self, run_info& run) {
  if (run.killing_since_ms == 0) run.killing_since_ms = now_ms(self);
}

void add_usage_json(scheduler_ptr, const run_info& run, json::object& out) {
  out["state"] = run.killing_since_ms > 0 ? "killing" : "running";
  if (run.killing_since_ms > 0) out["killing_since_ms"] = run.killing_since_ms;
  if (run.memory_bytes >= 0) out["memory_bytes"] = run.memory_bytes;
  if (run.cpu_time_ns >= 0)
    out["cpu_seconds"] = static_cast<double>(run.cpu_time_ns) / 1e9;
  if (run.usage_ms > 0 && (run.memory_bytes >= 0 || run.cpu_time_ns >= 0))
    out["usage_ms"] = run.usage_ms;
}

json::object worker_usage_json(scheduler_ptr self) {
  const auto& st = self->state;
  struct sums {
    std::int64_t memory_bytes = 0;
    std::int64_t cpu_time_ns = 0;
    std::int64_t measured = 0;
  };
  std::map<std::string, sums> by_shard;
  // Every worker gets a row, so that a dashboard sees its zero.
  for (const auto& slot : st.workers)
    if (slot.handle) by_shard[slot.shard];
  for (const auto& [id, run] : st.runs) {
    if (run.worker >= st.workers.size() || !st.workers[run.worker].handle)
      continue;
    if (run.memory_bytes < 0 && run.cpu_time_ns < 0) continue;
    auto& s = by_shard[st.workers[run.worker].shard];
    // Figures come from the worker: summed without overflowing.
    s.memory_bytes = saturating_add(
        s.memory_bytes, std::max<std::int64_t>(run.memory_bytes, 0));
    s.cpu_time_ns = saturating_add(s.cpu_time_ns,
                                   std::max<std::int64_t>(run.cpu_time_ns, 0));
    ++s.measured;
  }
  json::object out;
  for (const auto& [shard, s] : by_shard)
    out[shard] =
        json::object{{"memory_bytes", s.memory_bytes},
                     {"cpu_seconds", static_cast<double>(s.cpu_time_ns) / 1e9},
                     {"measured_tasks", s.measured}};
  return out;
}

}  // namespace bistro::scheduler_detail
