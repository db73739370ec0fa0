#include "actors/policies/policy_actor.hpp"

#include <caf/all.hpp>
#include <random>

#include "actors/policies/policy_registry.hpp"
#include "actors/scheduler/round_scheduler.hpp"

namespace bistro {

namespace {

struct policy_state {
  std::mt19937_64 rng;
  static inline const char* name = "policy";
};

policy_actor::behavior_type policy_behavior(
    policy_actor::stateful_pointer<policy_state> self, std::uint64_t seed) {
  self->state.rng.seed(seed);
  return {
      [=](plan_atom, round_input_ptr input) -> round_output_ptr {
        // The config parser accepts only registered names, so the fallback
        // only serves configs built by hand.
        const auto* policy = find_policy(input->context->cfg->scheduler);
        if (!policy) policy = find_policy("roundrobin");
        return std::make_shared<round_output>(
            plan_round(*policy, std::move(*input), self->state.rng));
      },
  };
}

}  // namespace

policy_actor spawn_policy_actor(caf::actor_system& sys, std::uint64_t seed) {
  return sys.spawn(policy_behavior, seed);
}

}  // namespace bistro
