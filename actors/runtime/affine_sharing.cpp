#include "actors/runtime/affine_sharing.hpp"

#include <caf/scheduler/coordinator.hpp>

namespace bistro {

void use_affine_sharing(caf::actor_system_config& cfg) {
  // A scheduler module loaded here takes the place of the one CAF would
  // make from `scheduler.policy`; `scheduler.max-threads` and
  // `scheduler.max-throughput` still apply (the coordinator reads them).
  cfg.module_factories.push_back(
      [](caf::actor_system& sys) -> caf::actor_system::module* {
        return new caf::scheduler::coordinator<affine_sharing>(sys);
      });
}

}  // namespace bistro
