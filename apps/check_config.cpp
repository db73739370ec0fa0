#include "apps/check_config.hpp"

#include <ctime>

#include "actors/nodes/node_tree_loader.hpp"
#include "config/config.hpp"

namespace bistro {

int check_config(const std::string& path, std::int64_t max_bytes,
                 const policy_catalog& policies,
                 const std::string& instance_name, std::ostream& out,
                 std::ostream& err) {
  auto parsed = load_config_file(path, policies, max_bytes);
  if (!parsed.ok()) {
    err << "config " << path << " is invalid:\n";
    for (const auto& e : parsed.errors) err << "  error: " << e << '\n';
    return 1;
  }
  const config& cfg = *parsed.value;
  auto nodes = build_node_tree(cfg, instance_name, std::time(nullptr));
  out << "config " << path << '\n'
      << "  enabled: " << (cfg.enabled ? "true" : "false")
      << ", scheduler: " << cfg.scheduler << '\n'
      << "  levels:\n";
  for (level_id l = 0; l < static_cast<level_id>(cfg.levels.size()); ++l) {
    out << "    " << cfg.levels[l];
    if (l == cfg.worker_level())
      out << ": one node per connected worker";
    else if (nodes.tree)
      out << ": " << nodes.tree->nodes_at_level(l).size() << " nodes";
    out << '\n';
  }
  out << "  resources:\n";
  if (cfg.resources.empty()) out << "    (none)\n";
  for (const auto& r : cfg.resources)
    out << "    " << cfg.levels[r.level] << '.' << r.name << ": limit "
        << r.limit << ", default " << r.default_amount << '\n';
  out << "  jobs:\n";
  if (cfg.jobs.empty()) out << "    (none)\n";
  std::size_t bad_jobs = 0;
  for (const auto& job : cfg.jobs) {
    out << "    " << job.name << ": owner " << job.owner << ", "
        << (job.enabled ? "enabled" : "disabled") << ", tasks on "
        << cfg.levels[job.level_for_tasks] << '\n';
    if (!job.blocked.empty()) out << "      " << job.blocked << '\n';
    for (const auto& e : job.errors) out << "      error: " << e << '\n';
    if (!job.errors.empty()) ++bad_jobs;
  }
  for (const auto& w : cfg.warnings) out << "  warning: " << w << '\n';
  if (!nodes.tree) {
    err << "config " << path << ": the node tree cannot be built:\n";
    for (const auto& e : nodes.errors) err << "  error: " << e << '\n';
    return 1;
  }
  if (bad_jobs > 0) {
    err << "config " << path << ": " << bad_jobs
        << " job(s) have errors and will not run\n";
    return 1;
  }
  out << "OK\n";
  return 0;
}

}  // namespace bistro
