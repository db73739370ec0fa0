// The one list of monitor handlers and which of them mutate, and the
// check every permission rule is derived from.
#include "actors/protocol/monitor_roles.hpp"

#include <catch2/catch.hpp>
#include <set>

using namespace bistro;

TEST_CASE("monitor roles: the mutating handlers are exactly these seven") {
  std::set<std::string_view> mutating;
  for (const auto& r : monitor_roles)
    if (r.mutates) mutating.insert(r.name);
  CHECK(mutating == std::set<std::string_view>{
                        "kill_task", "forgive_jobs", "save_job", "delete_job",
                        "kill_job", "enable_job", "drain_worker"});
}

TEST_CASE("monitor roles: names are unique and every one is found") {
  std::set<std::string_view> names;
  for (const auto& r : monitor_roles) {
    CHECK(names.insert(r.name).second);
    REQUIRE(find_monitor_role(r.name) == &r);
  }
  CHECK(find_monitor_role("kill_tasks") == nullptr);
  CHECK(find_monitor_role("") == nullptr);
}

TEST_CASE("monitor roles: every documented handler is a role") {
  // actors/protocol/monitor.md's two tables.
  for (auto name :
       {"errors",       "refresh_time",  "jobs",        "sorted_node_names",
        "nodes",        "running_tasks", "job_node_runtime", "histogram",
        "task_logs",    "forgive_jobs",  "kill_task",   "save_job",
        "delete_job",   "status",        "job_summary", "tasks",
        "node_page",    "workers",       "config",      "metrics",
        "task",         "kill_job",      "enable_job",  "drain_worker"})
    CHECK(find_monitor_role(name) != nullptr);
  for (auto name : {"task_history", "job_history", "timeseries", "events"})
    CHECK(find_monitor_role(name) != nullptr);
  CHECK(monitor_roles.size() == 28);
}

TEST_CASE("monitor roles: a request's mutating handlers are found by entry") {
  CHECK(mutating_handlers_in(
            R"({"a": {"handler": "jobs"}, "b": {"handler": "kill_task"},
                "c": {"handler": "save_job", "job_id": "x", "job": {}}})") ==
        std::vector<std::string>{"kill_task", "save_job"});
  // Under any key, "prefs" too: the check never refuses less than runs.
  CHECK(mutating_handlers_in(R"({"prefs": {"handler": "delete_job"}})") ==
        std::vector<std::string>{"delete_job"});
}

TEST_CASE("monitor roles: read-only requests and non-requests name none") {
  CHECK(mutating_handlers_in(R"({"q": {"handler": "status"}})").empty());
  // The name as a value of another field is not a handler.
  CHECK(mutating_handlers_in(
            R"({"q": {"handler": "jobs", "jobs": ["kill_task"]}})")
            .empty());
  CHECK(mutating_handlers_in(R"({"kill_task": {"handler": "tasks"}})").empty());
  CHECK(mutating_handlers_in(R"({"q": {"handler": ["kill_task"]}})").empty());
  CHECK(mutating_handlers_in(R"({"q": "kill_task"})").empty());
  CHECK(mutating_handlers_in(R"(["kill_task"])").empty());
  CHECK(mutating_handlers_in("kill_task").empty());
  CHECK(mutating_handlers_in("").empty());
}
