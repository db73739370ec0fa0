// Target `config`: the bytes are a config file's text. parse_config must
// answer with a snapshot or errors, never throw; a snapshot must be
// self-consistent (levels, resources, job rows sized to them) and its node
// sources must build a tree or report errors; every job filter must then
// judge every node's name.
//
// Sources that would leave the process or run unbounded are skipped, not
// fuzzed: `script` starts programs, and a `range_label` or `add_time` entry
// asking for millions of nodes is legal but only measures memory.
#include <boost/json/object.hpp>
#include <exception>
#include <string_view>

#include "actors/nodes/node_source_prefs.hpp"
#include "actors/nodes/node_tree_loader.hpp"
#include "actors/policies/builtin_policies.hpp"
#include "config/config.hpp"
#include "tests/fuzz/fuzz_targets.hpp"

namespace bistro::fuzz {

namespace {

constexpr std::int64_t max_fuzzed_nodes = 2000;
constexpr std::int64_t max_fuzzed_lifetime_s = 2000;
constexpr std::int64_t fuzz_now_sec = 1'700'000'000;

/// `key` is absent, not an integer, or an integer within [lo, hi].
bool small_int_or_other(const boost::json::object& prefs, std::string_view key,
                        std::int64_t lo, std::int64_t hi) {
  const auto* v = prefs.if_contains(key);
  if (v == nullptr) return true;
  auto i = json_to_int(*v);
  return !i || (*i >= lo && *i <= hi);
}

/// Whether building this entry stays in the process and small.
bool fuzzable_source(const node_source_config& s) {
  if (s.source == "script") return false;
  if (s.source == "range_label") {
    const auto* start = s.prefs.if_contains("start");
    const auto* end = s.prefs.if_contains("end");
    if (!start || !end) return true;
    auto a = json_to_int(*start), b = json_to_int(*end);
    if (!a || !b) return true;
    // Unsigned: b - a may not fit in an int64.
    return *b < *a ||
           static_cast<std::uint64_t>(*b) - static_cast<std::uint64_t>(*a) <
               static_cast<std::uint64_t>(max_fuzzed_nodes);
  }
  if (s.source == "add_time") {
    const auto* schedule = s.prefs.if_contains("schedule");
    if (!schedule || !schedule->is_array()) return true;
    for (const auto& item : schedule->get_array()) {
      if (!item.is_object()) continue;
      if (!small_int_or_other(item.get_object(), "lifetime", INT64_MIN,
                              max_fuzzed_lifetime_s))
        return false;
    }
  }
  return true;
}

void check_snapshot(const config& cfg) {
  fuzz_check(cfg.levels.size() >= 2, "config: fewer than 2 levels");
  fuzz_check(cfg.levels.front() == "instance", "config: level 0 not instance");
  fuzz_check(cfg.levels.back() == "worker", "config: last level not worker");
  fuzz_check(cfg.resources_by_level.size() == cfg.levels.size(),
             "config: resources_by_level not one per level");
  fuzz_check(
      cfg.level_for_tasks >= 0 && cfg.level_for_tasks <= cfg.worker_level(),
      "config: level_for_tasks out of range");
  for (const auto& r : cfg.resources)
    fuzz_check(r.level >= 0 && r.level <= cfg.worker_level(),
               "config: resource on no level");
  for (std::size_t i = 0; i < cfg.jobs.size(); ++i) {
    const auto& job = cfg.jobs[i];
    if (i > 0)
      fuzz_check(cfg.jobs[i - 1].name <= job.name, "config: jobs not sorted");
    fuzz_check(cfg.find_job(job.name) != nullptr, "config: job not found");
    fuzz_check(job.resources.size() == cfg.resources.size(),
               "config: job resources not one per resource");
    fuzz_check(job.filters.size() == cfg.levels.size(),
               "config: job filters not one per level");
    fuzz_check(
        job.level_for_tasks >= 0 && job.level_for_tasks <= cfg.worker_level(),
        "config: job level_for_tasks out of range");
    if (job.errors.empty())
      fuzz_check(!invalid_job_name(job.name), "config: bad job name accepted");
  }
}

void filter_every_node(const config& cfg, const node_tree& tree) {
  for (const auto& job : cfg.jobs) {
    if (!job.runnable()) continue;
    for (node_id n = 0; n < tree.size(); ++n) {
      auto level = tree.level(n);
      if (level < 0 || static_cast<std::size_t>(level) >= job.filters.size())
        continue;
      (void)job.filters[level].passes(
          job.name, tree.name(n),
          [&](std::string_view tag) { return tree.has_tag(n, tag); });
    }
  }
}

}  // namespace

int fuzz_config(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto result = parse_config(text, builtin_policy_catalog());
  if (!result.ok()) {
    fuzz_check(!result.errors.empty(), "config: refused without errors");
    return 0;
  }
  const config& parsed = *result.value;
  check_snapshot(parsed);
  config cfg = parsed;
  std::erase_if(cfg.node_sources,
                [](const auto& s) { return !fuzzable_source(s); });
  auto tree = build_node_tree(cfg, "instance", fuzz_now_sec);
  if (!tree.ok()) {
    fuzz_check(!tree.errors.empty(), "nodes: no tree and no errors");
    return 0;
  }
  fuzz_check(tree.tree->size() >= 1, "nodes: no instance node");
  fuzz_check(
      tree.tree->num_levels() == static_cast<level_id>(cfg.levels.size()),
      "nodes: tree levels differ from the config's");
  filter_every_node(cfg, *tree.tree);
  return 0;
}

}  // namespace bistro::fuzz
