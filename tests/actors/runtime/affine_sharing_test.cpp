// affine_sharing, CAF's scheduler as the apps run it: a chain of messages
// between pool actors stays on one thread; a second actor made ready at
// once runs in parallel on another; a ping-pong cannot starve the rest.
#include "actors/runtime/affine_sharing.hpp"

#include <atomic>
#include <caf/all.hpp>
#include <catch2/catch.hpp>
#include <chrono>
#include <condition_variable>
#include <future>
#include <mutex>
#include <set>
#include <thread>

using namespace bistro;

namespace {

struct pool_config : caf::actor_system_config {
  explicit pool_config(std::size_t threads) {
    set("scheduler.max-threads", threads);
    set("scheduler.max-throughput", static_cast<std::size_t>(64));
    use_affine_sharing(*this);
  }
};

constexpr auto patience = std::chrono::seconds(10);

}  // namespace

TEST_CASE(
    "affine sharing: a chain of hops between two actors stays on one "
    "thread",
    "[affinity]") {
  pool_config cfg{2};
  caf::actor_system sys{cfg};
  // Fewer hops than max_in_row, all after the first (which comes from
  // outside the pool and may land on either thread).
  constexpr int hops = 30;
  static_assert(hops < static_cast<int>(affine_sharing::max_in_row));
  auto threads = std::make_shared<std::vector<std::thread::id>>();
  auto done = std::make_shared<std::promise<void>>();
  auto hop = [=](caf::event_based_actor* self) -> caf::behavior {
    return {
        [=](int left, caf::actor other) {
          threads->push_back(std::this_thread::get_id());
          if (left == 0) {
            done->set_value();
            return;
          }
          self->send(other, left - 1, caf::actor_cast<caf::actor>(self));
          // Work after the send: time enough for the idle thread to take
          // the next hop, if it were woken for it.
          auto until =
              std::chrono::steady_clock::now() + std::chrono::milliseconds(1);
          while (std::chrono::steady_clock::now() < until) {
          }
        },
    };
  };
  // Lazy: neither actor runs before its first hop. A plain spawn runs the
  // actor's start on the pool, and an actor still in that run (or in the
  // one that answered a "ready?" question) takes a message sent to it
  // right there, on its own thread, instead of being made ready by the
  // sender: the chain would start on two threads.
  auto a = sys.spawn<caf::lazy_init>(hop);
  auto b = sys.spawn<caf::lazy_init>(hop);
  caf::anon_send(a, hops, b);
  REQUIRE(done->get_future().wait_for(patience) == std::future_status::ready);
  // Each hop waited for its sender's thread. Plain work sharing wakes the
  // idle thread for every hop, and it takes the hop while the sender
  // still works.
  std::set<std::thread::id> distinct(threads->begin(), threads->end());
  CHECK(threads->size() == hops + 1);
  CHECK(distinct.size() == 1);
}

TEST_CASE(
    "affine sharing: the second actor made ready runs in parallel on "
    "another thread",
    "[affinity]") {
  pool_config cfg{2};
  caf::actor_system sys{cfg};
  // Two actors that each wait until both run at once: only possible when
  // the second one is not parked behind the first.
  struct meeting {
    std::mutex mutex;
    std::condition_variable cv;
    int arrived = 0;
  };
  auto m = std::make_shared<meeting>();
  auto both = std::make_shared<std::promise<bool>>();
  auto count = std::make_shared<std::atomic<int>>(0);
  auto waiter = [=](caf::event_based_actor*) -> caf::behavior {
    return {
        [=](caf::ok_atom) {
          std::unique_lock<std::mutex> guard(m->mutex);
          ++m->arrived;
          m->cv.notify_all();
          bool met =
              m->cv.wait_for(guard, patience, [&] { return m->arrived == 2; });
          if (++*count == 2) both->set_value(met);
        },
    };
  };
  auto x = sys.spawn(waiter);
  auto y = sys.spawn(waiter);
  auto fan_out = sys.spawn([=](caf::event_based_actor* self) -> caf::behavior {
    return {[=](caf::ok_atom) {
      self->send(x, caf::ok_atom_v);
      self->send(y, caf::ok_atom_v);
    }};
  });
  caf::anon_send(fan_out, caf::ok_atom_v);
  auto result = both->get_future();
  REQUIRE(result.wait_for(patience * 2) == std::future_status::ready);
  CHECK(result.get());
}

TEST_CASE(
    "affine sharing: a ping-pong between two actors does not starve a "
    "third on a single thread") {
  pool_config cfg{1};
  caf::actor_system sys{cfg};
  auto stop = std::make_shared<std::atomic<bool>>(false);
  auto player = [=](caf::event_based_actor* self) -> caf::behavior {
    return {
        [=](caf::actor other) {
          if (!stop->load())
            self->send(other, caf::actor_cast<caf::actor>(self));
        },
    };
  };
  auto a = sys.spawn(player);
  auto b = sys.spawn(player);
  auto served = std::make_shared<std::promise<void>>();
  auto third = sys.spawn([=](caf::event_based_actor*) -> caf::behavior {
    return {[=](caf::ok_atom) { served->set_value(); }};
  });
  caf::anon_send(a, b);
  caf::anon_send(third, caf::ok_atom_v);
  auto status = served->get_future().wait_for(patience);
  stop->store(true);  // lets the system end either way
  CHECK(status == std::future_status::ready);
}
