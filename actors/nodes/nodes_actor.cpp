#include "actors/nodes/nodes_actor.hpp"

#include <spdlog/spdlog.h>

#include <caf/all.hpp>
#include <chrono>

#include "actors/nodes/node_tree_loader.hpp"
#include "actors/protocol/wall_clock.hpp"

namespace bistro {

namespace {

struct nodes_state {
  nodes_actor_options options;
  config_ptr cfg;       // the newest config
  config_ptr tree_cfg;  // the config the current tree was built from
  node_tree_ptr tree;
  std::uint64_t timer_generation = 0;
  static inline const char* name = "nodes";
};

using nodes_ptr = nodes_actor::stateful_pointer<nodes_state>;

void arm_timer(nodes_ptr self, std::int64_t ms) {
  // Only the newest timer counts: a rebuild caused by a new config must not
  // leave an old timer to fire early.
  auto gen = ++self->state.timer_generation;
  self->delayed_send(self, std::chrono::milliseconds(ms), tick_atom_v, gen);
}

void rebuild(nodes_ptr self) {
  auto& st = self->state;
  if (!st.cfg) return;
  auto result = build_node_tree(*st.cfg, st.options.instance_name,
                                wall_ms() / 1000, st.options.stop.get());
  auto joined = [](const std::vector<std::string>& messages) {
    std::string out;
    for (const auto& m : messages) out += (out.empty() ? "" : "; ") + m;
    return out;
  };
  if (result.ok()) {
    st.tree = result.tree;
    st.tree_cfg = st.cfg;
    // The update clears the scheduler's "nodes" error; refused nodes set
    // it again, after (messages between two actors keep their order).
    self->send(st.options.scheduler, update_atom_v, st.cfg, st.tree);
    if (!result.refused.empty()) {
      auto message = joined(result.refused);
      spdlog::error("nodes: made the tree without some nodes: {}", message);
      self->send(st.options.scheduler, error_atom_v, std::string{"nodes"},
                 message, wall_ms());
    }
    arm_timer(self, st.options.update_ms);
    return;
  }
  auto message = joined(result.errors);
  spdlog::error("nodes: keeping the previous nodes: {}", message);
  // The old tree still fits a new config that kept the same levels, so the
  // config's other changes (jobs, limits) take effect anyway. The update
  // goes first: the scheduler clears the nodes error on every update, and
  // this one must stay visible.
  if (st.tree && st.tree_cfg != st.cfg &&
      st.tree_cfg->levels == st.cfg->levels) {
    st.tree_cfg = st.cfg;
    self->send(st.options.scheduler, update_atom_v, st.cfg, st.tree);
  }
  self->send(st.options.scheduler, error_atom_v, std::string{"nodes"}, message,
             wall_ms());
  arm_timer(self, st.options.retry_ms);
}

nodes_actor::behavior_type nodes_behavior(nodes_ptr self,
                                          nodes_actor_options options) {
  self->state.options = std::move(options);
  return {
      [=](update_atom, config_ptr cfg) {
        self->state.cfg = std::move(cfg);
        rebuild(self);
      },
      [=](tick_atom, std::uint64_t generation) {
        if (generation == self->state.timer_generation) rebuild(self);
      },
  };
}

}  // namespace

nodes_actor spawn_nodes_actor(caf::actor_system& sys,
                              nodes_actor_options options) {
  return sys.spawn<caf::detached>(nodes_behavior, std::move(options));
}

}  // namespace bistro
