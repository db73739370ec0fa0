#include "config/config.hpp"

#include <algorithm>

#include "config/config_file.hpp"

namespace bistro {

std::optional<level_id> config::find_level(std::string_view name) const {
  for (std::size_t i = 0; i < levels.size(); ++i)
    if (levels[i] == name) return static_cast<level_id>(i);
  return std::nullopt;
}

std::optional<resource_id> config::find_resource(std::string_view name) const {
  for (std::size_t i = 0; i < resources.size(); ++i)
    if (resources[i].name == name) return static_cast<resource_id>(i);
  return std::nullopt;
}

const job_config* config::find_job(std::string_view name) const {
  auto it = std::lower_bound(
      jobs.begin(), jobs.end(), name,
      [](const job_config& job, std::string_view n) { return job.name < n; });
  return it != jobs.end() && it->name == name ? &*it : nullptr;
}

std::optional<std::string> invalid_job_name(std::string_view name) {
  if (name.empty()) return "a job needs a name";
  if (name == "." || name == "..")
    return "a job cannot be named \".\" or \"..\"";
  if (name.find('/') != std::string_view::npos)
    return "a job name cannot contain '/'";
  if (name.find('\0') != std::string_view::npos)
    return "a job name cannot contain a NUL byte";
  if (name.size() > 255) return "a job name is at most 255 bytes";
  return std::nullopt;
}

config_result load_config_file(const std::string& path,
                               const policy_catalog& policies,
                               std::int64_t max_bytes) {
  auto file = read_config_text(path, max_bytes);
  if (!file.ok()) return {nullptr, {file.error}};
  auto result = parse_config(file.text, policies);
  for (auto& e : result.errors) e = path + ": " + e;
  return result;
}

}  // namespace bistro
