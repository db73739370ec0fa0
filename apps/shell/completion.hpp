// Tab completion for bistro_shell: which words may come next, given the
// words already typed. Command names are built in; job, level and node
// names come from the scheduler (`jobs` and `sorted_node_names` in one
// monitor request) and are passed in.
//
// Plain functions; no I/O; thread-compatible.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "apps/shell/reply_view.hpp"

namespace bistro::shell {

/// The scheduler's names the shell completes.
struct completion_names {
  std::vector<std::string> jobs;
  std::vector<std::string> levels;
  /// Every node, levels in order, each level in tree order.
  std::vector<std::string> nodes;
};

/// Reads the reply to names_request(); missing entries give no names.
completion_names parse_names(const monitor_reply& reply);

/// Candidates that start with `word`, sorted, for the word after `before`
/// (the line up to where `word` starts).
std::vector<std::string> complete(std::string_view before,
                                  std::string_view word,
                                  const completion_names& names);

}  // namespace bistro::shell
