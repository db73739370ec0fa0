// The job parser: one `bistro_job->NAME` entry, falling back to the
// settings; every problem is recorded on the job, which then cannot run.
#include <regex>

#include "config/config_fields.hpp"

namespace bistro::config_detail {

namespace json = boost::json;

namespace {

void parse_filter(json_reader& in, const json::value& v,
                  const std::string& path, job_filter& out,
                  std::vector<std::string>& warnings) {
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
      // Bistro takes any number and treats one outside (0, 1] as "all".
      auto d = in.number(value, p);
      if (d && (*d <= 0.0 || *d > 1.0))
        warnings.push_back(p + ": " + describe_json(value) +
                           " is not a fraction in (0, 1]; using 1 (all "
                           "nodes)");
      else if (d)
        out.fraction_of_nodes = *d;
    } else {
      warnings.push_back(p +
                         ": unknown filter, ignored; known: whitelist, "
                         "whitelist_regex, blacklist, blacklist_regex, "
                         "tag_whitelist, fraction_of_nodes");
    }
  }
  out.compile();
}

}  // namespace

job_config parse_job(const config& cfg, std::string name, const json::value& v,
                     std::vector<std::string>& warnings) {
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
  if (auto bad = invalid_job_name(job.name)) in.error(path, *bad);
  const auto* obj = in.object(v, path);
  if (!obj) return job;
  job.source = *obj;
  if (!obj->contains("owner"))
    in.error(json_path(path, "owner"), "required key is missing");
  for (const auto& [key, value] : *obj) {
    auto p = json_path(path, key);
    if (key == "owner") {
      if (auto s = in.string(value, p)) job.owner = *s;
    } else if (key == "enabled") {
      if (auto b = in.boolean(value, p)) job.enabled = *b;
    } else if (key == "priority") {
      if (auto d = in.number(value, p)) job.priority = *d;
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
          parse_filter(in, filter, fp, job.filters[*level], warnings);
      }
    } else if (key == "depends_on") {
      if (auto names = in.strings(value, p)) job.depends_on = *names;
    } else if (key == "level_for_tasks") {
      if (auto l = parse_level(in, cfg, value, p)) job.level_for_tasks = *l;
    } else if (key == "backoff") {
      if (auto b = parse_backoff(in, value, p, warnings)) job.backoff = *b;
    } else if (key == "kill_orphan_tasks_after_sec") {
      parse_kill_orphans(in, value, p, job.kill_orphan_tasks_after_sec);
    } else if (key == "task_subprocess") {
      parse_task_subprocess(in, value, p, job.task_subprocess, warnings);
    } else if (key == "kill_subprocess") {
      parse_kill_request(in, value, p, job.kill_subprocess, warnings);
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
    } else if (key == "errors") {
      // Bistro writes the errors of a job it saved in a broken state under
      // this key; such a job stays invalid until someone removes them.
      in.error(p, "the job was saved with errors: " + describe_json(value));
    } else if (key == "create_time" || key == "modify_time" ||
               key == "version_id") {
      // Written by Bistro's own tools; carried no meaning for scheduling.
    } else {
      warnings.push_back(p + ": unknown key, ignored");
    }
  }
  return job;
}

}  // namespace bistro::config_detail
