#include "actors/policies/policy_switch.hpp"

#include <spdlog/spdlog.h>

#include <caf/all.hpp>
#include <string>

#include "actors/rounds/round_scheduler.hpp"

namespace bistro {

namespace {

struct switch_state {
  policy_registry registry;
  std::uint64_t seed = 0;
  std::uint64_t spawned = 0;
  std::string current_name;
  policy_actor current;
  static inline const char* name = "policy_switch";
};

using switch_ptr = policy_actor::stateful_pointer<switch_state>;

/// The actor for the policy `cfg_name`, spawned if needed.
policy_actor policy_for(switch_ptr self, const std::string& cfg_name) {
  auto& st = self->state;
  std::string name = cfg_name;
  const policy_factory* spawn = st.registry.find(name);
  if (!spawn) {
    name = st.registry.names().front();
    spawn = st.registry.find(name);
    if (name != st.current_name)
      spdlog::error("policy: no policy \"{}\" is registered; using \"{}\"",
                    cfg_name, name);
  }
  if (st.current && name == st.current_name) return st.current;
  if (st.current) self->demonitor(st.current.address());
  st.current = (*spawn)(self->system(), st.seed + ++st.spawned);
  st.current_name = name;
  self->monitor(st.current);
  spdlog::info("policy: rounds are planned by \"{}\"", name);
  return st.current;
}

policy_actor::behavior_type switch_behavior(switch_ptr self,
                                            policy_registry registry,
                                            std::uint64_t seed) {
  self->state.registry = std::move(registry);
  self->state.seed = seed;
  self->set_down_handler([=](const caf::down_msg& down) {
    auto& st = self->state;
    if (st.current && down.source == st.current.address()) {
      spdlog::error(
          "policy: the actor of \"{}\" ended ({}); a new one plans "
          "the next round",
          st.current_name, caf::to_string(down.reason));
      st.current = nullptr;
    }
  });
  return {
      [=](plan_atom,
          round_input_ptr& input) -> caf::delegated<round_output_ptr> {
        auto policy = policy_for(self, input->context->cfg->scheduler);
        return self->delegate(policy, plan_atom_v, std::move(input));
      },
  };
}

}  // namespace

policy_actor spawn_policy_switch(caf::actor_system& sys,
                                 policy_registry registry, std::uint64_t seed) {
  return sys.spawn(switch_behavior, std::move(registry), seed);
}

}  // namespace bistro
