// An actor system on CAF's deterministic test coordinator, for actor tests:
// messages run only when the test calls `sched.run()` and time moves only
// when it advances the manual clock; `self` is a scoped actor that asks and
// receives. The project's message types are registered.
#pragma once

#include <caf/all.hpp>
#include <caf/scheduler/test_coordinator.hpp>

#include "actors/protocol/protocol.hpp"

namespace bistro::testing {

inline caf::actor_system_config& test_coordinator_config(
    caf::actor_system_config& cfg) {
  cfg.add_message_types<caf::id_block::bistro>();
  cfg.set("scheduler.policy", caf::atom("testing"));
  cfg.set("logger.file-verbosity", caf::atom("quiet"));
  return cfg;
}

struct test_actor_system {
  caf::actor_system_config cfg;
  caf::actor_system sys{test_coordinator_config(cfg)};
  caf::scheduler::test_coordinator& sched{
      dynamic_cast<caf::scheduler::test_coordinator&>(sys.scheduler())};
  caf::scoped_actor self{sys, true};
};

}  // namespace bistro::testing
