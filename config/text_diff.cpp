#include "config/text_diff.hpp"

#include <algorithm>
#include <cstdint>
#include <vector>

namespace bistro {

namespace {

std::vector<std::string_view> lines_of(std::string_view text) {
  std::vector<std::string_view> out;
  while (!text.empty()) {
    auto nl = text.find('\n');
    out.push_back(text.substr(0, nl));
    text = nl == std::string_view::npos ? "" : text.substr(nl + 1);
  }
  return out;
}

/// Past this many cells the middle is not diffed line by line.
constexpr std::size_t max_table_cells = 4'000'000;

struct edit {
  char op;           // ' ', '-', '+'
  std::size_t a, b;  // line numbers (0-based) in before and after
};

/// An exact diff of before[a0, a1) and after[b0, b1) (longest common
/// subsequence), or all removed then all added when it would be too big.
void diff_middle(const std::vector<std::string_view>& x,
                 const std::vector<std::string_view>& y, std::size_t a0,
                 std::size_t a1, std::size_t b0, std::size_t b1,
                 std::vector<edit>& out) {
  auto n = a1 - a0, m = b1 - b0;
  if (n * m > max_table_cells) {
    for (auto i = a0; i < a1; ++i) out.push_back({'-', i, b0});
    for (auto j = b0; j < b1; ++j) out.push_back({'+', a1, j});
    return;
  }
  // lcs[i][j]: the LCS length of x[a0+i, a1) and y[b0+j, b1).
  std::vector<std::uint32_t> lcs((n + 1) * (m + 1), 0);
  auto at = [&](std::size_t i, std::size_t j) -> std::uint32_t& {
    return lcs[i * (m + 1) + j];
  };
  for (std::size_t i = n; i-- > 0;)
    for (std::size_t j = m; j-- > 0;)
      at(i, j) = x[a0 + i] == y[b0 + j] ? at(i + 1, j + 1) + 1
                                        : std::max(at(i + 1, j), at(i, j + 1));
  std::size_t i = 0, j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && x[a0 + i] == y[b0 + j]) {
      out.push_back({' ', a0 + i, b0 + j});
      ++i, ++j;
    } else if (i < n && (j == m || at(i + 1, j) >= at(i, j + 1))) {
      out.push_back({'-', a0 + i, b0 + j});  // removals before additions
      ++i;
    } else {
      out.push_back({'+', a0 + i, b0 + j});
      ++j;
    }
  }
}

}  // namespace

std::string line_diff(std::string_view before, std::string_view after,
                      text_diff_options options) {
  auto x = lines_of(before), y = lines_of(after);
  std::size_t head = 0;
  while (head < x.size() && head < y.size() && x[head] == y[head]) ++head;
  std::size_t tail = 0;
  while (tail < x.size() - head && tail < y.size() - head &&
         x[x.size() - 1 - tail] == y[y.size() - 1 - tail])
    ++tail;
  if (head == x.size() && head == y.size()) return {};
  std::vector<edit> edits;
  for (std::size_t i = 0; i < head; ++i) edits.push_back({' ', i, i});
  diff_middle(x, y, head, x.size() - tail, head, y.size() - tail, edits);
  for (std::size_t k = tail; k-- > 0;)
    edits.push_back({' ', x.size() - 1 - k, y.size() - 1 - k});

  // Hunks: runs of changes with `context` kept lines around them.
  std::string out;
  std::size_t shown = 0, hidden = 0;
  const auto c = options.context;
  std::size_t e = 0;
  while (e < edits.size()) {
    if (edits[e].op == ' ') {
      ++e;
      continue;
    }
    auto begin = e >= c ? e - c : 0;
    // Extend while the next change is within 2 * context kept lines.
    auto end = e;
    while (end < edits.size()) {
      if (edits[end].op != ' ') {
        ++end;
        continue;
      }
      auto k = end;
      while (k < edits.size() && edits[k].op == ' ' && k - end < 2 * c + 1) ++k;
      if (k < edits.size() && edits[k].op != ' ' && k - end <= 2 * c) {
        end = k;
        continue;
      }
      end = std::min(edits.size(), end + c);
      break;
    }
    std::size_t a_count = 0, b_count = 0;
    for (auto k = begin; k < end; ++k) {
      a_count += edits[k].op != '+';
      b_count += edits[k].op != '-';
    }
    auto hunk = "@@ -" + std::to_string(edits[begin].a + 1) + "," +
                std::to_string(a_count) + " +" +
                std::to_string(edits[begin].b + 1) + "," +
                std::to_string(b_count) + " @@\n";
    for (auto k = begin; k <= end; ++k) {
      std::string line = k == begin ? hunk.substr(0, hunk.size() - 1)
                                    : std::string(1, edits[k - 1].op) +
                                          std::string(edits[k - 1].op == '+'
                                                          ? y[edits[k - 1].b]
                                                          : x[edits[k - 1].a]);
      if (shown < options.max_lines) {
        out += line + "\n";
        ++shown;
      } else {
        ++hidden;
      }
    }
    e = end;
  }
  if (hidden > 0) out += "… " + std::to_string(hidden) + " more diff lines\n";
  return out;
}

}  // namespace bistro
