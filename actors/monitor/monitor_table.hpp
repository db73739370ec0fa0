// The one table of monitor handlers (actors/protocol/monitor.md): one row
// `{name, function}` per handler, where the function is one of four kinds
// and whether the handler mutates follows from its kind. Everything else
// derives from it: the scheduler's dispatcher looks handlers up here
// (actors/scheduler/scheduler_monitor.cpp), and `monitor_roles`, the
// names and `mutates` every permission check takes (the HTTP server's
// token rule, the monitor cache's "never cache, empty the cache", the CAF
// front door's token rule, through actors/protocol/monitor_roles.hpp's
// `mutating_handlers_in`), is computed from it at compile time.
//
// Plain logic: no CAF. Thread-safe: constant data.
#pragma once

#include <array>
#include <boost/json.hpp>
#include <cstddef>
#include <string_view>
#include <variant>

#include "actors/monitor/activity_handlers.hpp"
#include "actors/monitor/ask_handlers.hpp"
#include "actors/monitor/change_handlers.hpp"
#include "actors/monitor/config_handlers.hpp"
#include "actors/monitor/job_handlers.hpp"
#include "actors/monitor/monitor_actions.hpp"
#include "actors/monitor/monitor_error.hpp"
#include "actors/monitor/monitor_view.hpp"
#include "actors/monitor/run_handlers.hpp"
#include "actors/monitor/status_handlers.hpp"
#include "actors/protocol/monitor_roles.hpp"

namespace bistro {

/// Reads the view and answers: cannot change anything.
using read_handler = monitor_result<boost::json::value> (*)(
    const monitor_view&, const boost::json::object& req);

/// Decides over the view and acts only through monitor_actions, which the
/// scheduler implements (change_handlers.hpp): mutates.
using change_handler = monitor_result<boost::json::value> (*)(
    const monitor_view&, monitor_actions&, const boost::json::object& req);

/// Makes the config watcher's order, which the scheduler sends; the entry
/// answers `job_edit::done` once the file is replaced (change_handlers.hpp):
/// mutates.
using edit_handler = monitor_result<job_edit> (*)(
    const monitor_view&, const boost::json::object& req);

/// Asks other actors (the status store, every worker) or the jobs about
/// their status rows, read-only (ask_handlers.hpp): `question` says what
/// to ask whom, the scheduler asks and hands the answers to `answer`
/// (with a view of the state at that time).
struct ask_handler {
  monitor_result<monitor_question> (*question)(const monitor_view&,
                                               const boost::json::object& req);
  monitor_result<boost::json::value> (*answer)(const monitor_view&,
                                               const monitor_question&,
                                               const monitor_answers&);
};

/// A handler's function: one of the four kinds.
using monitor_function =
    std::variant<read_handler, change_handler, edit_handler, ask_handler>;

/// One row of the table.
struct monitor_handler {
  std::string_view name;
  monitor_function function;

  /// Whether it changes the scheduler's state or config (and so needs the
  /// token when one is configured): exactly when its kind can act.
  constexpr bool mutates() const {
    return std::holds_alternative<change_handler>(function) ||
           std::holds_alternative<edit_handler>(function);
  }
};

constexpr monitor_handler reads(std::string_view name, read_handler f) {
  return {name, f};
}
constexpr monitor_handler changes(std::string_view name, change_handler f) {
  return {name, f};
}
constexpr monitor_handler edits(std::string_view name, edit_handler f) {
  return {name, f};
}
constexpr monitor_handler asks(
    std::string_view name,
    monitor_result<monitor_question> (*question)(const monitor_view&,
                                                 const boost::json::object&),
    monitor_result<boost::json::value> (*answer)(const monitor_view&,
                                                 const monitor_question&,
                                                 const monitor_answers&)) {
  return {name, ask_handler{question, answer}};
}

/// Every handler the scheduler answers, Bistro's and ours.
inline constexpr std::array<monitor_handler, 28> monitor_table{{
    // Bistro's
    reads("errors", errors_answer),
    reads("refresh_time", refresh_time_answer),
    reads("jobs", jobs_answer),
    reads("sorted_node_names", sorted_node_names_answer),
    reads("nodes", nodes_answer),
    reads("running_tasks", running_tasks_answer),
    reads("job_node_runtime", job_node_runtime_answer),
    asks("histogram", histogram_question_of, histogram_reply),
    asks("task_logs", task_logs_question_of, task_logs_reply),
    changes("forgive_jobs", forgive_jobs_answer),
    changes("kill_task", kill_task_answer),
    edits("save_job", save_job_edit),
    edits("delete_job", delete_job_edit),
    // ours
    asks("status", job_counts_question_of, status_reply),
    asks("job_summary", job_summary_question_of, job_summary_reply),
    asks("tasks", tasks_question_of, tasks_reply),
    reads("node_page", node_page_answer),
    reads("workers", workers_answer),
    reads("config", config_answer),
    asks("metrics", job_counts_question_of, metrics_reply),
    // ours, for an operator (bistro_shell)
    asks("task", task_question_of, task_reply),
    changes("kill_job", kill_job_answer),
    edits("enable_job", enable_job_edit),
    changes("drain_worker", drain_worker_answer),
    // ours, read-only views for the page and the shell
    asks("task_history", task_history_question_of, task_history_reply),
    asks("job_history", job_history_question_of, job_history_reply),
    reads("timeseries", timeseries_answer),
    reads("events", events_answer),
}};

/// Every row has a name of its own (none empty, no two alike).
constexpr bool names_are_unique(const auto& table) {
  for (std::size_t i = 0; i < table.size(); ++i) {
    if (table[i].name.empty()) return false;
    for (std::size_t j = 0; j < i; ++j)
      if (table[j].name == table[i].name) return false;
  }
  return true;
}
static_assert(names_are_unique(monitor_table),
              "monitor_table: every handler has a name of its own");
static_assert(monitor_table.size() == 28,
              "monitor_table: 28 handlers (actors/protocol/monitor.md)");

/// The table's names and `mutates`, without the functions.
constexpr std::array<monitor_role, monitor_table.size()> roles_of(
    const std::array<monitor_handler, monitor_table.size()>& table) {
  std::array<monitor_role, monitor_table.size()> out{};
  for (std::size_t i = 0; i < table.size(); ++i)
    out[i] = monitor_role{table[i].name, table[i].mutates()};
  return out;
}

/// What the permission checks read: `mutating_handlers_in(request,
/// monitor_roles)`.
inline constexpr std::array<monitor_role, monitor_table.size()> monitor_roles =
    roles_of(monitor_table);

/// The row named `name`, or nullptr for a handler the scheduler does not
/// have (it answers "Unknown handler: NAME").
constexpr const monitor_handler* find_monitor_handler(std::string_view name) {
  for (const auto& h : monitor_table)
    if (h.name == name) return &h;
  return nullptr;
}

}  // namespace bistro
