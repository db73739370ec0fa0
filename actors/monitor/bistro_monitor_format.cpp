#include "actors/monitor/bistro_monitor_format.hpp"

#include <algorithm>
#include <array>
#include <boost/json.hpp>
#include <map>
#include <string>
#include <string_view>

#include "actors/jobs/bistro_status_bits.hpp"
#include "config/config_fields.hpp"

namespace bistro {

namespace json = boost::json;

namespace {

json::array sorted_strings(const std::unordered_set<std::string>& set) {
  std::vector<std::string> names(set.begin(), set.end());
  std::sort(names.begin(), names.end());
  json::array out;
  for (auto& n : names) out.emplace_back(std::move(n));
  return out;
}

json::object filter_json(const job_filter& f) {
  json::object out;
  if (!f.whitelist.empty()) out["whitelist"] = sorted_strings(f.whitelist);
  if (!f.whitelist_regex.empty()) out["whitelist_regex"] = f.whitelist_regex;
  if (!f.blacklist.empty()) out["blacklist"] = sorted_strings(f.blacklist);
  if (!f.blacklist_regex.empty()) out["blacklist_regex"] = f.blacklist_regex;
  if (!f.tag_whitelist.empty()) {
    json::array tags;
    for (const auto& t : f.tag_whitelist) tags.emplace_back(t);
    out["tag_whitelist"] = std::move(tags);
  }
  if (f.fraction_of_nodes < 1.0) out["fraction_of_nodes"] = f.fraction_of_nodes;
  return out;
}

/// Bistro's cgroups settings: we accept and do not use them, so the export
/// is Bistro's defaults with what the job itself wrote on top.
json::object cgroups_json(const job_config& job) {
  json::object out{{"root", ""},
                   {"slice", ""},
                   {"subsystems", json::array{}},
                   {"kill_without_freezer", false}};
  const auto* ts = job.source.if_contains("task_subprocess");
  const auto* cg =
      ts && ts->is_object() ? ts->as_object().if_contains("cgroups") : nullptr;
  if (cg && cg->is_object())
    for (const auto& [key, value] : cg->as_object())
      if (out.contains(key)) out[key] = value;
  return out;
}

json::object task_subprocess_json(const job_config& job) {
  const auto& t = job.task_subprocess;
  return json::object{
      {"poll_ms", t.poll_ms},
      {"max_log_lines_per_poll_interval", t.max_log_lines_per_poll_interval},
      {"parent_death_signal", t.parent_death_signal},
      {"process_group_leader", t.process_group_leader},
      {"use_canary_pipe", t.use_canary_pipe},
      {"cgroups", cgroups_json(job)},
      // Ours (README "Differences from Bistro").
      {"max_log_bytes_per_poll_interval", t.max_log_bytes_per_poll_interval},
      {"max_log_bytes_per_task", t.max_log_bytes_per_task}};
}

std::string_view kill_method_name(kill_method m) {
  switch (m) {
    case kill_method::term:
      return "term";
    case kill_method::kill:
      return "kill";
    case kill_method::term_wait_kill:
      break;
  }
  return "term_wait_kill";
}

json::array backoff_json(const backoff_settings& b) {
  json::array out;
  for (auto s : b.seconds()) out.emplace_back(s);
  out.emplace_back(b.repeat() ? "repeat" : "fail");
  return out;
}

/// An integer the job's source has under `key`, if any.
std::optional<std::int64_t> source_int(const job_config& job,
                                       std::string_view key) {
  const auto* v = job.source.if_contains(key);
  if (!v) return std::nullopt;
  if (v->is_int64()) return v->as_int64();
  if (v->is_uint64() && v->as_uint64() <= INT64_MAX)
    return static_cast<std::int64_t>(v->as_uint64());
  if (v->is_double()) return static_cast<std::int64_t>(v->as_double());
  return std::nullopt;
}

/// "a.b[2].c" -> {"a", "b", "2", "c"}.
std::vector<std::string> path_keys(std::string_view path) {
  std::vector<std::string> keys;
  std::string key;
  for (std::size_t i = 0; i < path.size(); ++i) {
    char c = path[i];
    if (c == '.' || c == '[') {
      if (!key.empty()) keys.push_back(std::move(key));
      key.clear();
    } else if (c != ']') {
      key += c;
    }
  }
  if (!key.empty()) keys.push_back(std::move(key));
  return keys;
}

const json::value* step_into(const json::value* v, const std::string& key) {
  if (!v) return nullptr;
  if (v->is_object()) return v->as_object().if_contains(key);
  if (v->is_array() && !key.empty() &&
      key.find_first_not_of("0123456789") == std::string::npos) {
    auto i = std::stoull(key);
    return i < v->as_array().size() ? &v->as_array()[i] : nullptr;
  }
  return nullptr;
}

void add_error(json::object& node, std::string_view message,
               const json::value* value) {
  if (auto* e = node.if_contains("error"); e && e->is_string()) {
    std::string joined{e->as_string()};
    joined += "; ";
    joined += message;
    *e = joined;
  } else {
    node["error"] = message;
  }
  if (value && !node.contains("value")) node["value"] = *value;
}

}  // namespace

json::object bistro_job_errors(const job_config& job) {
  json::object out;
  const std::string prefix = std::string{config_detail::job_prefix} + job.name;
  const json::value source(job.source);
  for (const auto& line : job.errors) {
    std::string_view text{line};
    std::string_view path;
    std::string_view message = text;
    if (text.starts_with(prefix)) {
      auto rest = text.substr(prefix.size());
      auto colon = rest.find(": ");
      if ((rest.starts_with(".") || rest.starts_with("[") ||
           rest.starts_with(":")) &&
          colon != std::string_view::npos) {
        path = rest.substr(0, colon);
        message = rest.substr(colon + 2);
      }
    }
    json::object* node = &out;
    const json::value* value = path.empty() ? nullptr : &source;
    for (const auto& key : path_keys(path)) {
      auto& nested = (*node)["nested"];
      if (!nested.is_object()) nested = json::object{};
      auto& child = nested.as_object()[key];
      if (!child.is_object()) child = json::object{};
      node = &child.as_object();
      value = step_into(value, key);
    }
    add_error(*node, message, value);
  }
  return out;
}

json::object bistro_job_json(const config& cfg, const job_config& job) {
  json::object out{
      {"enabled", job.enabled},
      {"owner", job.owner},
      {"level_for_tasks", cfg.levels[job.level_for_tasks]},
      {"priority", job.priority},
      {"config", job.config},
      {"backoff", backoff_json(job.backoff)},
      {"kill_orphan_tasks_after_sec",
       job.kill_orphan_tasks_after_sec
           ? json::value(*job.kill_orphan_tasks_after_sec)
           : json::value(false)},
      {"task_subprocess", task_subprocess_json(job)},
      {"kill_subprocess",
       json::object{{"method", kill_method_name(job.kill_subprocess.method)},
                    {"kill_wait_ms", job.kill_subprocess.kill_wait_ms}}}};
  json::object resources;
  for (const auto& ids : cfg.resources_by_level)
    for (auto r : ids)
      if (static_cast<std::size_t>(r) < job.resources.size())
        resources[cfg.resources[r].name] = job.resources[r];
  if (!resources.empty()) out["resources"] = std::move(resources);
  json::object filters;
  for (std::size_t l = 0; l < job.filters.size() && l < cfg.levels.size(); ++l)
    if (!job.filters[l].empty())
      if (auto f = filter_json(job.filters[l]); !f.empty())
        filters[cfg.levels[l]] = std::move(f);
  if (!filters.empty()) out["filters"] = std::move(filters);
  if (job.level_for_host_placement)
    out["level_for_host_placement"] = cfg.levels[*job.level_for_host_placement];
  if (!job.host_placement.empty()) out["host_placement"] = job.host_placement;
  if (!job.depends_on.empty()) {
    json::array deps;
    for (const auto& d : job.depends_on) deps.emplace_back(d);
    out["depends_on"] = std::move(deps);
  }
  for (auto key : {"create_time", "modify_time"})
    if (auto t = source_int(job, key); t && *t > 0) out[key] = *t;
  if (!job.command.empty()) {
    json::array argv;
    for (const auto& a : job.command) argv.emplace_back(a);
    out["command"] = std::move(argv);
  }
  if (auto v = source_int(job, "version_id"); v && *v >= 0)
    out["version_id"] = *v;
  if (!job.errors.empty()) out["errors"] = bistro_job_errors(job);
  return out;
}

bistro_histogram make_bistro_histogram(const config& cfg, const node_tree& tree,
                                       std::size_t job,
                                       const job_status_row& row,
                                       const task_exclusions& ex,
                                       std::int64_t now_ms,
                                       std::size_t num_samples) {
  const level_id task_level = cfg.jobs[job].level_for_tasks;
  // Each task entry's bits: why it cannot run, else "unstarted" until it
  // has a status of its own.
  std::vector<std::uint16_t> bits(tree.size(), 0);
  for (const auto& [n, why] : ex.excluded(job))
    bits[n] = why == exclusion::avoided ? status_bits::avoided
                                        : status_bits::disabled;
  for (node_id n : tree.nodes_at_level(task_level)) {
    std::uint32_t b = bits[n] ? bits[n] : status_bits::unstarted;
    const node_id c = tree.canonical(n);
    if (c < row.size() && row.label(c) != status_label::never_started) {
      b &= ~status_bits::unstarted;
      status_record status;
      status.label = row.label(c);
      status.backoff_until_ms = row.backoff_until_ms(c).value_or(0);
      b |= status_bits::in_monitor(status, now_ms);
    }
    bits[n] = static_cast<std::uint16_t>(b);
  }
  // Up every entry's own chain: children have higher ids than parents.
  for (node_id n = static_cast<node_id>(tree.size()); n-- > 1;)
    if (bits[n] && tree.level(n) <= task_level)
      if (node_id p = tree.parent(n); p != no_node) bits[p] |= bits[n];
  // A replica counts as its canonical node (Bistro keys nodes by name).
  for (node_id n = 0; n < tree.size(); ++n)
    if (bits[n] && tree.level(n) <= task_level && tree.canonical(n) != n)
      bits[tree.canonical(n)] |= bits[n];

  bistro_histogram out;
  // Bits are below 4096: one counter each, no map lookup per node.
  std::vector<std::size_t> counts(4096);
  for (level_id level = task_level + 1; level-- > 0;) {
    std::fill(counts.begin(), counts.end(), 0);
    std::map<std::uint16_t, json::array> samples;
    for (node_id n : tree.nodes_at_level(level)) {
      if (!bits[n] || tree.canonical(n) != n) continue;
      if (counts[bits[n]]++ < num_samples)
        samples[bits[n]].emplace_back(tree.name(n));
    }
    json::object by_key, samples_by_key;
    for (std::size_t b = 0; b < counts.size(); ++b)
      if (counts[b])
        by_key[status_bits::histogram_key(static_cast<std::uint32_t>(b))] =
            counts[b];
    if (by_key.empty()) continue;
    for (auto& [b, list] : samples)
      samples_by_key[status_bits::histogram_key(b)] = std::move(list);
    const auto& name = cfg.levels[level];
    out.counts[name] = std::move(by_key);
    if (num_samples > 0) out.samples[name] = std::move(samples_by_key);
  }
  return out;
}

}  // namespace bistro
