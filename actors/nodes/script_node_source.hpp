// The `script` node source: for every node of `parent_level`, runs
// `script <parent>` and adds one child per non-empty line of its stdout.
// A script that cannot be started or exits non-zero fails the whole source,
// with a message naming the script, the parent and the exit status.
//
// Stateless, but `add_nodes` blocks until every child process has exited:
// run it on a thread of its own (a detached actor), never on CAF's shared
// threads. Children are started with posix_spawn, never fork. Plain logic: no
// CAF include.
#pragma once

#include <string>
#include <vector>

#include "actors/nodes/node_source.hpp"

namespace bistro {

class script_node_source final : public node_source {
 public:
  std::optional<std::string> add_nodes(const node_source_context& ctx,
                                       const boost::json::object& prefs,
                                       node_tree_builder& tree) const override;
};

/// What one run of a program printed, or why it failed.
struct program_output {
  std::string out;
  /// Empty on success (started and exited with status 0).
  std::string error;
};

/// Runs `argv` (argv[0] is the program's path) with stdin from /dev/null and
/// stderr inherited; returns its whole stdout once it has exited.
program_output run_program(const std::vector<std::string>& argv);

}  // namespace bistro
