// A program that ends its actor system the way bistro_scheduler and
// bistro_worker do, with an actor on a thread of its own that re-arms a
// timer to itself (as the status store, the config watcher, the nodes
// actor and the task-log writer do), told to stop while it is busy in its
// tick. Argument "wait": main waits for the census first (what the apps
// do); "nowait": it does not. Prints "returning" as main returns; exits 0
// once the actor system is destroyed.
#include <caf/all.hpp>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <thread>

#include "actors/runtime/detached_census.hpp"

namespace {

caf::behavior ticker(caf::event_based_actor* self) {
  bistro::count_detached(self);
  self->send(self, caf::atom_value{caf::atom("tick")});
  return {
      [=](caf::atom_value) {
        // Busy past the moment main lets the actor system go, then arms
        // the next tick, as a periodic flush or config check does.
        std::this_thread::sleep_for(std::chrono::milliseconds(1000));
        self->delayed_send(self, std::chrono::milliseconds(1),
                           caf::atom_value{caf::atom("tick")});
      },
  };
}

}  // namespace

int main(int argc, char** argv) {
  bool wait = argc > 1 && std::strcmp(argv[1], "wait") == 0;
  caf::actor_system_config cfg;
  {
    caf::actor_system sys{cfg};
    auto a = sys.spawn<caf::detached>(ticker);
    // Let its first tick begin, then tell it to stop while it is busy.
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
    a = nullptr;
    if (wait) {
      auto left = bistro::await_detached(std::chrono::seconds(10));
      std::printf("census: %zu left\n", left);
    }
    sys.await_actors_before_shutdown(false);
    std::printf("returning\n");
    std::fflush(stdout);
  }
  std::printf("actor system destroyed\n");
  return 0;
}
