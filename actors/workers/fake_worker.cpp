#include "actors/workers/fake_worker.hpp"

#include <algorithm>
#include <caf/all.hpp>
#include <chrono>
#include <random>
#include <vector>

#include "actors/jobs/task_status.hpp"
#include "actors/protocol/wall_clock.hpp"

namespace bistro {

namespace {

/// A fake run that has not ended yet: its end and where its result waits.
struct pending_end {
  std::int64_t end_ms = 0;
  std::uint32_t slot = 0;
  /// Heap order: the earliest end on top.
  bool operator<(const pending_end& o) const { return end_ms > o.end_ms; }
};

struct fake_worker_state {
  fake_worker_options options;
  std::mt19937_64 rng;
  /// A heap of runs by end time, the earliest in front; their results in
  /// `results` (slots reused through `free_slots`).
  std::vector<pending_end> pending;
  std::vector<task_result> results;
  std::vector<std::uint32_t> free_slots;
  /// When the armed timer fires (0: none armed) and its generation (an
  /// older timer's tick is ignored).
  std::int64_t timer_due_ms = 0;
  std::uint64_t timer_generation = 0;
  static inline const char* name = "fake_worker";
};

using fake_worker_ptr = worker_actor::stateful_pointer<fake_worker_state>;

// One timer for the earliest pending end, not one delayed message per run:
// at tens of thousands of runs a second, a delayed message each kept CAF's
// clock thread busy and woke it for every run.
void arm(fake_worker_ptr self, std::int64_t now) {
  auto& st = self->state;
  if (st.pending.empty()) return;
  auto due = st.pending.front().end_ms;
  if (st.timer_due_ms != 0 && st.timer_due_ms <= due) return;
  st.timer_due_ms = due;
  self->delayed_send(
      self, std::chrono::milliseconds(std::max<std::int64_t>(due - now, 1)),
      tick_atom_v, ++st.timer_generation);
}

/// Sends the results of every run that has ended by now.
void send_ended(fake_worker_ptr self) {
  auto& st = self->state;
  auto now = wall_ms();
  while (!st.pending.empty() && st.pending.front().end_ms <= now) {
    std::pop_heap(st.pending.begin(), st.pending.end());
    auto slot = st.pending.back().slot;
    st.pending.pop_back();
    self->send(st.options.sink, result_atom_v, std::move(st.results[slot]));
    st.free_slots.push_back(slot);
  }
  arm(self, now);
}

// The fake run's end travels as a result addressed to the sink once its
// duration has passed.
worker_actor::behavior_type fake_worker(fake_worker_ptr self,
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
        if (duration == 0) {
          self->send(st.options.sink, result_atom_v, std::move(r));
          return;
        }
        std::uint32_t slot;
        if (st.free_slots.empty()) {
          slot = static_cast<std::uint32_t>(st.results.size());
          st.results.push_back(std::move(r));
        } else {
          slot = st.free_slots.back();
          st.free_slots.pop_back();
          st.results[slot] = std::move(r);
        }
        st.pending.push_back(pending_end{now + duration, slot});
        std::push_heap(st.pending.begin(), st.pending.end());
        arm(self, now);
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
      [=](tick_atom, std::uint64_t generation) {
        auto& st = self->state;
        if (generation != st.timer_generation) return;  // superseded
        st.timer_due_ms = 0;
        send_ended(self);
      },
  };
}

}  // namespace

worker_actor spawn_fake_worker(caf::actor_system& sys,
                               fake_worker_options options) {
  return sys.spawn(fake_worker, std::move(options));
}

}  // namespace bistro
