// The census of actors on threads of their own (actors/runtime/
// detached_census.hpp): counting and waiting, and the shutdown it exists
// for, in a real process (tests/actors/runtime/detached_shutdown_probe.cpp).
#include "actors/runtime/detached_census.hpp"

#include <caf/all.hpp>
#include <catch2/catch.hpp>

#include "tests/support/e2e_support.hpp"

using namespace bistro;
using namespace bistro::testing;

TEST_CASE("detached census: an actor counts until it terminates") {
  caf::actor_system_config cfg;
  caf::actor_system sys{cfg};
  auto before = detached_alive();
  auto a = sys.spawn<caf::detached>([](caf::event_based_actor* self) {
    count_detached(self);
    return caf::behavior{[](int x) { return x; }};
  });
  caf::scoped_actor probe{sys};
  probe->request(a, caf::infinite, 1).receive([](int) {}, [](caf::error&) {});
  CHECK(detached_alive() == before + 1);
  CHECK(await_detached(std::chrono::milliseconds(20)) == before + 1);
  caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
  CHECK(await_detached(std::chrono::seconds(10)) == before);
}

TEST_CASE(
    "detached census: an actor that re-arms its timer as the actor "
    "system goes leaves the process hanging unless main waits for the "
    "census first") {
  temp_dir dir;
  SECTION("main waits: the process ends") {
    child_process p({BISTRO_DETACHED_PROBE_BIN, "wait"},
                    (dir.path / "log").string());
    auto code = p.wait(20000);
    INFO(p.log_tail());
    REQUIRE(code);
    CHECK(*code == 0);
    CHECK(p.log_has("census: 0 left"));
    CHECK(p.log_has("actor system destroyed"));
  }
  SECTION("main does not wait: CAF 0.17's destructor never returns") {
    child_process p({BISTRO_DETACHED_PROBE_BIN, "nowait"},
                    (dir.path / "log").string());
    CHECK(eventually([&] { return p.log_has("returning"); }, 20000));
    // The actor armed its timer after the clock stopped: the timer's
    // reference is never dropped. 4 s is four times the actor's tick.
    CHECK_FALSE(p.wait(4000));
    CHECK_FALSE(p.log_has("actor system destroyed"));
  }
}
