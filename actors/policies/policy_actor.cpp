#include "actors/policies/policy_actor.hpp"

#include <caf/all.hpp>
#include <random>

#include "actors/rounds/round_scheduler.hpp"

namespace bistro {

namespace {

struct stateless_state {
  std::mt19937_64 rng;
  static inline const char* name = "stateless_policy";
};

policy_actor::behavior_type stateless_behavior(
    policy_actor::stateful_pointer<stateless_state> self,
    const scheduler_policy* policy, std::uint64_t seed) {
  self->state.rng.seed(seed);
  return {
      [=](plan_atom, round_input_ptr input) -> round_output_ptr {
        return std::make_shared<round_output>(
            plan_round(*policy, std::move(*input), self->state.rng));
      },
  };
}

std::vector<std::uint32_t> started_per_job(const round_output& output,
                                           std::size_t num_jobs) {
  std::vector<std::uint32_t> per_job(num_jobs, 0);
  for (const auto& pick : output.picks)
    if (pick.job < num_jobs) ++per_job[pick.job];
  return per_job;
}

struct stateful_state {
  std::shared_ptr<stateful_policy> policy;
  std::mt19937_64 rng;
  static inline const char* name = "stateful_policy";
};

policy_actor::behavior_type stateful_behavior(
    policy_actor::stateful_pointer<stateful_state> self,
    std::shared_ptr<stateful_policy> policy, std::uint64_t seed) {
  self->state.policy = std::move(policy);
  self->state.rng.seed(seed);
  return {
      [=](plan_atom, round_input_ptr input) -> round_output_ptr {
        auto& st = self->state;
        const auto num_jobs = input->context->cfg->jobs.size();
        st.policy->observe(
            {*input->context->cfg, input->now_ms, input->running_per_job});
        auto output = std::make_shared<round_output>(
            plan_round(*st.policy, std::move(*input), st.rng));
        st.policy->started(started_per_job(*output, num_jobs));
        return output;
      },
  };
}

}  // namespace

policy_actor spawn_stateless_policy(caf::actor_system& sys,
                                    const scheduler_policy& policy,
                                    std::uint64_t seed) {
  return sys.spawn(stateless_behavior, &policy, seed);
}

policy_actor spawn_stateful_policy(caf::actor_system& sys,
                                   std::shared_ptr<stateful_policy> policy,
                                   std::uint64_t seed) {
  return sys.spawn(stateful_behavior, std::move(policy), seed);
}

}  // namespace bistro
