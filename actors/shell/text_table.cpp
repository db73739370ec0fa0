#include "actors/shell/text_table.hpp"

#include <algorithm>
#include <ctime>
#include <numeric>

namespace bistro::shell {

namespace {

constexpr std::size_t min_width = 20;
constexpr std::size_t gap = 2;

bool continuation_byte(char c) {
  return (static_cast<unsigned char>(c) & 0xC0) == 0x80;
}

/// The byte offset where code point `n` starts (or the size).
std::size_t offset_of(std::string_view text, std::size_t n) {
  std::size_t seen = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (continuation_byte(text[i])) continue;
    if (seen++ == n) return i;
  }
  return text.size();
}

/// Control characters (tabs, escapes) would break the layout.
std::string printable(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text)
    out += (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) ? ' ' : c;
  return out;
}

void append_padded(std::string& line, std::string_view cell,
                   std::size_t width) {
  line += cell;
  line.append(width - std::min(width, display_width(cell)), ' ');
}

std::string trim_right(std::string line) {
  while (!line.empty() && line.back() == ' ') line.pop_back();
  return line;
}

}  // namespace

std::size_t display_width(std::string_view text) {
  return static_cast<std::size_t>(std::count_if(
      text.begin(), text.end(), [](char c) { return !continuation_byte(c); }));
}

std::string fit_cell(std::string_view text, std::size_t width) {
  if (display_width(text) <= width) return std::string{text};
  if (width == 0) return {};
  return std::string{text.substr(0, offset_of(text, width - 1))} + "…";
}

std::string render_table(const text_table& table, std::size_t width) {
  width = std::max(width, min_width);
  auto columns = table.headers.size();
  for (const auto& row : table.rows) columns = std::max(columns, row.size());
  if (columns == 0) return {};
  auto cell = [&](const std::vector<std::string>& row, std::size_t c) {
    return c < row.size() ? printable(row[c]) : std::string{};
  };
  std::vector<std::size_t> widths(columns, 0);
  std::vector<std::size_t> floor(columns, 0);
  for (std::size_t c = 0; c < columns; ++c) {
    auto header = display_width(cell(table.headers, c));
    widths[c] = header;
    for (const auto& row : table.rows)
      widths[c] = std::max(widths[c], display_width(cell(row, c)));
    // A column keeps its header readable, or 4 characters.
    floor[c] = std::min(widths[c], std::max<std::size_t>(header, 4));
  }
  auto total = [&] {
    return std::accumulate(widths.begin(), widths.end(), std::size_t{0}) +
           gap * (columns - 1);
  };
  // Shrink the widest shrinkable column one step at a time.
  while (total() > width) {
    std::size_t widest = columns;
    for (std::size_t c = 0; c < columns; ++c)
      if (widths[c] > floor[c] &&
          (widest == columns || widths[c] > widths[widest]))
        widest = c;
    if (widest == columns) break;
    --widths[widest];
  }
  auto line_of = [&](const std::vector<std::string>& row) {
    std::string line;
    for (std::size_t c = 0; c < columns; ++c) {
      if (c > 0) line.append(gap, ' ');
      append_padded(line, fit_cell(cell(row, c), widths[c]), widths[c]);
    }
    line = trim_right(std::move(line));
    // Headers too wide to shrink: cut the line itself.
    return fit_cell(line, width) + "\n";
  };
  std::string out;
  if (!table.headers.empty()) out += line_of(table.headers);
  for (const auto& row : table.rows) out += line_of(row);
  return out;
}

std::string more_line(std::size_t hidden, std::string_view what,
                      std::string_view hint) {
  if (hidden == 0) return {};
  std::string out = "… " + std::to_string(hidden) + " more";
  if (!what.empty()) out += " " + std::string{what};
  if (!hint.empty()) out += " (" + std::string{hint} + ")";
  return out + "\n";
}

std::string render_fields(
    const std::vector<std::pair<std::string, std::string>>& fields,
    std::size_t width) {
  width = std::max(width, min_width);
  std::size_t label_width = 0;
  for (const auto& [label, value] : fields)
    label_width = std::max(label_width, display_width(label));
  label_width = std::min(label_width, width / 2);
  auto value_width = width - label_width - gap;
  std::string out;
  for (const auto& [label, raw] : fields) {
    std::string line;
    append_padded(line, fit_cell(label, label_width), label_width);
    line.append(gap, ' ');
    auto value = printable(raw);
    std::string_view rest = value;
    bool first = true;
    do {
      auto cut = offset_of(rest, value_width);
      if (!first) line = std::string(label_width + gap, ' ');
      line += rest.substr(0, cut);
      out += trim_right(std::move(line)) + "\n";
      rest.remove_prefix(cut);
      first = false;
    } while (!rest.empty());
  }
  return out;
}

std::string format_time_ms(std::int64_t ms) {
  if (ms == 0) return "-";
  std::time_t t = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  ::localtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S", &tm);
  return buf;
}

std::string format_age_ms(std::int64_t ms) {
  if (ms < 0) ms = 0;
  auto two = [](std::int64_t n) {
    return (n < 10 ? "0" : "") + std::to_string(n);
  };
  if (ms < 1000) return std::to_string(ms) + "ms";
  auto s = ms / 1000;
  if (s < 60) return std::to_string(s) + "s";
  if (s < 3600) return std::to_string(s / 60) + "m" + two(s % 60) + "s";
  if (s < 86400) return std::to_string(s / 3600) + "h" + two(s / 60 % 60) + "m";
  return std::to_string(s / 86400) + "d" + two(s / 3600 % 24) + "h";
}

}  // namespace bistro::shell
