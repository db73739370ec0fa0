// What running tasks use, as their workers' heartbeats report it from the
// tasks' cgroups: kept on each run (run_info), which the monitor shows
// (actors/monitor/run_handlers.hpp) and sums per worker for /metrics. And
// whether a run is being killed: from the kill order's send until its end
// arrives (without cgroups a killed task lingers while its process tree holds
// its pipe). Runs on the scheduler actor's thread, like the rest of its state.
#include "actors/scheduler/scheduler_state.hpp"

namespace bistro::scheduler_detail {

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

}  // namespace bistro::scheduler_detail
