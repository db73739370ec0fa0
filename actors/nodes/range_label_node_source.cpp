#include "actors/nodes/range_label_node_source.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <string_view>

#include "actors/nodes/name_format.hpp"
#include "actors/nodes/node_source_prefs.hpp"

namespace bistro {

namespace {

constexpr std::array<std::string_view, 4> placeholders = {"parent", "i",
                                                          "start", "end"};
// Bound the work one config line can ask for.
constexpr std::int64_t max_nodes = 100'000'000;

std::string to_decimal(std::int64_t i) {
  std::array<char, 24> buf;
  auto r = std::to_chars(buf.data(), buf.data() + buf.size(), i);
  return std::string(buf.data(), r.ptr);
}

}  // namespace

std::optional<std::string> range_label_node_source::add_nodes(
    const node_source_context& ctx, const boost::json::object& prefs,
    node_tree_builder& tree) const {
  level_id parent_level = 0;
  std::int64_t start = 0, end = 0;
  std::string pattern;
  bool enabled = true;
  if (auto e = read_parent_level(ctx.cfg, prefs, parent_level)) return e;
  if (auto e = read_int_pref(prefs, "start", std::nullopt, start)) return e;
  if (auto e = read_int_pref(prefs, "end", std::nullopt, end)) return e;
  if (auto e = read_string_pref(prefs, "format", "{parent}__{i}", pattern)) {
    return e;
  }
  if (auto e = read_bool_pref(prefs, "enabled", true, enabled)) return e;
  auto compiled = name_format::compile(pattern, placeholders);
  if (!compiled.format) return compiled.error;
  const auto& format = *compiled.format;

  const auto parents = tree.nodes_at_level(parent_level);
  // Unsigned: end - start may not fit in an int64.
  const std::uint64_t span =
      end >= start
          ? static_cast<std::uint64_t>(end) - static_cast<std::uint64_t>(start)
          : 0;
  const std::int64_t per_parent =
      end < start || span >= static_cast<std::uint64_t>(max_nodes)
          ? (end < start ? 0 : max_nodes + 1)
          : static_cast<std::int64_t>(span) + 1;
  if (per_parent * static_cast<std::int64_t>(parents.size()) > max_nodes) {
    return "start/end would make more than " + std::to_string(max_nodes) +
           " nodes";
  }
  const std::string start_text = to_decimal(start);
  const std::string end_text = to_decimal(end);
  std::array<std::string_view, 4> values;
  values[2] = start_text;
  values[3] = end_text;
  std::array<char, 24> i_buf;
  std::string parent_name;
  // Names are made a batch at a time and their hash slots prefetched, so
  // that the table's cache misses overlap instead of queueing.
  constexpr std::int64_t batch = 16;
  std::array<std::string, batch> names;
  const auto total = static_cast<std::size_t>(per_parent) * parents.size();
  bool reserved = false;
  for (const node_id parent : parents) {
    // Copied: adding nodes may move the builder's name storage.
    parent_name.assign(tree.name(parent));
    values[0] = parent_name;
    for (std::int64_t k0 = 0; k0 < per_parent; k0 += batch) {
      const auto count =
          static_cast<std::size_t>(std::min(batch, per_parent - k0));
      for (std::size_t j = 0; j < count; ++j) {
        const std::int64_t i = start + k0 + static_cast<std::int64_t>(j);
        auto r = std::to_chars(i_buf.data(), i_buf.data() + i_buf.size(), i);
        values[1] = std::string_view(i_buf.data(), r.ptr);
        names[j].clear();
        format.append(names[j], values);
      }
      if (!reserved) {
        tree.reserve(total, total * (names[0].size() + 1));
        reserved = true;
      }
      for (std::size_t j = 0; j < count; ++j) tree.prefetch(names[j]);
      for (std::size_t j = 0; j < count; ++j) {
        tree.add(names[j], parent_level + 1, parent, enabled);
      }
    }
  }
  return std::nullopt;
}

}  // namespace bistro
