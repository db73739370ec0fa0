#include "apps/shell/text_table.hpp"

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
  auto fit = [&](std::size_t c) {
    return c < table.fits.size() ? table.fits[c] : column_fit::shrink;
  };
  std::vector<std::size_t> widths(columns, 0);
  std::vector<std::size_t> values(columns, 0);  // widest cell, header aside
  for (std::size_t c = 0; c < columns; ++c) {
    for (const auto& row : table.rows)
      values[c] = std::max(values[c], display_width(cell(row, c)));
    widths[c] = std::max(values[c], display_width(cell(table.headers, c)));
  }
  // How narrow each kind of column may get in each round: messages wrap
  // to a comfortable width first, then counts shed their long headers,
  // then messages wrap narrower, then the rest is cut, names last.
  bool narrow_wrap = false;
  auto floor_of = [&](std::size_t c) -> std::size_t {
    auto header = display_width(cell(table.headers, c));
    switch (fit(c)) {
      case column_fit::wrap:
        return std::min(widths[c],
                        std::max<std::size_t>(header, narrow_wrap ? 12 : 30));
      case column_fit::count:
        return std::min(widths[c], std::max<std::size_t>(values[c], 3));
      case column_fit::shrink:
        // A column keeps its header readable, or 4 characters.
        return std::min(widths[c], std::max<std::size_t>(header, 4));
      case column_fit::name:
        return std::min(widths[c], std::size_t{4});
    }
    return widths[c];
  };
  auto total = [&] {
    return std::accumulate(widths.begin(), widths.end(), std::size_t{0}) +
           gap * (columns - 1);
  };
  for (auto phase : {column_fit::wrap, column_fit::count, column_fit::wrap,
                     column_fit::shrink, column_fit::name}) {
    if (phase == column_fit::count) narrow_wrap = true;  // for the next round
    // Shrink the widest column of this kind one step at a time.
    while (total() > width) {
      std::size_t widest = columns;
      for (std::size_t c = 0; c < columns; ++c)
        if (fit(c) == phase && widths[c] > floor_of(c) &&
            (widest == columns || widths[c] > widths[widest]))
          widest = c;
      if (widest == columns) break;
      --widths[widest];
    }
  }
  auto lines_of = [&](const std::vector<std::string>& row, bool header) {
    // Wrapped cells give the row more lines; the others sit on the first.
    std::vector<std::vector<std::string>> parts(columns);
    std::size_t height = 1;
    for (std::size_t c = 0; c < columns; ++c) {
      auto text = cell(row, c);
      if (fit(c) == column_fit::wrap && !header && widths[c] > 0) {
        std::string_view rest = text;
        while (!rest.empty()) {
          auto cut = offset_of(rest, widths[c]);
          // At a blank when there is one: words stay whole.
          if (cut < rest.size() && rest[cut] != ' ')
            if (auto blank = rest.substr(0, cut).rfind(' ');
                blank != std::string_view::npos && blank > 0)
              cut = blank;
          parts[c].emplace_back(rest.substr(0, cut));
          rest.remove_prefix(cut);
          while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
        }
      } else {
        parts[c].push_back(fit_cell(text, widths[c]));
      }
      height = std::max(height, parts[c].size());
    }
    std::string out;
    for (std::size_t l = 0; l < height; ++l) {
      std::string line;
      for (std::size_t c = 0; c < columns; ++c) {
        if (c > 0) line.append(gap, ' ');
        append_padded(line, l < parts[c].size() ? parts[c][l] : "", widths[c]);
      }
      line = trim_right(std::move(line));
      // Headers too wide to shrink: cut the line itself.
      out += fit_cell(line, width) + "\n";
    }
    return out;
  };
  std::string out;
  if (!table.headers.empty()) out += lines_of(table.headers, true);
  for (const auto& row : table.rows) out += lines_of(row, false);
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
      // At a blank when there is one: words stay whole.
      if (cut < rest.size() && rest[cut] != ' ')
        if (auto blank = rest.substr(0, cut).rfind(' ');
            blank != std::string_view::npos && blank > 0)
          cut = blank;
      if (!first) line = std::string(label_width + gap, ' ');
      line += rest.substr(0, cut);
      out += trim_right(std::move(line)) + "\n";
      rest.remove_prefix(cut);
      while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
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
