// CAF's work-sharing scheduler, except that a message one pool actor sends
// to another is run next by the same thread instead of waking a second one.
//
// Why: a task's end travels worker -> scheduler -> policy -> scheduler ->
// worker. Under plain work sharing each of those hops notifies the shared
// queue's condition variable, so an idle CAF thread wakes on the other
// core, usually one busy running a task, and the hand-off waits for it.
// Here each thread keeps one "next" job: the first actor a running actor
// makes ready is parked there (no lock, no wake-up) and runs as soon as
// the current one yields, on a warm cache. Every further actor it makes
// ready, and everything sent from outside the pool (timers, I/O, other
// threads), goes to the shared queue and wakes an idle thread as before.
//
// A parked job waits only for the rest of its thread's current resume,
// which `scheduler.max-throughput` bounds; and a thread takes its parked
// job at most `max_in_row` times in a row before it serves the shared
// queue, so a ping-pong between two actors cannot starve the others.
//
// Thread contract: CAF calls these from its own threads. `worker_data` is
// touched only by its worker's thread (and by the coordinator after every
// worker has stopped); the shared queue is guarded by its mutex.
#pragma once

#include <caf/actor_system_config.hpp>
#include <caf/policy/work_sharing.hpp>
#include <caf/scheduler/abstract_coordinator.hpp>
#include <cstddef>
#include <utility>

namespace bistro {

class affine_sharing : public caf::policy::work_sharing {
 public:
  /// Parked jobs a thread runs in a row before it looks at the shared
  /// queue.
  static constexpr std::size_t max_in_row = 32;

  struct worker_data {
    explicit worker_data(caf::scheduler::abstract_coordinator*) {}
    // Each worker copies the coordinator's initial value: start empty.
    worker_data(const worker_data&) {}
    worker_data& operator=(const worker_data&) = delete;

    caf::resumable* next = nullptr;
    std::size_t in_row = 0;
  };

  template <class Worker>
  void internal_enqueue(Worker* self, caf::resumable* job) {
    auto& mine = self->data();
    if (mine.next == nullptr) {
      mine.next = job;
      return;
    }
    enqueue(self->parent(), job);
  }

  template <class Worker>
  caf::resumable* dequeue(Worker* self) {
    auto& mine = self->data();
    if (mine.next != nullptr) {
      if (mine.in_row < max_in_row) {
        ++mine.in_row;
        return std::exchange(mine.next, nullptr);
      }
      // Let another thread (or this one, in turn) run it.
      enqueue(self->parent(), std::exchange(mine.next, nullptr));
    }
    mine.in_row = 0;
    return caf::policy::work_sharing::dequeue(self);
  }

  /// After the workers stopped: the coordinator releases what is parked.
  template <class Worker, class UnaryFunction>
  void foreach_resumable(Worker* self, UnaryFunction f) {
    if (auto* job = std::exchange(self->data().next, nullptr)) f(job);
  }
};

/// Makes `cfg`'s actor system use affine_sharing with CAF's configured
/// thread count and throughput.
void use_affine_sharing(caf::actor_system_config& cfg);

}  // namespace bistro
