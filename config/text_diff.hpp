// A line diff for the log: what a config edit changed, as unified-diff
// hunks ("@@ -3,4 +3,5 @@", then " kept", "-removed", "+added" lines) with
// a little context. Made for small edits to large files: the lines both
// texts share at their start and end are skipped first, and a middle too
// large for an exact diff is shown as all removed, then all added.
//
// Pure functions; thread-safe.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace bistro {

struct text_diff_options {
  /// Unchanged lines shown around each change.
  std::size_t context = 2;
  /// Diff lines shown at most; the rest is counted in a last line.
  std::size_t max_lines = 200;
};

/// "" when the texts are equal; else hunks, each line ending in '\n'.
std::string line_diff(std::string_view before, std::string_view after,
                      text_diff_options options = {});

}  // namespace bistro
