// Fills the two rings the monitor's activity handlers read
// (actors/monitor/activity_handlers.hpp): the operator's event log and the
// page's activity samples, from the scheduler's own thread.
#include "actors/scheduler/scheduler_state.hpp"

namespace bistro::scheduler_detail {

void record_event(scheduler_ptr self, std::string kind, std::string subject,
                  std::string message) {
  self->state.events.add(now_ms(self), std::move(kind), std::move(subject),
                         std::move(message));
}

void sample_activity(scheduler_ptr self, std::int64_t now) {
  auto& st = self->state;
  if (!st.activity.due(now)) return;
  std::unordered_map<std::string, std::uint32_t> running;
  for (const auto& [id, run] : st.runs) ++running[run.job];
  st.activity.close(now, running);
}

}  // namespace bistro::scheduler_detail
