#include "actors/nodes/nodes_actor.hpp"

#include <spdlog/spdlog.h>

#include <caf/all.hpp>
#include <vector>

#include "actors/nodes/node_source_actor.hpp"
#include "actors/nodes/node_source_registry.hpp"
#include "actors/nodes/node_tree_loader.hpp"
#include "actors/protocol/wall_clock.hpp"
#include "actors/runtime/detached_census.hpp"

namespace bistro {

namespace {

/// One `nodes.node_sources` entry of the current config.
struct source_slot {
  /// Null for a source name the registry lacks (the merge says so).
  node_source_actor actor;
  std::uint64_t id = 0;
  /// The actor's latest fetch; null until its first.
  fetched_nodes_ptr fetched;
  /// The parents last asked of the actor.
  std::vector<std::string> asked;
};

struct nodes_state {
  nodes_actor_options options;
  config_ptr cfg;       // the newest config
  config_ptr tree_cfg;  // the config the current tree was built from
  node_tree_ptr tree;
  std::vector<source_slot> sources;  // per entry of `cfg`
  std::uint64_t next_id = 0;
  static inline const char* name = "nodes";
};

using nodes_ptr = nodes_actor::stateful_pointer<nodes_state>;

std::string joined(const std::vector<std::string>& messages) {
  std::string out;
  for (const auto& m : messages) out += (out.empty() ? "" : "; ") + m;
  return out;
}

/// An entry keeps its actor (and what it fetched) when the new config
/// states it, and the levels it resolves names in, exactly as before.
bool same_entry(const config& a, const config& b, std::size_t i) {
  return i < a.node_sources.size() && i < b.node_sources.size() &&
         a.levels == b.levels &&
         a.node_sources[i].source == b.node_sources[i].source &&
         a.node_sources[i].prefs == b.node_sources[i].prefs;
}

void stop_source(nodes_ptr self, source_slot& slot) {
  if (!slot.actor) return;
  self->unlink_from(slot.actor);
  self->send_exit(slot.actor, caf::exit_reason::user_shutdown);
  slot.actor = nullptr;
}

void replace_sources(nodes_ptr self, const config_ptr& old_cfg) {
  auto& st = self->state;
  std::vector<source_slot> sources(st.cfg->node_sources.size());
  for (std::size_t i = 0; i < sources.size(); ++i) {
    if (old_cfg && same_entry(*old_cfg, *st.cfg, i)) {
      sources[i] = std::move(st.sources[i]);
      st.sources[i].actor = nullptr;
      // The tree follows the new config at once from the last fetch; what
      // reads the outside is read again too, as a reload always did.
      if (sources[i].actor && !sources[i].asked.empty())
        self->send(sources[i].actor, run_atom_v, sources[i].asked);
      continue;
    }
    const node_source* source =
        find_node_source(st.cfg->node_sources[i].source);
    if (!source) {
      // Nothing to fetch: the merge reports the unknown name.
      sources[i].fetched = std::make_shared<fetched_nodes>();
      continue;
    }
    sources[i].id = ++st.next_id;
    sources[i].actor = spawn_node_source_actor(
        self, {sources[i].id, st.cfg, i, source, self, st.options.update_ms,
               st.options.retry_ms, st.options.stop});
  }
  for (auto& old : st.sources) stop_source(self, old);  // those not kept
  st.sources = std::move(sources);
}

/// Builds the tree from every entry's latest fetch, once each has one.
void merge(nodes_ptr self) {
  auto& st = self->state;
  if (!st.cfg) return;
  std::vector<fetched_nodes_ptr> fetched;
  for (const auto& slot : st.sources) {
    if (!slot.fetched) return;  // that entry's actor has not reported yet
    fetched.push_back(slot.fetched);
  }
  auto merged = merge_node_tree(*st.cfg, st.options.instance_name, fetched);
  if (!merged.unfetched.empty()) {
    // New parents for a source that reads the outside: its actor fetches
    // for them; the tree waits for that entry alone.
    for (auto& [entry, parents] : merged.unfetched) {
      auto& slot = st.sources[entry];
      if (slot.actor && parents != slot.asked) {
        slot.asked = parents;
        self->send(slot.actor, run_atom_v, std::move(parents));
      }
    }
    return;
  }
  auto& result = merged.result;
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
}

nodes_actor::behavior_type nodes_behavior(nodes_ptr self,
                                          nodes_actor_options options) {
  self->state.options = std::move(options);
  count_detached(self);  // main waits for it (detached_census.hpp)
  return {
      [=](update_atom, config_ptr cfg) {
        auto old_cfg = std::move(self->state.cfg);
        self->state.cfg = std::move(cfg);
        replace_sources(self, old_cfg);
        merge(self);
      },
      [=](update_atom, std::uint64_t id, fetched_nodes_ptr& fetched) {
        for (auto& slot : self->state.sources) {
          if (slot.id != id || !slot.actor) continue;
          // A source that reads the outside fetches again every update
          // period; the same answer changes nothing.
          const bool same = slot.fetched && self->state.tree &&
                            self->state.tree_cfg == self->state.cfg &&
                            slot.fetched->by_parent == fetched->by_parent &&
                            !slot.fetched->by_parent.empty();
          slot.fetched = std::move(fetched);
          if (!same) merge(self);
          return;
        }
        // From an actor of an entry since replaced: nothing to do.
      },
  };
}

}  // namespace

nodes_actor spawn_nodes_actor(caf::actor_system& sys,
                              nodes_actor_options options) {
  return sys.spawn<caf::detached>(nodes_behavior, std::move(options));
}

}  // namespace bistro
