// Task containment settings: `task_subprocess.cgroups` (where each task's
// cgroup lives and how it is killed) and `bistro_settings.physical_resources`
// (which worker resources stand for memory, CPU cores and GPUs, so that a
// task's amounts become its cgroup limits and a worker's measured hardware
// becomes its resource limits). Bistro's keys and meaning.
//
// Plain values and pure functions, no CAF include; parsed once per config
// snapshot and then read-only, like the rest of config/.
#pragma once

#include <boost/json/value.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "config/task_subprocess.hpp"

namespace bistro {

struct config;
struct job_config;
class json_reader;

/// `physical_resources` keys: ram_mb, cpu_core, gpu_card.
enum class physical_resource { ram_mb, cpu_core, gpu_card };
/// `enforcement`: ram_mb allows none and hard, cpu_core none and soft,
/// gpu_card none.
enum class physical_enforcement { none, soft, hard };

const char* to_string(physical_resource r);

/// One `physical_resources` entry: a worker-level resource that stands for
/// a physical one. Physical amount = logical amount * multiply_logical_by.
struct physical_resource_config {
  physical_resource physical = physical_resource::ram_mb;
  /// A worker-level resource (index into config::resources).
  std::int32_t logical = 0;
  double multiply_logical_by = 1.0;
  physical_enforcement enforcement = physical_enforcement::none;
  /// Held back from what a worker measures before it becomes its limit.
  double physical_reserve_amount = 0.0;
};

/// The cgroup limits of one task, from the job's resource amounts (0 =
/// none).
struct task_cgroup_limits {
  std::int64_t memory_limit_mb = 0;
  /// CPU cores the task asked for: cpu.shares = 1024 per core (v1),
  /// cpu.weight = 100 per core (v2).
  double cpu_cores = 0.0;
};

/// What a worker has, measured at start (usable_resources.hpp).
struct usable_resources {
  double memory_mb = 0.0;
  double cpu_cores = 0.0;
  std::int64_t gpu_cards = 0;
};

namespace config_detail {

/// `task_subprocess.cgroups`.
void parse_cgroups(json_reader& in, const boost::json::value& v,
                   const std::string& path, cgroup_options& out);
/// `bistro_settings.physical_resources`; needs cfg.resources parsed.
void parse_physical_resources(json_reader& in, const boost::json::value& v,
                              const std::string& path, config& cfg);

}  // namespace config_detail

/// The limits of `job`'s tasks: `hard` ram_mb and `soft` cpu_core entries
/// applied to the job's amounts of their logical resources.
task_cgroup_limits cgroup_limits_of(const config& cfg, const job_config& job);

/// A worker's limit of a mapped logical resource from what it measured:
/// (physical - reserve) / multiply_logical_by, cut to an integer and never
/// below 0; nothing when the physical amount is 0 (not measured).
std::optional<std::int64_t> logical_limit_of(const physical_resource_config& p,
                                             const usable_resources& usable);

}  // namespace bistro
