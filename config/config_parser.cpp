// parse_config: Bistro's FileConfigLoader format -> config snapshot.
//
// Settings errors reject the whole file (the scheduler keeps its last good
// config). A job's errors stay with the job, which then cannot run, so one
// bad job never stops the others (job_parser.cpp).
#include <algorithm>
#include <boost/json/parse.hpp>
#include <boost/json/parse_options.hpp>
#include <set>

#include "config/config_fields.hpp"
#include "config/config_lint.hpp"

namespace bistro {

namespace json = boost::json;
using namespace config_detail;

namespace {

constexpr std::size_t max_levels = 200;  // node_tree stores levels in a byte
// nodes.max_name_bytes: node names live in u32 offsets of one buffer.
constexpr std::int64_t max_node_name_bytes_cap = std::int64_t{1} << 24;

void parse_node_source_list(json_reader& in, const json::value& v,
                            const std::string& path, config& cfg) {
  const auto* arr = in.array(v, path);
  if (!arr) return;
  for (std::size_t i = 0; i < arr->size(); ++i) {
    auto item_path = json_path(path, i);
    const auto* item = in.object((*arr)[i], item_path);
    if (!item) continue;
    node_source_config src;
    if (const auto* s = item->if_contains("source")) {
      if (auto name = in.string(*s, json_path(item_path, "source")))
        src.source = *name;
    } else {
      in.error(json_path(item_path, "source"), "required key is missing");
    }
    if (const auto* prefs = item->if_contains("prefs")) {
      if (const auto* o = in.object(*prefs, json_path(item_path, "prefs")))
        src.prefs = *o;
    }
    for (const auto& [key, value] : *item)
      if (key != "source" && key != "prefs")
        cfg.warnings.push_back(json_path(item_path, key) +
                               ": unknown key, ignored; known: source, prefs");
    cfg.node_sources.push_back(std::move(src));
  }
}

void parse_nodes(json_reader& in, const json::value& v, config& cfg) {
  const std::string path = "bistro_settings.nodes";
  const auto* obj = in.object(v, path);
  if (!obj) return;
  cfg.levels = {"instance"};
  if (const auto* levels = obj->if_contains("levels")) {
    auto lp = json_path(path, "levels");
    if (auto names = in.strings(*levels, lp)) {
      std::set<std::string> seen;
      for (std::size_t i = 0; i < names->size(); ++i) {
        const auto& name = (*names)[i];
        if (name.empty() || name == "instance" || name == "worker" ||
            !seen.insert(name).second)
          in.error(json_path(lp, i),
                   "level names must be unique, non-empty and not "
                   "\"instance\" or \"worker\", got " +
                       quoted(name));
        cfg.levels.push_back(name);
      }
      if (names->size() > max_levels)
        in.error(lp, "at most " + std::to_string(max_levels) +
                         " levels are supported");
    }
  } else {
    in.error(json_path(path, "levels"), "required key is missing");
  }
  cfg.levels.push_back("worker");

  for (const auto& [key, value] : *obj) {
    auto p = json_path(path, key);
    if (key == "levels") continue;
    if (key == "node_order") {
      auto s = in.string(value, p);
      if (!s) continue;
      if (*s == "random")
        cfg.order = node_order::random;
      else if (*s == "original")
        cfg.order = node_order::original;
      else if (*s == "lexicographic")
        cfg.order = node_order::lexicographic;
      else
        in.error(p, "unknown node order " + quoted(*s) +
                        "; valid: random, original, lexicographic");
    } else if (key == "node_sources") {
      parse_node_source_list(in, value, p, cfg);
    } else if (key == "max_name_bytes") {
      if (auto n = in.integer(value, p)) {
        if (*n < 1 || *n > max_node_name_bytes_cap)
          in.error(p, "must be from 1 to " +
                          std::to_string(max_node_name_bytes_cap) + ", got " +
                          std::to_string(*n));
        else
          cfg.max_node_name_bytes = static_cast<std::size_t>(*n);
      }
    } else if (key == "node_source") {
      // The seed's shorthand for a one-source list.
      if (auto name = in.string(value, p)) {
        node_source_config src{*name, {}};
        if (const auto* prefs = obj->if_contains("node_source_prefs")) {
          if (const auto* o =
                  in.object(*prefs, json_path(path, "node_source_prefs")))
            src.prefs = *o;
        }
        cfg.node_sources.insert(cfg.node_sources.begin(), std::move(src));
      }
    } else if (key == "node_source_prefs") {
      if (!obj->contains("node_source"))
        in.error(p, "given without \"node_source\"");
    } else {
      cfg.warnings.push_back(p + ": unknown key, ignored");
    }
  }
}

void parse_resources(json_reader& in, const json::value& v, config& cfg) {
  const std::string path = "bistro_settings.resources";
  const auto* obj = in.object(v, path);
  if (!obj) return;
  for (const auto& [level_name, level_value] : *obj) {
    auto lp = json_path(path, level_name);
    auto level = cfg.find_level(level_name);
    if (!level) {
      in.error(lp, "unknown level " + quoted(level_name) +
                       "; levels: " + join(cfg.levels));
      continue;
    }
    const auto* res = in.object(level_value, lp);
    if (!res) continue;
    for (const auto& [res_name, res_value] : *res) {
      auto rp = json_path(lp, res_name);
      if (cfg.find_resource(res_name)) {
        in.error(rp, "resource names must be unique across levels");
        continue;
      }
      const auto* def = in.object(res_value, rp);
      if (!def) continue;
      resource_config rc;
      rc.name = res_name;
      rc.level = *level;
      bool ok = true;
      for (const auto& [key, value] : *def) {
        auto kp = json_path(rp, key);
        std::optional<std::int64_t> n;
        if (key == "limit" || key == "default" || key == "weight") {
          n = in.integer(value, kp, 0);
          if (!n) ok = false;
        } else {
          cfg.warnings.push_back(
              kp + ": unknown key, ignored; known: limit, default, weight");
          continue;
        }
        if (!n) continue;
        if (key == "limit")
          rc.limit = *n;
        else if (key == "default")
          rc.default_amount = *n;
        else
          rc.weight = *n;
      }
      for (const char* required : {"limit", "default"}) {
        if (!def->contains(required)) {
          in.error(json_path(rp, required), "required key is missing");
          ok = false;
        }
      }
      if (!ok) continue;
      cfg.resources_by_level[*level].push_back(
          static_cast<resource_id>(cfg.resources.size()));
      cfg.resources.push_back(std::move(rc));
    }
  }
}

void parse_worker_overrides(json_reader& in, const json::value& v,
                            config& cfg) {
  const std::string path = "bistro_settings.worker_resources_override";
  const auto* obj = in.object(v, path);
  if (!obj) return;
  for (const auto& [worker, amounts] : *obj) {
    auto wp = json_path(path, worker);
    const auto* res = in.object(amounts, wp);
    if (!res) continue;
    auto& out = cfg.worker_resources_override[std::string{worker}];
    for (const auto& [name, amount] : *res) {
      auto rp = json_path(wp, name);
      auto id = cfg.find_resource(name);
      if (!id || cfg.resources[*id].level != cfg.worker_level()) {
        in.error(rp, "not a worker-level resource");
        continue;
      }
      if (auto n = in.integer(amount, rp, 0)) out.emplace_back(*id, *n);
    }
  }
}

void parse_settings(json_reader& in, const json::value& v,
                    const policy_catalog& policies, config& cfg) {
  const std::string path = "bistro_settings";
  const auto* obj = in.object(v, path);
  if (!obj) return;
  // Levels come first: resources and level_for_tasks refer to them.
  if (const auto* nodes = obj->if_contains("nodes"))
    parse_nodes(in, *nodes, cfg);
  else
    in.error(json_path(path, "nodes"), "required key is missing");
  if (cfg.levels.empty()) cfg.levels = {"instance", "worker"};
  cfg.resources_by_level.resize(cfg.levels.size());
  cfg.level_for_tasks = std::max(cfg.num_configured_levels(), 0);
  if (const auto* res = obj->if_contains("resources"))
    parse_resources(in, *res, cfg);

  for (const auto& [key, value] : *obj) {
    auto p = json_path(path, key);
    if (key == "nodes" || key == "resources") continue;
    if (key == "enabled") {
      if (auto b = in.boolean(value, p)) cfg.enabled = *b;
    } else if (key == "working_wait") {
      if (auto d = in.number(value, p, 0.0)) cfg.working_wait_sec = *d;
    } else if (key == "idle_wait") {
      if (auto d = in.number(value, p, 0.0)) cfg.idle_wait_sec = *d;
    } else if (key == "scheduler") {
      auto s = in.string(value, p);
      if (!s) continue;
      if (!policies.find(*s))
        in.error(p, "unknown scheduler " + quoted(*s) +
                        "; valid: " + policies.names());
      else
        cfg.scheduler = *s;
    } else if (key == "scheduler_prefs") {
      if (const auto* prefs = in.object(value, p)) cfg.scheduler_prefs = *prefs;
    } else if (key == "remote_worker_selector") {
      auto s = in.string(value, p);
      if (!s) continue;
      if (*s == "roundrobin")
        cfg.remote_worker_selector = worker_selector::roundrobin;
      else if (*s == "busiest")
        cfg.remote_worker_selector = worker_selector::busiest;
      else
        in.error(p, "unknown remote_worker_selector " + quoted(*s) +
                        "; valid: roundrobin, busiest");
    } else if (key == "backoff") {
      if (auto b = parse_backoff(in, value, p, cfg.warnings)) cfg.backoff = *b;
    } else if (key == "level_for_tasks") {
      if (auto l = parse_level(in, cfg, value, p)) cfg.level_for_tasks = *l;
    } else if (key == "kill_orphan_tasks_after_sec") {
      parse_kill_orphans(in, value, p, cfg.kill_orphan_tasks_after_sec);
    } else if (key == "task_subprocess") {
      parse_task_subprocess(in, value, p, cfg.task_subprocess, cfg.warnings);
    } else if (key == "kill_subprocess") {
      parse_kill_request(in, value, p, cfg.kill_subprocess, cfg.warnings);
    } else if (key == "CAUTION_exit_initial_wait_before_timestamp") {
      if (auto n = in.integer(value, p)) cfg.exit_initial_wait_before_sec = *n;
    } else if (key == "worker_resources_override") {
      parse_worker_overrides(in, value, cfg);
    } else if (key == "physical_resources") {
      parse_physical_resources(in, value, p, cfg);
    } else {
      cfg.warnings.push_back(p + ": unknown key, ignored");
    }
  }
}

// The named policy judges its own prefs; the default name must be known
// too, since a config without the key runs it.
void check_scheduler_prefs(json_reader& in, const policy_catalog& policies,
                           const config& cfg) {
  const std::string path = "bistro_settings.scheduler_prefs";
  const auto* policy = policies.find(cfg.scheduler);
  if (!policy) {
    if (!in.failed())
      in.error("bistro_settings.scheduler",
               "the default scheduler " + quoted(cfg.scheduler) +
                   " is not registered; valid: " + policies.names());
    return;
  }
  if (!policy->check_prefs) {
    if (!cfg.scheduler_prefs.empty())
      in.error(path, "scheduler " + quoted(cfg.scheduler) + " takes no prefs");
    return;
  }
  if (auto problem = policy->check_prefs(cfg.scheduler_prefs))
    in.error(path, *problem);
}

}  // namespace

config_result parse_config(std::string_view json_text,
                           const policy_catalog& policies) {
  json::parse_options options;
  options.max_depth = 128;  // deeper input is an error, never a stack blowup
  std::error_code ec;
  json::value root = json::parse(json_text, ec, {}, options);
  if (ec) {
    return {nullptr, {"invalid JSON: " + ec.message()}};
  }
  auto cfg = std::make_shared<config>();
  std::vector<std::string> errors;
  json_reader in(errors);
  const auto* top = in.object(root, "(top level)");
  if (!top) return {nullptr, std::move(errors)};
  // Boost.JSON kept the last of each repeated key; say so (Bistro did too).
  std::vector<std::string> duplicate_warnings;
  for (const auto& d : duplicate_top_level_keys(json_text))
    duplicate_warnings.push_back(d.key + ": the key is written " +
                                 std::to_string(d.times) +
                                 " times; only the last one is used");

  if (const auto* settings = top->if_contains("bistro_settings")) {
    parse_settings(in, *settings, policies, *cfg);
    check_scheduler_prefs(in, policies, *cfg);
  } else
    in.error("bistro_settings", "required key is missing");
  if (!errors.empty()) return {nullptr, std::move(errors)};
  if (cfg->node_sources.empty())
    cfg->warnings.push_back(
        "bistro_settings.nodes: no node sources; tasks can only run on the "
        "instance node");

  for (const auto& [key, value] : *top) {
    if (key == "bistro_settings") continue;
    if (!key.starts_with(job_prefix)) {
      cfg->warnings.push_back(std::string{key} +
                              ": unknown top-level key, ignored (jobs are "
                              "\"bistro_job->NAME\")");
      continue;
    }
    cfg->jobs.push_back(parse_job(*cfg,
                                  std::string{key.substr(job_prefix.size())},
                                  value, cfg->warnings));
  }
  std::sort(cfg->jobs.begin(), cfg->jobs.end(),
            [](const auto& a, const auto& b) { return a.name < b.name; });
  for (const auto& job : cfg->jobs) {
    for (std::size_t i = 0; i < job.depends_on.size(); ++i) {
      if (!cfg->find_job(job.depends_on[i]))
        cfg->warnings.push_back(
            json_path(
                json_path(std::string{job_prefix} + job.name, "depends_on"),
                i) +
            ": unknown job " + quoted(job.depends_on[i]) +
            "; this job will never run");
    }
  }
  auto depends = find_depends_cycles(cfg->jobs);
  for (const auto& cycle : depends.cycles) {
    constexpr std::size_t shown = 20;
    std::string names;
    for (std::size_t k = 0; k < cycle.jobs.size() && k < shown; ++k)
      names += (names.empty() ? "" : ", ") + cfg->jobs[cycle.jobs[k]].name;
    if (cycle.jobs.size() > shown)
      names += " and " + std::to_string(cycle.jobs.size() - shown) + " more";
    cfg->warnings.push_back(
        json_path(std::string{job_prefix} + cfg->jobs[cycle.jobs.front()].name,
                  "depends_on") +
        ": depends_on cycle " + cycle.path + "; jobs " + names + " never run");
  }
  for (auto& b : depends.blocked)
    cfg->jobs[b.job].blocked = std::move(b.reason);
  cfg->warnings.insert(cfg->warnings.end(), duplicate_warnings.begin(),
                       duplicate_warnings.end());
  return {std::move(cfg), {}};
}

}  // namespace bistro
