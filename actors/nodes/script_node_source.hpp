// The `script` node source: for every node of `parent_level`, runs
// `script <parent>` and adds one child per non-empty line of its stdout.
// A script that cannot be started, exits non-zero or outlives `timeout_ms`
// [60000] fails the whole source, with a message naming the script, the
// parent and what happened; the caller keeps its previous nodes. Each run is
// a process group of its own, killed whole (SIGKILL) on timeout, on stop, and
// once the script has exited (what it leaves running would hold its stdout).
//
// The runs are its `fetch`: the nodes actor runs them in the source's own
// detached actor, again every update period, and builds the tree from the
// last runs meanwhile, so a slow script delays only its own nodes.
//
// Stateless, but `fetch` (and `add_nodes` without `ctx.fetched`) blocks
// until every child process has exited (at most `timeout_ms` per parent,
// or until `ctx.stop` is requested): run it on a thread of its own (a
// detached actor), never on CAF's shared threads. Children are started
// with posix_spawn, never fork. Plain logic: no CAF include.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "actors/nodes/node_source.hpp"

namespace bistro {

class script_node_source final : public node_source {
 public:
  std::optional<std::string> add_nodes(const node_source_context& ctx,
                                       const boost::json::object& prefs,
                                       node_tree_builder& tree) const override;
  bool reads_outside() const override { return true; }
  /// Runs the script once per parent; a pref error is every parent's error.
  fetched_nodes fetch(const node_source_context& ctx,
                      const boost::json::object& prefs,
                      const std::vector<std::string>& parents) const override;
};

/// Default of the `timeout_ms` pref.
inline constexpr std::int64_t default_script_timeout_ms = 60000;
/// Largest `timeout_ms` (a day): keeps deadlines and poll's int in range.
inline constexpr std::int64_t max_script_timeout_ms = 24 * 3600 * 1000;

/// Runs `argv` (argv[0] is the program's path) in a new process group, with
/// stdin from /dev/null and stderr inherited; returns its whole stdout once
/// it has exited. After `timeout_ms`, or as soon as `stop` is requested, the
/// whole process group is killed and reaped, and `error` says which.
program_output run_program(const std::vector<std::string>& argv,
                           std::int64_t timeout_ms,
                           const node_source_stop* stop = nullptr);

}  // namespace bistro
