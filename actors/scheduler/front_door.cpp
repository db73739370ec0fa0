#include "actors/scheduler/front_door.hpp"

#include <caf/all.hpp>

namespace bistro {

namespace {

front_door_actor::behavior_type front_door(front_door_actor::pointer self,
                                           scheduler_actor scheduler) {
  return {
      [=](hello_atom atom, worker_hello& hello) {
        return self->delegate(scheduler, atom, std::move(hello));
      },
      [=](heartbeat_atom atom, std::string& shard, std::int64_t start_ms) {
        return self->delegate(scheduler, atom, std::move(shard), start_ms);
      },
      [=](monitor_atom atom, std::string& request) {
        return self->delegate(scheduler, atom, std::move(request));
      },
      [=](result_atom atom, task_result& r) {
        self->send(scheduler, atom, std::move(r));
      },
  };
}

}  // namespace

front_door_actor spawn_front_door(caf::actor_system& sys,
                                  scheduler_actor scheduler) {
  return sys.spawn(front_door, std::move(scheduler));
}

}  // namespace bistro
