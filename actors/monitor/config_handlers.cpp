#include "actors/monitor/config_handlers.hpp"

#include "actors/monitor/bistro_monitor_format.hpp"
#include "actors/monitor/monitor_args.hpp"

namespace bistro {

namespace json = boost::json;

monitor_check need_config(const monitor_view& view) {
  if (!view.has_config()) return unavailable("no config loaded yet");
  return std::nullopt;
}

monitor_result<std::vector<std::size_t>> requested_jobs(
    const monitor_view& view, const json::object& req) {
  if (auto no = need_config(view)) return std::move(*no);
  const auto& cfg = *view.cfg;
  auto names = strings_arg(req, "jobs");
  if (!names) return std::move(names).error();
  std::vector<std::size_t> out;
  if (names->empty()) {
    for (std::size_t j = 0; j < cfg.jobs.size(); ++j) out.push_back(j);
  } else {
    for (const auto& n : *names)
      if (const auto* job = cfg.find_job(n))
        out.push_back(static_cast<std::size_t>(job - cfg.jobs.data()));
  }
  return out;
}

json::object errors_json(const monitor_view& view) {
  json::object out;
  for (const auto& [source, e] : view.errors) out[source] = e.first;
  if (view.cfg)
    for (const auto& job : view.cfg->jobs)
      if (!job.errors.empty()) {
        std::string message;
        for (const auto& e : job.errors)
          message += (message.empty() ? "" : "; ") + e;
        out["job " + job.name] = message;
      }
  return out;
}

monitor_result<json::value> errors_answer(const monitor_view& view,
                                          const json::object&) {
  return errors_json(view);
}

monitor_result<json::value> refresh_time_answer(const monitor_view& view,
                                                const json::object&) {
  return view.snapshot_ms / 1000;
}

monitor_result<json::value> jobs_answer(const monitor_view& view,
                                        const json::object& req) {
  auto jobs = requested_jobs(view, req);
  if (!jobs) return std::move(jobs).error();
  const auto& cfg = *view.cfg;
  json::object out;
  for (auto j : *jobs) {
    const auto& job = cfg.jobs[j];
    auto o = bistro_job_json(cfg, job);
    // Ours: why a valid job never runs (a depends_on cycle).
    if (!job.blocked.empty()) o["blocked"] = job.blocked;
    out[job.name] = std::move(o);
  }
  return out;
}

monitor_result<json::value> sorted_node_names_answer(const monitor_view& view,
                                                     const json::object&) {
  if (auto no = need_config(view)) return std::move(*no);
  const auto& cfg = *view.cfg;
  const auto& tree = *view.tree;
  json::object out;
  for (level_id l = 0; l < tree.num_levels(); ++l) {
    json::array names;
    for (auto n : tree.nodes_at_level(l)) names.emplace_back(tree.name(n));
    out[cfg.levels[l]] = std::move(names);
  }
  return out;
}

monitor_result<json::value> nodes_answer(const monitor_view& view,
                                         const json::object& req) {
  if (auto no = need_config(view)) return std::move(*no);
  const auto& cfg = *view.cfg;
  const auto& tree = *view.tree;
  bool want_resources = true, want_disabled = true;
  auto fields = strings_arg(req, "fields");
  if (!fields) return std::move(fields).error();
  if (!fields->empty()) {
    want_resources = want_disabled = false;
    for (const auto& f : *fields) {
      if (f == "resources")
        want_resources = true;
      else if (f == "disabled")
        want_disabled = true;
      else
        return bad_request("Unknown field name: " + f);
    }
  }
  auto names = strings_arg(req, "nodes");
  if (!names) return std::move(names).error();
  std::vector<node_id> nodes;
  if (names->empty()) {
    for (std::size_t n = 0; n < tree.size(); ++n)
      nodes.push_back(static_cast<node_id>(n));
  } else {
    for (const auto& name : *names)
      if (auto n = tree.find(name)) nodes.push_back(*n);
  }
  json::object results;
  for (auto n : nodes) {
    auto level = tree.level(n);
    auto& by_level = results[cfg.levels[level]];
    if (!by_level.is_object()) by_level = json::object{};
    json::object node;
    if (want_resources) {
      json::object resources;
      for (auto r : cfg.resources_by_level[level]) {
        const auto& rc = cfg.resources[r];
        json::object o{{"default", rc.default_amount}, {"limit", rc.limit}};
        if (rc.weight > 0) o["weight"] = rc.weight;
        resources[rc.name] = std::move(o);
      }
      node["resources"] = std::move(resources);
    }
    if (want_disabled && !tree.enabled(n)) node["disabled"] = true;
    by_level.as_object()[tree.name(n)] = std::move(node);
  }
  return json::object{{"results", std::move(results)}};
}

monitor_result<json::value> config_answer(const monitor_view& view,
                                          const json::object&) {
  json::array errors;
  if (auto it = view.errors.find("config"); it != view.errors.end())
    errors.emplace_back(it->second.first);
  json::array warnings;
  json::object cfg_json;
  if (view.cfg) {
    const auto& cfg = *view.cfg;
    for (const auto& w : cfg.warnings) warnings.emplace_back(w);
    json::array levels, resources, jobs;
    for (const auto& l : cfg.levels) levels.emplace_back(l);
    for (const auto& r : cfg.resources)
      resources.emplace_back(json::object{{"name", r.name},
                                          {"level", cfg.levels[r.level]},
                                          {"limit", r.limit},
                                          {"default", r.default_amount},
                                          {"weight", r.weight}});
    for (const auto& j : cfg.jobs) jobs.emplace_back(j.name);
    cfg_json = json::object{{"enabled", cfg.enabled},
                            {"scheduler", cfg.scheduler},
                            {"working_wait", cfg.working_wait_sec},
                            {"idle_wait", cfg.idle_wait_sec},
                            {"levels", std::move(levels)},
                            {"resources", std::move(resources)},
                            {"jobs", std::move(jobs)}};
  }
  return json::object{{"file", view.config_file},
                      {"loaded_ms", view.snapshot_ms},
                      {"errors", std::move(errors)},
                      {"warnings", std::move(warnings)},
                      {"config", std::move(cfg_json)}};
}

monitor_result<json::value> node_page_answer(const monitor_view& view,
                                             const json::object& req) {
  if (auto no = need_config(view)) return std::move(*no);
  const auto& cfg = *view.cfg;
  const auto& tree = *view.tree;
  auto level_arg = string_arg(req, "level");
  if (!level_arg) return std::move(level_arg).error();
  auto prefix_arg = string_arg(req, "prefix");
  if (!prefix_arg) return std::move(prefix_arg).error();
  auto after_arg = string_arg(req, "after");
  if (!after_arg) return std::move(after_arg).error();
  auto limit_arg = page_limit_arg(req);
  if (!limit_arg) return std::move(limit_arg).error();
  const auto& level_name = *level_arg;
  const auto& prefix = *prefix_arg;
  const auto& after = *after_arg;
  auto limit = *limit_arg;
  std::vector<level_id> levels;
  if (level_name.empty()) {
    for (level_id l = 0; l < tree.num_levels(); ++l) levels.push_back(l);
  } else {
    auto l = cfg.find_level(level_name);
    if (!l) return bad_request("level: unknown level " + level_name);
    levels.push_back(*l);
  }
  std::optional<node_id> after_id;
  if (!after.empty()) {
    after_id = tree.find(after);
    // A node named in the request that does not exist: 404 over HTTP.
    if (!after_id) return not_found("after: unknown node " + after);
  }
  json::array nodes;
  std::size_t total = 0;
  std::string last;
  bool more = false;
  for (auto l : levels) {
    for (auto n : tree.nodes_at_level(l)) {
      auto name = tree.name(n);
      if (!name.starts_with(prefix)) continue;
      ++total;
      if (after_id && (tree.level(*after_id) > l ||
                       (tree.level(*after_id) == l && n <= *after_id)))
        continue;
      if (nodes.size() == limit) {
        more = true;
        continue;
      }
      auto parent = tree.parent(n);
      nodes.emplace_back(json::object{
          {"name", name},
          {"level", cfg.levels[l]},
          {"parent", parent == no_node ? json::value(nullptr)
                                       : json::value(tree.name(parent))},
          {"enabled", tree.enabled(n)}});
      last = std::string{name};
    }
  }
  json::value next = nullptr;
  if (more) next = last;
  return json::object{
      {"nodes", std::move(nodes)}, {"next", next}, {"total", total}};
}

}  // namespace bistro
