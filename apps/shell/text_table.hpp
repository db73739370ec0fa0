// Plain-text tables for bistro_shell: columns sized to their contents and
// then shrunk, widest first, until the table fits the terminal width. What
// gives first is said per column: long texts (messages) wrap onto more
// lines, then counts lose their headers' extra width, then other columns
// are cut, and names (jobs, nodes, workers) are cut only when nothing else
// can give; a cut cell ends in "…". Widths count UTF-8 code points. Also the
// "N more" line of a limited list, aligned label/value blocks, and the
// shell's time formats.
//
// Plain functions; no I/O; thread-compatible.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace bistro::shell {

/// How a column gives way when the table is too wide.
enum class column_fit : std::uint8_t {
  shrink,  // cut (the default)
  count,   // short values under a long header: the header is cut first
  wrap,    // long text: wraps onto continuation lines
  name,    // kept whole unless nothing else can give
};

struct text_table {
  std::vector<std::string> headers;
  std::vector<std::vector<std::string>> rows;
  /// Per column; missing ones are `shrink`.
  std::vector<column_fit> fits;
};

/// Columns are two spaces apart; no line is wider than `width` (at least
/// 20). Every line ends in '\n'.
std::string render_table(const text_table& table, std::size_t width);

/// "… 12 more tasks (use --limit)\n", or "" when `hidden` is 0.
std::string more_line(std::size_t hidden, std::string_view what,
                      std::string_view hint = {});

/// "label  value" lines with the labels aligned; long values wrap under
/// their start. Every line fits `width`.
std::string render_fields(
    const std::vector<std::pair<std::string, std::string>>& fields,
    std::size_t width);

/// Code points in a UTF-8 string.
std::size_t display_width(std::string_view text);

/// At most `width` code points: cut, ending in "…", when longer.
std::string fit_cell(std::string_view text, std::size_t width);

/// "2026-11-27 23:30:01" in local time; "-" for 0.
std::string format_time_ms(std::int64_t ms);

/// A duration, compact: "850ms", "42s", "3m04s", "2h05m", "3d04h".
std::string format_age_ms(std::int64_t ms);

}  // namespace bistro::shell
