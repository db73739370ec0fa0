// The one table of monitor handlers: every handler once, and `mutates`
// following from each function's kind, as every permission check reads it
// (monitor_roles).
#include "actors/monitor/monitor_table.hpp"

#include <catch2/catch.hpp>
#include <set>

using namespace bistro;

TEST_CASE("monitor table: the mutating handlers are exactly these seven") {
  std::set<std::string_view> mutating;
  for (const auto& h : monitor_table)
    if (h.mutates()) mutating.insert(h.name);
  CHECK(mutating == std::set<std::string_view>{
                        "kill_task", "forgive_jobs", "save_job", "delete_job",
                        "kill_job", "enable_job", "drain_worker"});
}

TEST_CASE("monitor table: a handler mutates exactly when its kind can act") {
  for (const auto& h : monitor_table) {
    INFO("handler " << h.name);
    bool can_act = std::holds_alternative<change_handler>(h.function) ||
                   std::holds_alternative<edit_handler>(h.function);
    CHECK(h.mutates() == can_act);
  }
  auto kind = [](std::string_view name) {
    const auto* h = find_monitor_handler(name);
    REQUIRE(h);
    return h->function.index();
  };
  // The three that ask other actors, and the six that ask the jobs about
  // their status rows, are asks, and read-only.
  for (auto name : {"task_logs", "task_history", "job_history", "histogram",
                    "status", "job_summary", "tasks", "metrics", "task"}) {
    INFO("handler " << name);
    CHECK(kind(name) == 3);
    CHECK_FALSE(find_monitor_handler(name)->mutates());
  }
  for (auto name : {"save_job", "delete_job", "enable_job"})
    CHECK(kind(name) == 2);
  for (auto name : {"forgive_jobs", "kill_task", "kill_job", "drain_worker"})
    CHECK(kind(name) == 1);
  for (auto name : {"jobs", "running_tasks", "workers", "config", "events"})
    CHECK(kind(name) == 0);
}

TEST_CASE("monitor table: names are unique and every one is found") {
  std::set<std::string_view> names;
  for (const auto& h : monitor_table) {
    CHECK(names.insert(h.name).second);
    REQUIRE(find_monitor_handler(h.name) == &h);
  }
  CHECK(find_monitor_handler("kill_tasks") == nullptr);
  CHECK(find_monitor_handler("") == nullptr);
}

TEST_CASE("monitor table: every documented handler is in it") {
  // actors/protocol/monitor.md's two tables.
  for (auto name : {"errors",
                    "refresh_time",
                    "jobs",
                    "sorted_node_names",
                    "nodes",
                    "running_tasks",
                    "job_node_runtime",
                    "histogram",
                    "task_logs",
                    "forgive_jobs",
                    "kill_task",
                    "save_job",
                    "delete_job",
                    "status",
                    "job_summary",
                    "tasks",
                    "node_page",
                    "workers",
                    "config",
                    "metrics",
                    "task",
                    "kill_job",
                    "enable_job",
                    "drain_worker"})
    CHECK(find_monitor_handler(name) != nullptr);
  for (auto name : {"task_history", "job_history", "timeseries", "events"})
    CHECK(find_monitor_handler(name) != nullptr);
  CHECK(monitor_table.size() == 28);
}

TEST_CASE("monitor table: the permission checks' roles are its rows") {
  REQUIRE(monitor_roles.size() == monitor_table.size());
  for (std::size_t i = 0; i < monitor_table.size(); ++i) {
    CHECK(monitor_roles[i].name == monitor_table[i].name);
    CHECK(monitor_roles[i].mutates == monitor_table[i].mutates());
  }
  CHECK(mutating_handlers_in(R"({"a": {"handler": "jobs"},
                                 "b": {"handler": "drain_worker"},
                                 "c": {"handler": "task_logs"}})",
                             monitor_roles) ==
        std::vector<std::string>{"drain_worker"});
}
