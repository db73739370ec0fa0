// A node source adds one kind of nodes to the tree being built (Bistro's
// NodeFetcher): `manual`, `range_label`, `script`, `add_time`, `empty`.
// Each lives in its own file pair and is found by name in the registry
// (node_source_registry.hpp).
//
// A source has up to two parts. `fetch` is what it brings in from outside
// the process (`script`: what the script prints for each parent); it may
// block, and the nodes actor runs it in the source's own actor, on the
// source's own schedule (node_source_actor.hpp). `add_nodes` hangs the
// nodes into the tree, fast and in entry order (a source may hang nodes
// under the levels earlier entries filled): with what was fetched when
// `ctx.fetched` is given, or fetching on the spot when it is not (tools
// and tests that build a tree in one call).
//
// Sources are stateless: every member is const and may run on any thread,
// but a fetch that waits on the outside runs off CAF's shared threads,
// bounds its wait (a timeout pref) and gives up at once when `ctx.stop` is
// requested. Plain logic: no CAF include.
#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "actors/nodes/node_source_stop.hpp"
#include "actors/nodes/node_tree.hpp"
#include "config/config.hpp"

namespace bistro {

/// What one run of a program printed, or why it failed.
struct program_output {
  std::string out;
  /// Empty on success (started and exited with status 0).
  std::string error;
  friend bool operator==(const program_output&,
                         const program_output&) = default;
};

/// What a source's actor brought in for one entry, on its own schedule.
struct fetched_nodes {
  /// The time it was taken, seconds since the epoch: `add_time` derives its
  /// nodes from it.
  std::int64_t now_sec = 0;
  /// Per parent name: what the outside said for it (`script`).
  std::map<std::string, program_output, std::less<>> by_parent;
};

/// What a source needs besides its prefs.
struct node_source_context {
  const config& cfg;
  /// Seconds since the epoch; `add_time` derives its nodes from it.
  std::int64_t now_sec = 0;
  /// Requested at shutdown; null = never.
  const node_source_stop* stop = nullptr;
  /// What the entry's actor fetched; null = fetch in place.
  const fetched_nodes* fetched = nullptr;
  /// With `fetched`: when it lacks any parent the source needs, the source
  /// puts every parent it needs here and adds nothing, so that the caller
  /// asks the entry's actor for them.
  std::vector<std::string>* unfetched = nullptr;
};

class node_source {
 public:
  virtual ~node_source() = default;
  /// Adds this source's nodes to `tree`. Returns an error message naming the
  /// offending pref, or nullopt on success.
  virtual std::optional<std::string> add_nodes(
      const node_source_context& ctx, const boost::json::object& prefs,
      node_tree_builder& tree) const = 0;

  /// Whether the source reads the outside (`fetch` does work and may
  /// block): its actor runs detached and fetches again every update
  /// period. False: it needs nothing but its prefs and the time.
  virtual bool reads_outside() const { return false; }

  /// Fetches for `parents` (blocking while the outside answers, each wait
  /// bounded). Only called when `reads_outside()`.
  virtual fetched_nodes fetch(const node_source_context& ctx,
                              const boost::json::object& prefs,
                              const std::vector<std::string>& parents) const {
    (void)prefs;
    (void)parents;
    return {ctx.now_sec, {}};
  }

  /// The first time after `ctx.now_sec` (seconds since the epoch) at which
  /// this source's nodes change by time alone; nullopt when they never do
  /// (or the prefs are wrong: add_nodes says why).
  virtual std::optional<std::int64_t> next_change_sec(
      const node_source_context& ctx, const boost::json::object& prefs) const {
    (void)ctx;
    (void)prefs;
    return std::nullopt;
  }
};

}  // namespace bistro
