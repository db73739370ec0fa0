#include "actors/runtime/detached_census.hpp"

#include <caf/local_actor.hpp>
#include <condition_variable>
#include <mutex>

namespace bistro {

namespace {

struct census {
  std::mutex mtx;
  std::condition_variable ended;
  std::size_t alive = 0;
};

census& the_census() {
  static census c;
  return c;
}

}  // namespace

void count_detached(caf::local_actor* self) {
  auto& c = the_census();
  {
    std::lock_guard<std::mutex> guard{c.mtx};
    ++c.alive;
  }
  self->attach_functor([] {
    auto& c = the_census();
    {
      std::lock_guard<std::mutex> guard{c.mtx};
      --c.alive;
    }
    c.ended.notify_all();
  });
}

std::size_t detached_alive() {
  auto& c = the_census();
  std::lock_guard<std::mutex> guard{c.mtx};
  return c.alive;
}

std::size_t await_detached(std::chrono::milliseconds timeout) {
  auto& c = the_census();
  std::unique_lock<std::mutex> guard{c.mtx};
  c.ended.wait_for(guard, timeout, [&] { return c.alive == 0; });
  return c.alive;
}

}  // namespace bistro
