#include "actors/workers/fake_worker.hpp"

#include <caf/all.hpp>
#include <chrono>
#include <random>

#include "actors/jobs/task_status.hpp"
#include "actors/protocol/wall_clock.hpp"

namespace bistro {

namespace {

struct fake_worker_state {
  fake_worker_options options;
  std::mt19937_64 rng;
  static inline const char* name = "fake_worker";
};

// The fake run's end travels as a result addressed to the sink, delayed by
// the run's duration: no timer bookkeeping in the worker itself.
worker_actor::behavior_type fake_worker(
    worker_actor::stateful_pointer<fake_worker_state> self,
    fake_worker_options options) {
  self->state.options = std::move(options);
  self->state.rng.seed(self->state.options.seed);
  return {
      [=](run_atom, const task_spec& spec) {
        auto& st = self->state;
        std::int64_t duration = 0;
        if (st.options.mean_duration_ms > 0)
          duration = std::uniform_int_distribution<std::int64_t>(
              0, 2 * st.options.mean_duration_ms)(st.rng);
        bool fails =
            st.options.failure_rate > 0 &&
            std::bernoulli_distribution(st.options.failure_rate)(st.rng);
        auto now = wall_ms();
        task_result r;
        r.job = spec.job;
        r.node = spec.node;
        r.run_id = spec.run_id;
        r.label = (fails ? status_label::error_backoff : status_label::done);
        r.message = fails ? "fake failure (--test_failure_rate)" : "";
        r.start_ms = now;
        r.end_ms = now + duration;
        r.worker = st.options.shard;
        if (duration == 0)
          self->send(st.options.sink, result_atom_v, std::move(r));
        else
          self->delayed_send(st.options.sink,
                             std::chrono::milliseconds(duration), result_atom_v,
                             std::move(r));
      },
      [=](kill_atom, const kill_order&) {
        // Fake runs end on their own schedule; nothing to kill.
      },
      [=](kill_atom, std::int64_t) {},
      [=](ping_atom) { return true; },
      [=](list_atom) { return std::vector<running_task_report>{}; },
      // Fake runs print nothing: every page is empty.
      [=](logs_atom, const log_request&) { return log_reply{}; },
      [=](tick_atom) {},
      [=](tick_atom, std::uint64_t) {},
  };
}

}  // namespace

worker_actor spawn_fake_worker(caf::actor_system& sys,
                               fake_worker_options options) {
  return sys.spawn(fake_worker, std::move(options));
}

}  // namespace bistro
