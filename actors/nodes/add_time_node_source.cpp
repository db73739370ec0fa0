#include "actors/nodes/add_time_node_source.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <map>
#include <optional>
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

// One schedule item, read.
struct schedule_item {
  std::int64_t lifetime = 0;
  std::int64_t enabled_lifetime = 0;
  std::vector<std::string> tags;
  std::optional<crontab_schedule> crontab;
  std::optional<json_cron> cron_object;        // Bistro's cron object
  const boost::json::object* epoch = nullptr;  // the {"epoch": ...} cron
};

std::optional<std::string> read_item(const boost::json::value& item_value,
                                     schedule_item& out) {
  if (!item_value.is_object()) return std::string("must be an object");
  const auto& item = item_value.get_object();
  if (auto e = read_int_pref(item, "lifetime", std::nullopt, out.lifetime)) {
    return e;
  }
  if (out.lifetime <= 0) return std::string("lifetime must be > 0 seconds");
  if (auto e = read_int_pref(item, "enabled_lifetime", out.lifetime,
                             out.enabled_lifetime)) {
    return e;
  }
  if (const auto* t = item.if_contains("tags")) {
    if (!t->is_array()) return std::string("tags must be a list of strings");
    for (const auto& tag : t->get_array()) {
      if (!tag.is_string()) {
        return std::string("tags must be a list of strings");
      }
      out.tags.emplace_back(tag.get_string());
    }
  }
  const auto* cron = item.if_contains("cron");
  if (cron == nullptr) return std::string("cron is required");
  if (cron->is_string()) {
    auto parsed = parse_crontab(cron->get_string());
    if (!parsed.schedule) return "cron: " + parsed.error;
    out.crontab = *parsed.schedule;
  } else if (cron->is_object() && cron->get_object().contains("epoch")) {
    out.epoch = &cron->get_object();
  } else if (cron->is_object()) {
    // Bistro's standard cron item, in the system time zone.
    auto parsed = parse_json_cron(cron->get_object());
    if (!parsed.cron) return parsed.error;
    out.cron_object = *parsed.cron;
  } else {
    return std::string(
        "cron must be a crontab string, {\"epoch\": ...} or Bistro's cron "
        "object ({\"minute\": ..., \"dst_fixes\": [...]})");
  }
  return std::nullopt;
}

// The item's event times t with from < t <= to, ascending.
std::optional<std::string> item_times(const schedule_item& item,
                                      std::int64_t from, std::int64_t to,
                                      std::vector<std::int64_t>& out) {
  if (item.crontab) {
    out = crontab_matches(*item.crontab, from, to, max_events_per_item);
    return std::nullopt;
  }
  if (item.cron_object) {
    out = json_cron_matches(*item.cron_object, from, to, max_events_per_item);
    return std::nullopt;
  }
  return epoch_times(*item.epoch, from + 1, to, out);
}

// The first event after `now` within four years, if any.
std::optional<std::int64_t> next_event(const schedule_item& item,
                                       std::int64_t now) {
  constexpr std::int64_t horizon = 4 * 366 * 24 * 3600;
  if (item.crontab || item.cron_object) {
    auto next =
        item.crontab
            ? crontab_matches(*item.crontab, now, now + horizon, 0)
            : json_cron_matches(*item.cron_object, now, now + horizon, 0);
    if (next.empty()) return std::nullopt;
    return next.front();
  }
  const auto& value = item.epoch->at("epoch");
  if (!value.is_object()) {
    // One time or a list of them.
    std::optional<std::int64_t> next;
    auto consider = [&](const boost::json::value& v) {
      auto t = json_to_int(v);
      if (t && *t > now && (!next || *t < *next)) next = t;
    };
    if (value.is_array()) {
      for (const auto& v : value.get_array()) consider(v);
    } else {
      consider(value);
    }
    return next;
  }
  const auto& epoch = value.get_object();
  std::int64_t period = 0, start = 0, end = 0;
  if (read_int_pref(epoch, "period", 1, period) ||
      read_int_pref(epoch, "start", 0, start) ||
      read_int_pref(epoch, "end", INT64_MAX, end) || period <= 0)
    return std::nullopt;
  // 128-bit: start, period and now may be anywhere in int64.
  __int128 t = start;
  if (t <= now)
    t += ((static_cast<__int128>(now) - start) / period + 1) * period;
  if (t > end || t > static_cast<__int128>(now) + horizon) return std::nullopt;
  return static_cast<std::int64_t>(t);
}

std::optional<std::string> add_item(const boost::json::value& item_value,
                                    std::int64_t now, time_nodes& nodes) {
  schedule_item item;
  if (auto e = read_item(item_value, item)) return e;
  std::vector<std::int64_t> times;
  // Event times t with now - lifetime < t <= now.
  if (auto e = item_times(item, now - item.lifetime, now, times)) return e;
  if (times.size() > max_events_per_item) {
    return "cron matches more than " + std::to_string(max_events_per_item) +
           " times within lifetime";
  }
  for (const auto t : times) {
    auto& node = nodes[t];
    node.tags.insert(node.tags.end(), item.tags.begin(), item.tags.end());
    node.enabled = node.enabled && now - t < item.enabled_lifetime;
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

namespace bistro {

std::optional<std::int64_t> add_time_node_source::next_change_sec(
    const node_source_context& ctx, const boost::json::object& prefs) const {
  const auto* schedule = prefs.if_contains("schedule");
  if (!schedule || !schedule->is_array()) return std::nullopt;
  const std::int64_t now = ctx.now_sec;
  std::optional<std::int64_t> next;
  auto consider = [&](std::int64_t t) {
    if (t > now && (!next || t < *next)) next = t;
  };
  for (const auto& value : schedule->get_array()) {
    schedule_item item;
    std::vector<std::int64_t> times;
    if (read_item(value, item) ||
        item_times(item, now - item.lifetime, now, times) ||
        times.size() > max_events_per_item)
      return std::nullopt;  // add_nodes reports it
    // A node leaves lifetime after its time, and is disabled
    // enabled_lifetime after it; a new one comes at the next event.
    if (!times.empty()) consider(times.front() + item.lifetime);
    for (const auto t : times) {
      if (t + item.enabled_lifetime > now) {
        consider(t + item.enabled_lifetime);
        break;
      }
    }
    if (auto t = next_event(item, now)) consider(*t);
  }
  return next;
}

}  // namespace bistro
