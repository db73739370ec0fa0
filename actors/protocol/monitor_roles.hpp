// Which monitor handlers exist (actors/protocol/monitor.md) and which of
// them change something: the one list the scheduler's dispatch table
// (actors/scheduler/scheduler_monitor.cpp) is checked against at compile
// time, and from which every permission check is derived — the HTTP
// server's token rule, the monitor cache's "never cache, empty the cache",
// and the CAF front door's token rule. Plain logic: no CAF, no scheduler.
//
// Thread-safe: constant data and pure functions.
#pragma once

#include <array>
#include <string>
#include <string_view>
#include <vector>

namespace bistro {

/// One monitor handler's name and whether it changes the scheduler's
/// state or config (and so needs the token when one is configured).
struct monitor_role {
  std::string_view name;
  bool mutates = false;
};

/// Every handler the scheduler answers, Bistro's and ours.
inline constexpr std::array<monitor_role, 28> monitor_roles{{
    // Bistro's
    {"errors", false},
    {"refresh_time", false},
    {"jobs", false},
    {"sorted_node_names", false},
    {"nodes", false},
    {"running_tasks", false},
    {"job_node_runtime", false},
    {"histogram", false},
    {"task_logs", false},
    {"forgive_jobs", true},
    {"kill_task", true},
    {"save_job", true},
    {"delete_job", true},
    // ours
    {"status", false},
    {"job_summary", false},
    {"tasks", false},
    {"node_page", false},
    {"workers", false},
    {"config", false},
    {"metrics", false},
    // ours, for an operator (bistro_shell)
    {"task", false},
    {"kill_job", true},
    {"enable_job", true},
    {"drain_worker", true},
    // ours, read-only views for the page and the shell
    {"task_history", false},
    {"job_history", false},
    {"timeseries", false},
    {"events", false},
}};

/// The role named `name`, or nullptr for a handler the scheduler does not
/// have (it answers "Unknown handler: NAME").
constexpr const monitor_role* find_monitor_role(std::string_view name) {
  for (const auto& r : monitor_roles)
    if (r.name == name) return &r;
  return nullptr;
}

/// The mutating handlers a JSON monitor request names, in its order:
/// every entry (whatever its key) that is an object whose "handler" is a
/// string naming a mutating role. A request that is not a JSON object names
/// none: the scheduler refuses it whole without running anything.
std::vector<std::string> mutating_handlers_in(std::string_view request);

}  // namespace bistro
