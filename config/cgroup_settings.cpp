// Parsing of task_subprocess.cgroups and physical_resources, and the two
// mappings between logical and physical amounts.
#include "config/cgroup_settings.hpp"

#include <algorithm>
#include <cmath>

#include "config/config_fields.hpp"

namespace bistro {

namespace json = boost::json;

const char* to_string(physical_resource r) {
  switch (r) {
    case physical_resource::ram_mb:
      return "ram_mb";
    case physical_resource::cpu_core:
      return "cpu_core";
    case physical_resource::gpu_card:
      return "gpu_card";
  }
  return "?";
}

namespace config_detail {

namespace {

bool valid_path_part(const std::string& s) {
  // A slice is a path under the root: no way out of it.
  if (s.find('\0') != std::string::npos) return false;
  std::size_t start = 0;
  while (start <= s.size()) {
    auto end = s.find('/', start);
    if (end == std::string::npos) end = s.size();
    auto part = s.substr(start, end - start);
    if (part == "..") return false;
    start = end + 1;
  }
  return true;
}

}  // namespace

void parse_cgroups(json_reader& in, const json::value& v,
                   const std::string& path, cgroup_options& out) {
  const auto* obj = in.object(v, path);
  if (!obj) return;
  for (const auto& [key, value] : *obj) {
    auto p = json_path(path, key);
    if (key == "root") {
      auto s = in.string(value, p);
      if (s && (s->empty() || s->front() != '/'))
        in.error(p, "must be an absolute path, got " + quoted(*s));
      else if (s)
        out.root = *s;
    } else if (key == "slice") {
      auto s = in.string(value, p);
      if (s && !valid_path_part(*s))
        in.error(p, "must stay under the root (no \"..\"), got " + quoted(*s));
      else if (s)
        out.slice = *s;
    } else if (key == "subsystems") {
      auto names = in.strings(value, p);
      if (!names) continue;
      bool ok = true;
      for (std::size_t i = 0; i < names->size(); ++i) {
        const auto& n = (*names)[i];
        if (n.empty() || n.find('/') != std::string::npos || n == "." ||
            n == "..") {
          in.error(json_path(p, i), "not a subsystem name: " + quoted(n));
          ok = false;
        }
      }
      // Bistro replaces the inherited list rather than adding to it.
      if (ok) out.subsystems = *names;
    } else if (key == "kill_without_freezer") {
      if (auto b = in.boolean(value, p)) out.kill_without_freezer = *b;
    } else if (key == "pids_max") {
      if (auto n = in.integer(value, p, 0)) out.pids_max = *n;
    } else if (key == "unit_test_create_files") {
      // Bistro's test switch; tests here use a fake tree of their own.
    } else {
      in.error(p,
               "unknown key; valid: root, slice, subsystems, "
               "kill_without_freezer, pids_max");
    }
  }
}

void parse_physical_resources(json_reader& in, const json::value& v,
                              const std::string& path, config& cfg) {
  const auto* obj = in.object(v, path);
  if (!obj) return;
  std::vector<std::int32_t> used;
  for (const auto& [name, value] : *obj) {
    auto p = json_path(path, name);
    physical_resource_config rc;
    if (name == "ram_mb")
      rc.physical = physical_resource::ram_mb;
    else if (name == "cpu_core")
      rc.physical = physical_resource::cpu_core;
    else if (name == "gpu_card")
      rc.physical = physical_resource::gpu_card;
    else {
      in.error(p,
               "unknown physical resource; valid: ram_mb, cpu_core, "
               "gpu_card");
      continue;
    }
    const auto* def = in.object(value, p);
    if (!def) continue;
    bool ok = true;
    if (!def->contains("logical_resource")) {
      in.error(json_path(p, "logical_resource"), "required key is missing");
      ok = false;
    }
    for (const auto& [key, item] : *def) {
      auto kp = json_path(p, key);
      if (key == "logical_resource") {
        auto s = in.string(item, kp);
        if (!s) {
          ok = false;
          continue;
        }
        auto id = cfg.find_resource(*s);
        if (!id || cfg.resources[*id].level != cfg.worker_level()) {
          in.error(kp, "not a worker-level resource: " + quoted(*s));
          ok = false;
        } else if (std::find(used.begin(), used.end(), *id) != used.end()) {
          in.error(kp, quoted(*s) + " is mapped by another entry already");
          ok = false;
        } else {
          rc.logical = *id;
          used.push_back(*id);
        }
      } else if (key == "multiply_logical_by") {
        auto d = in.number(item, kp, 0.0);
        if (d && *d < 1e-12) {
          in.error(kp, "must be > 0");
          ok = false;
        } else if (d) {
          rc.multiply_logical_by = *d;
        } else {
          ok = false;
        }
      } else if (key == "enforcement") {
        auto s = in.string(item, kp);
        if (!s) {
          ok = false;
          continue;
        }
        const bool allowed =
            *s == "none" ||
            (*s == "hard" && rc.physical == physical_resource::ram_mb) ||
            (*s == "soft" && rc.physical == physical_resource::cpu_core);
        if (!allowed) {
          in.error(kp, std::string{"enforcement "} + quoted(*s) +
                           " is not supported for " + to_string(rc.physical) +
                           "; ram_mb: none, hard; cpu_core: none, soft; "
                           "gpu_card: none");
          ok = false;
          continue;
        }
        rc.enforcement = *s == "hard"   ? physical_enforcement::hard
                         : *s == "soft" ? physical_enforcement::soft
                                        : physical_enforcement::none;
      } else if (key == "physical_reserve_amount") {
        auto d = in.number(item, kp, -1e300);
        if (d)
          rc.physical_reserve_amount = *d;
        else
          ok = false;
      } else {
        in.error(kp,
                 "unknown key; valid: logical_resource, multiply_logical_by, "
                 "enforcement, physical_reserve_amount");
        ok = false;
      }
    }
    if (ok) cfg.physical_resources.push_back(rc);
  }
}

}  // namespace config_detail

task_cgroup_limits cgroup_limits_of(const config& cfg, const job_config& job) {
  task_cgroup_limits out;
  for (const auto& p : cfg.physical_resources) {
    if (static_cast<std::size_t>(p.logical) >= job.resources.size()) continue;
    const double amount =
        static_cast<double>(job.resources[p.logical]) * p.multiply_logical_by;
    if (amount <= 0) continue;
    if (p.physical == physical_resource::ram_mb &&
        p.enforcement == physical_enforcement::hard)
      out.memory_limit_mb = static_cast<std::int64_t>(std::llround(amount));
    else if (p.physical == physical_resource::cpu_core &&
             p.enforcement == physical_enforcement::soft)
      out.cpu_cores = amount;
  }
  return out;
}

std::optional<std::int64_t> logical_limit_of(const physical_resource_config& p,
                                             const usable_resources& usable) {
  double physical = 0;
  switch (p.physical) {
    case physical_resource::ram_mb:
      physical = usable.memory_mb;
      break;
    case physical_resource::cpu_core:
      physical = usable.cpu_cores;
      break;
    case physical_resource::gpu_card:
      physical = static_cast<double>(usable.gpu_cards);
      break;
  }
  // 0 is "not measured"; a worker's figures come off the wire, so what is
  // not a finite positive amount counts as not measured either, and the
  // result is bounded before it becomes an integer.
  if (!(physical > 0) || !std::isfinite(physical)) return std::nullopt;
  auto logical = std::trunc((physical - p.physical_reserve_amount) /
                            p.multiply_logical_by);
  constexpr double most = 1e15;
  if (!(logical > 0)) return 0;
  return static_cast<std::int64_t>(std::min(logical, most));
}

}  // namespace bistro
