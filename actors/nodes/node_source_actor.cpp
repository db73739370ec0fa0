#include "actors/nodes/node_source_actor.hpp"

#include <caf/all.hpp>
#include <chrono>
#include <string>
#include <vector>

#include "actors/protocol/wall_clock.hpp"
#include "actors/runtime/detached_census.hpp"

namespace bistro {

namespace {

struct node_source_state {
  node_source_actor_options options;
  /// The parents the nodes actor last asked a fetch for.
  std::vector<std::string> parents;
  std::uint64_t timer_generation = 0;
  static inline const char* name = "node_source";
};

using source_ptr = node_source_actor::stateful_pointer<node_source_state>;

const boost::json::object& prefs_of(const node_source_state& st) {
  return st.options.cfg->node_sources[st.options.entry].prefs;
}

void arm_timer(source_ptr self, std::int64_t ms) {
  auto gen = ++self->state.timer_generation;
  self->delayed_send(self,
                     std::chrono::milliseconds(std::max<std::int64_t>(ms, 1)),
                     tick_atom_v, gen);
}

/// Reports the time (a source that reads nothing) and wakes at its next
/// change in time, if it has one.
void report_time(source_ptr self) {
  auto& st = self->state;
  const auto now_ms = wall_ms();
  const node_source_context ctx{*st.options.cfg, now_ms / 1000,
                                st.options.stop.get(), nullptr, nullptr};
  self->send(st.options.nodes, update_atom_v, st.options.id,
             fetched_nodes_ptr{std::make_shared<fetched_nodes>(
                 fetched_nodes{ctx.now_sec, {}})});
  if (auto next = st.options.source->next_change_sec(ctx, prefs_of(st)))
    arm_timer(self, *next * 1000 - now_ms);
}

/// Runs the source's fetch for the parents asked for (blocking: this
/// actor is detached), reports it, and fetches again after the update
/// period, or the retry period when a run failed.
void fetch(source_ptr self) {
  auto& st = self->state;
  const node_source_context ctx{*st.options.cfg, wall_ms() / 1000,
                                st.options.stop.get(), nullptr, nullptr};
  auto fetched = std::make_shared<fetched_nodes>(
      st.options.source->fetch(ctx, prefs_of(st), st.parents));
  bool failed = false;
  for (const auto& [parent, run] : fetched->by_parent)
    failed = failed || !run.error.empty();
  self->send(st.options.nodes, update_atom_v, st.options.id,
             fetched_nodes_ptr{std::move(fetched)});
  arm_timer(self, failed ? st.options.retry_ms : st.options.update_ms);
}

node_source_actor::behavior_type node_source_behavior(
    source_ptr self, node_source_actor_options options) {
  self->state.options = std::move(options);
  count_detached(self);  // main waits for it (detached_census.hpp)
  // First report: the time, and for a source that reads the outside an
  // empty fetch, so that the nodes actor names the parents it needs.
  if (self->state.options.source->reads_outside()) {
    self->send(self->state.options.nodes, update_atom_v, self->state.options.id,
               fetched_nodes_ptr{std::make_shared<fetched_nodes>(
                   fetched_nodes{wall_ms() / 1000, {}})});
  } else {
    report_time(self);
  }
  return {
      [=](run_atom, std::vector<std::string>& parents) {
        self->state.parents = std::move(parents);
        fetch(self);
      },
      [=](tick_atom, std::uint64_t generation) {
        if (generation != self->state.timer_generation) return;
        if (self->state.options.source->reads_outside())
          fetch(self);
        else
          report_time(self);
      },
  };
}

}  // namespace

node_source_actor spawn_node_source_actor(caf::local_actor* parent,
                                          node_source_actor_options options) {
  if (options.source->reads_outside())
    return parent->spawn<caf::linked + caf::detached>(node_source_behavior,
                                                      std::move(options));
  return parent->spawn<caf::linked>(node_source_behavior, std::move(options));
}

}  // namespace bistro
