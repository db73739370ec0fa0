#include "actors/http/monitor_bridge.hpp"

#include <caf/event_based_actor.hpp>
#include <caf/sec.hpp>

namespace bistro::http {

monitor_function make_monitor_bridge(caf::actor_system& sys,
                                     scheduler_actor scheduler,
                                     std::chrono::milliseconds timeout) {
  return [&sys, scheduler, timeout](std::string request,
                                    std::function<void(monitor_answer)> done) {
    // The actor lives until its one response (or the timeout) arrives.
    sys.spawn([=, &sys](caf::event_based_actor* self) {
      self->request(scheduler, timeout, monitor_atom_v, request)
          .then(
              [=](const std::string& reply) {
                done({monitor_answer::outcome::ok, reply});
              },
              [=, &sys](const caf::error& err) {
                done({err == caf::sec::request_timeout
                          ? monitor_answer::outcome::timeout
                          : monitor_answer::outcome::failed,
                      sys.render(err)});
              });
    });
  };
}

}  // namespace bistro::http
