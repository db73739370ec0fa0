#include "actors/nodes/add_time_node_source.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <map>
#include <vector>

#include "actors/nodes/crontab_schedule.hpp"
#include "actors/nodes/json_cron.hpp"
#include "actors/nodes/name_format.hpp"
#include "actors/nodes/node_source_prefs.hpp"

namespace bistro {

namespace {

constexpr std::array<std::string_view, 2> placeholders = {"parent", "time"};
// One schedule item may not ask for more events than this in its lifetime.
constexpr std::size_t max_events_per_item = 1'000'000;

struct time_node {
  std::vector<std::string> tags;
  bool enabled = true;
};

using time_nodes = std::map<std::int64_t, time_node>;

// Event times of an {"epoch": ...} cron in [lo, hi]: one time, a list of
// times, or a range {"start", "end", "period"} (period 1 when not given).
std::optional<std::string> epoch_times(const boost::json::object& cron,
                                       std::int64_t lo, std::int64_t hi,
                                       std::vector<std::int64_t>& out) {
  if (cron.size() != 1) {
    return std::string("cron: \"epoch\" must be the only key");
  }
  const auto& epoch_value = cron.at("epoch");
  if (!epoch_value.is_object()) {
    std::vector<boost::json::value> listed;
    if (epoch_value.is_array())
      listed.assign(epoch_value.get_array().begin(),
                    epoch_value.get_array().end());
    else
      listed.push_back(epoch_value);
    for (const auto& v : listed) {
      auto t = json_to_int(v);
      if (!t || *t < 0) {
        return std::string(
            "cron.epoch must be a time >= 0, a list of them, or "
            "{\"start\", \"end\", \"period\"}");
      }
      if (*t >= lo && *t <= hi) out.push_back(*t);
    }
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return std::nullopt;
  }
  const auto& epoch = epoch_value.get_object();
  std::int64_t period = 0, start = 0, end = 0;
  if (auto e = read_int_pref(epoch, "period", 1, period)) {
    return "cron.epoch." + *e;
  }
  if (period <= 0) return std::string("cron.epoch.period must be > 0");
  if (auto e = read_int_pref(epoch, "start", 0, start)) {
    return "cron.epoch." + *e;
  }
  if (auto e = read_int_pref(epoch, "end", hi, end)) {
    return "cron.epoch." + *e;
  }
  hi = std::min(hi, end);
  if (start > hi || lo > hi) return std::nullopt;
  // Start, period and bounds may be anywhere in int64: differences are
  // taken unsigned (hi - start fits in uint64 when start <= hi) and no sum
  // is formed that could pass hi.
  const auto step = static_cast<std::uint64_t>(period);
  std::int64_t t = start;
  if (start < lo) {
    auto gap =
        static_cast<std::uint64_t>(lo) - static_cast<std::uint64_t>(start);
    auto k = gap / step + (gap % step != 0);  // steps to the first t >= lo
    auto span =
        static_cast<std::uint64_t>(hi) - static_cast<std::uint64_t>(start);
    if (k > span / step) return std::nullopt;  // that t is past hi
    t = static_cast<std::int64_t>(static_cast<std::uint64_t>(start) + k * step);
  }
  for (;;) {
    out.push_back(t);
    if (out.size() > max_events_per_item) break;
    if (static_cast<std::uint64_t>(hi) - static_cast<std::uint64_t>(t) < step)
      break;
    t += period;
  }
  return std::nullopt;
}

std::optional<std::string> add_item(const boost::json::value& item_value,
                                    std::int64_t now, time_nodes& nodes) {
  if (!item_value.is_object()) return std::string("must be an object");
  const auto& item = item_value.get_object();
  std::int64_t lifetime = 0, enabled_lifetime = 0;
  if (auto e = read_int_pref(item, "lifetime", std::nullopt, lifetime)) {
    return e;
  }
  if (lifetime <= 0) return std::string("lifetime must be > 0 seconds");
  if (auto e =
          read_int_pref(item, "enabled_lifetime", lifetime, enabled_lifetime)) {
    return e;
  }
  std::vector<std::string> tags;
  if (const auto* t = item.if_contains("tags")) {
    if (!t->is_array()) return std::string("tags must be a list of strings");
    for (const auto& tag : t->get_array()) {
      if (!tag.is_string()) {
        return std::string("tags must be a list of strings");
      }
      tags.emplace_back(tag.get_string());
    }
  }
  const auto* cron = item.if_contains("cron");
  if (cron == nullptr) return std::string("cron is required");
  std::vector<std::int64_t> times;
  // Event times t with now - lifetime < t <= now.
  const std::int64_t from = now - lifetime;
  if (cron->is_string()) {
    auto parsed = parse_crontab(cron->get_string());
    if (!parsed.schedule) return "cron: " + parsed.error;
    times = crontab_matches(*parsed.schedule, from, now, max_events_per_item);
  } else if (cron->is_object() && cron->get_object().contains("epoch")) {
    if (auto e = epoch_times(cron->get_object(), from + 1, now, times)) {
      return e;
    }
  } else if (cron->is_object()) {
    // Bistro's standard cron item, in the system time zone.
    auto parsed = parse_json_cron(cron->get_object());
    if (!parsed.cron) return parsed.error;
    times = json_cron_matches(*parsed.cron, from, now, max_events_per_item);
  } else {
    return std::string(
        "cron must be a crontab string, {\"epoch\": ...} or Bistro's cron "
        "object ({\"minute\": ..., \"dst_fixes\": [...]})");
  }
  if (times.size() > max_events_per_item) {
    return "cron matches more than " + std::to_string(max_events_per_item) +
           " times within lifetime";
  }
  for (const auto t : times) {
    auto& node = nodes[t];
    node.tags.insert(node.tags.end(), tags.begin(), tags.end());
    node.enabled = node.enabled && now - t < enabled_lifetime;
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::string> add_time_node_source::add_nodes(
    const node_source_context& ctx, const boost::json::object& prefs,
    node_tree_builder& tree) const {
  level_id parent_level = 0;
  std::string pattern;
  if (auto e = read_parent_level(ctx.cfg, prefs, parent_level)) return e;
  if (auto e = read_string_pref(prefs, "format", "{parent}:{time}", pattern)) {
    return e;
  }
  auto compiled = name_format::compile(pattern, placeholders);
  if (!compiled.format) return compiled.error;

  time_nodes nodes;
  if (const auto* schedule = prefs.if_contains("schedule")) {
    if (!schedule->is_array()) {
      return std::string("schedule must be a list");
    }
    const auto& items = schedule->get_array();
    for (std::size_t i = 0; i < items.size(); ++i) {
      if (auto e = add_item(items[i], ctx.now_sec, nodes)) {
        return "schedule[" + std::to_string(i) + "]: " + *e;
      }
    }
  }
  for (auto& [t, node] : nodes) {
    std::sort(node.tags.begin(), node.tags.end());
    node.tags.erase(std::unique(node.tags.begin(), node.tags.end()),
                    node.tags.end());
  }

  std::array<std::string_view, 2> values;
  std::array<char, 24> time_buf;
  std::string parent_name, name;
  for (const node_id parent : tree.nodes_at_level(parent_level)) {
    parent_name.assign(tree.name(parent));  // the builder may move names
    values[0] = parent_name;
    for (const auto& [t, node] : nodes) {
      auto r =
          std::to_chars(time_buf.data(), time_buf.data() + time_buf.size(), t);
      values[1] = std::string_view(time_buf.data(), r.ptr);
      name.clear();
      compiled.format->append(name, values);
      tree.add(name, parent_level + 1, parent, node.enabled, node.tags);
    }
  }
  return std::nullopt;
}

}  // namespace bistro
