// parse_config: Bistro's FileConfigLoader format -> config snapshot.
//
// Settings errors reject the whole file (the scheduler keeps its last good
// config). A job's errors stay with the job, which then cannot run, so one
// bad job never stops the others.
#include <algorithm>
#include <boost/json/parse.hpp>
#include <boost/json/parse_options.hpp>
#include <set>

#include "config/config.hpp"
#include "config/json_reader.hpp"

namespace bistro {

namespace json = boost::json;

namespace {

constexpr std::string_view job_prefix = "bistro_job->";
constexpr std::size_t max_levels = 200;  // node_tree stores levels in a byte

std::string join(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

std::optional<backoff_settings> parse_backoff(json_reader& in,
                                              const json::value& v,
                                              const std::string& path) {
  const auto* arr = in.array(v, path);
  if (!arr) return std::nullopt;
  if (arr->empty()) {
    in.error(path, "must not be empty");
    return std::nullopt;
  }
  std::vector<std::int32_t> seconds;
  bool repeat = false;
  for (std::size_t i = 0; i < arr->size(); ++i) {
    const auto& item = (*arr)[i];
    auto item_path = json_path(path, i);
    if (item.is_string()) {
      auto s = item.get_string();
      if (i + 1 != arr->size()) {
        in.error(item_path, "\"repeat\" or \"fail\" must be the last item");
        return std::nullopt;
      }
      if (s == "repeat") {
        if (seconds.empty()) {
          in.error(item_path, "\"repeat\" needs a wait before it");
          return std::nullopt;
        }
        repeat = true;
      } else if (s != "fail") {
        in.error(item_path,
                 "expected a number of seconds, \"repeat\" or "
                 "\"fail\", got " +
                     describe_json(item));
        return std::nullopt;
      }
      continue;
    }
    auto n = in.integer(item, item_path, 1, INT32_MAX);
    if (!n) return std::nullopt;
    if (!seconds.empty() && *n <= seconds.back()) {
      in.error(item_path, "waits must be strictly increasing, got " +
                              std::to_string(*n) + " after " +
                              std::to_string(seconds.back()));
      return std::nullopt;
    }
    seconds.push_back(static_cast<std::int32_t>(*n));
  }
  return backoff_settings{std::move(seconds), repeat};
}

// kill_orphan_tasks_after_sec: false or negative = never, true = now.
void parse_kill_orphans(json_reader& in, const json::value& v,
                        const std::string& path, std::optional<double>& out) {
  if (v.is_bool()) {
    out = v.get_bool() ? std::optional<double>{0.0} : std::nullopt;
  } else if (v.is_number()) {
    double d = v.to_number<double>();
    out = d >= 0.0 ? std::optional<double>{d} : std::nullopt;
  } else {
    in.error(path, "expected a number of seconds or a boolean, got " +
                       describe_json(v));
  }
}

void parse_task_subprocess(json_reader& in, const json::value& v,
                           const std::string& path,
                           task_subprocess_options& out) {
  const auto* obj = in.object(v, path);
  if (!obj) return;
  for (const auto& [key, value] : *obj) {
    auto p = json_path(path, key);
    if (key == "poll_ms") {
      if (auto n = in.integer(value, p, 1)) out.poll_ms = *n;
    } else if (key == "max_log_lines_per_poll_interval") {
      if (auto n = in.integer(value, p, 0))
        out.max_log_lines_per_poll_interval = *n;
    } else if (key == "parent_death_signal") {
      if (auto n = in.integer(value, p, 0, 64)) out.parent_death_signal = *n;
    } else if (key == "process_group_leader") {
      if (auto b = in.boolean(value, p)) out.process_group_leader = *b;
    } else if (key == "use_canary_pipe") {
      if (auto b = in.boolean(value, p)) out.use_canary_pipe = *b;
    } else if (key != "cgroups") {  // Bistro's cgroups: accepted, unused
      in.error(p,
               "unknown key; valid: poll_ms, "
               "max_log_lines_per_poll_interval, parent_death_signal, "
               "process_group_leader, use_canary_pipe");
    }
  }
}

void parse_kill_request(json_reader& in, const json::value& v,
                        const std::string& path, kill_request& out) {
  const auto* obj = in.object(v, path);
  if (!obj) return;
  for (const auto& [key, value] : *obj) {
    auto p = json_path(path, key);
    if (key == "method") {
      auto s = in.string(value, p);
      if (!s) continue;
      if (*s == "term")
        out.method = kill_method::term;
      else if (*s == "term_wait_kill")
        out.method = kill_method::term_wait_kill;
      else if (*s == "kill")
        out.method = kill_method::kill;
      else
        in.error(p, "unknown kill method " + quoted(*s) +
                        "; valid: term, term_wait_kill, kill");
    } else if (key == "kill_wait_ms") {
      if (auto n = in.integer(value, p, 0)) out.kill_wait_ms = *n;
    } else {
      in.error(p, "unknown key; valid: method, kill_wait_ms");
    }
  }
}

std::optional<level_id> parse_level(json_reader& in, const config& cfg,
                                    const json::value& v,
                                    const std::string& path) {
  auto s = in.string(v, path);
  if (!s) return std::nullopt;
  if (auto l = cfg.find_level(*s)) return l;
  in.error(path,
           "unknown level " + quoted(*s) + "; levels: " + join(cfg.levels));
  return std::nullopt;
}

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
          in.error(kp, "unknown key; valid: limit, default, weight");
          ok = false;
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

void parse_settings(json_reader& in, const json::value& v, config& cfg) {
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
      const auto& known = known_policy_names();
      if (std::find(known.begin(), known.end(), *s) == known.end())
        in.error(p,
                 "unknown scheduler " + quoted(*s) + "; valid: " + join(known));
      else
        cfg.scheduler = *s;
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
      if (auto b = parse_backoff(in, value, p)) cfg.backoff = *b;
    } else if (key == "level_for_tasks") {
      if (auto l = parse_level(in, cfg, value, p)) cfg.level_for_tasks = *l;
    } else if (key == "kill_orphan_tasks_after_sec") {
      parse_kill_orphans(in, value, p, cfg.kill_orphan_tasks_after_sec);
    } else if (key == "task_subprocess") {
      parse_task_subprocess(in, value, p, cfg.task_subprocess);
    } else if (key == "kill_subprocess") {
      parse_kill_request(in, value, p, cfg.kill_subprocess);
    } else if (key == "worker_resources_override") {
      parse_worker_overrides(in, value, cfg);
    } else {
      cfg.warnings.push_back(p + ": unknown key, ignored");
    }
  }
}

void parse_filter(json_reader& in, const json::value& v,
                  const std::string& path, job_filter& out) {
  const auto* obj = in.object(v, path);
  if (!obj) return;
  for (const auto& [key, value] : *obj) {
    auto p = json_path(path, key);
    if (key == "whitelist" || key == "blacklist") {
      if (auto names = in.strings(value, p))
        (key == "whitelist" ? out.whitelist : out.blacklist)
            .insert(names->begin(), names->end());
    } else if (key == "whitelist_regex" || key == "blacklist_regex") {
      auto s = in.string(value, p);
      if (!s) continue;
      try {
        std::regex check(*s);
      } catch (const std::regex_error& e) {
        in.error(p, "invalid regex " + quoted(*s) + ": " + e.what());
        continue;
      }
      (key == "whitelist_regex" ? out.whitelist_regex : out.blacklist_regex) =
          *s;
    } else if (key == "tag_whitelist") {
      if (auto tags = in.strings(value, p)) out.tag_whitelist = *tags;
    } else if (key == "fraction_of_nodes") {
      auto d = in.number(value, p, 0.0);
      if (d && (*d <= 0.0 || *d > 1.0))
        in.error(p,
                 "expected a fraction in (0, 1], got " + describe_json(value));
      else if (d)
        out.fraction_of_nodes = *d;
    } else {
      in.error(p,
               "unknown filter; valid: whitelist, whitelist_regex, "
               "blacklist, blacklist_regex, tag_whitelist, "
               "fraction_of_nodes");
    }
  }
  out.compile();
}

job_config parse_job(const config& cfg, std::string name,
                     const json::value& v) {
  job_config job;
  job.name = std::move(name);
  job.level_for_tasks = cfg.level_for_tasks;
  job.backoff = cfg.backoff;
  job.kill_orphan_tasks_after_sec = cfg.kill_orphan_tasks_after_sec;
  job.task_subprocess = cfg.task_subprocess;
  job.kill_subprocess = cfg.kill_subprocess;
  job.filters.resize(cfg.levels.size());
  job.resources.reserve(cfg.resources.size());
  for (const auto& r : cfg.resources) job.resources.push_back(r.default_amount);

  json_reader in(job.errors);
  const std::string path = std::string{job_prefix} + job.name;
  if (job.name.empty()) in.error(path, "a job needs a name");
  const auto* obj = in.object(v, path);
  if (!obj) return job;
  if (!obj->contains("owner"))
    in.error(json_path(path, "owner"), "required key is missing");
  for (const auto& [key, value] : *obj) {
    auto p = json_path(path, key);
    if (key == "owner") {
      if (auto s = in.string(value, p)) job.owner = *s;
    } else if (key == "enabled") {
      if (auto b = in.boolean(value, p)) job.enabled = *b;
    } else if (key == "priority") {
      if (auto d = in.number(value, p, 0.0)) job.priority = *d;
    } else if (key == "config") {
      if (const auto* o = in.object(value, p)) job.config = *o;
    } else if (key == "resources") {
      const auto* res = in.object(value, p);
      if (!res) continue;
      for (const auto& [rname, amount] : *res) {
        auto rp = json_path(p, rname);
        auto id = cfg.find_resource(rname);
        if (!id) {
          in.error(rp, "unknown resource");
          continue;
        }
        if (auto n = in.integer(amount, rp, 0)) job.resources[*id] = *n;
      }
    } else if (key == "filters") {
      const auto* filters = in.object(value, p);
      if (!filters) continue;
      for (const auto& [level_name, filter] : *filters) {
        auto fp = json_path(p, level_name);
        if (auto level = parse_level(in, cfg, json::value(level_name), fp))
          parse_filter(in, filter, fp, job.filters[*level]);
      }
    } else if (key == "depends_on") {
      if (auto names = in.strings(value, p)) job.depends_on = *names;
    } else if (key == "level_for_tasks") {
      if (auto l = parse_level(in, cfg, value, p)) job.level_for_tasks = *l;
    } else if (key == "backoff") {
      if (auto b = parse_backoff(in, value, p)) job.backoff = *b;
    } else if (key == "kill_orphan_tasks_after_sec") {
      parse_kill_orphans(in, value, p, job.kill_orphan_tasks_after_sec);
    } else if (key == "task_subprocess") {
      parse_task_subprocess(in, value, p, job.task_subprocess);
    } else if (key == "kill_subprocess") {
      parse_kill_request(in, value, p, job.kill_subprocess);
    } else if (key == "command") {
      auto argv = in.strings(value, p);
      if (argv && argv->empty())
        in.error(p, "must name a program");
      else if (argv)
        job.command = *argv;
    } else if (key == "host_placement") {
      if (auto s = in.string(value, p)) job.host_placement = *s;
    } else if (key == "level_for_host_placement") {
      if (auto l = parse_level(in, cfg, value, p))
        job.level_for_host_placement = *l;
    } else if (key == "create_time" || key == "modify_time" ||
               key == "version_id" || key == "errors") {
      // Written by Bistro's own tools; carried no meaning for scheduling.
    } else {
      in.error(p, "unknown key");
    }
  }
  return job;
}

}  // namespace

config_result parse_config(std::string_view json_text) {
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

  if (const auto* settings = top->if_contains("bistro_settings"))
    parse_settings(in, *settings, *cfg);
  else
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
    cfg->jobs.push_back(
        parse_job(*cfg, std::string{key.substr(job_prefix.size())}, value));
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
  return {std::move(cfg), {}};
}

}  // namespace bistro
