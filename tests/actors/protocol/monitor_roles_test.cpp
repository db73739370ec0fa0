// The check every permission rule is derived from: which handlers of a
// request mutate, for a list of roles passed in (the scheduler's is derived
// from actors/monitor/monitor_table.hpp, tested in tests/actors/monitor).
#include "actors/protocol/monitor_roles.hpp"

#include <array>
#include <catch2/catch.hpp>

using namespace bistro;

namespace {

constexpr std::array<monitor_role, 7> roles{{
    {"jobs", false},
    {"status", false},
    {"tasks", false},
    {"kill_task", true},
    {"save_job", true},
    {"delete_job", true},
    {"forgive_jobs", true},
}};

}  // namespace

TEST_CASE("monitor roles: a role is found by name among those passed") {
  for (const auto& r : roles) REQUIRE(find_monitor_role(r.name, roles) == &r);
  CHECK(find_monitor_role("kill_tasks", roles) == nullptr);
  CHECK(find_monitor_role("", roles) == nullptr);
  CHECK(find_monitor_role("jobs", {}) == nullptr);
}

TEST_CASE("monitor roles: a request's mutating handlers are found by entry") {
  CHECK(mutating_handlers_in(
            R"({"a": {"handler": "jobs"}, "b": {"handler": "kill_task"},
                "c": {"handler": "save_job", "job_id": "x", "job": {}}})",
            roles) == std::vector<std::string>{"kill_task", "save_job"});
  // Under any key, "prefs" too: the check never refuses less than runs.
  CHECK(mutating_handlers_in(R"({"prefs": {"handler": "delete_job"}})",
                             roles) == std::vector<std::string>{"delete_job"});
}

TEST_CASE("monitor roles: only the roles passed decide what mutates") {
  constexpr std::array<monitor_role, 1> kill_reads{{{"kill_task", false}}};
  CHECK(mutating_handlers_in(R"({"q": {"handler": "kill_task"}})", kill_reads)
            .empty());
  CHECK(mutating_handlers_in(R"({"q": {"handler": "kill_task"}})", {}).empty());
}

TEST_CASE("monitor roles: read-only requests and non-requests name none") {
  CHECK(mutating_handlers_in(R"({"q": {"handler": "status"}})", roles).empty());
  // The name as a value of another field is not a handler.
  CHECK(mutating_handlers_in(
            R"({"q": {"handler": "jobs", "jobs": ["kill_task"]}})", roles)
            .empty());
  CHECK(mutating_handlers_in(R"({"kill_task": {"handler": "tasks"}})", roles)
            .empty());
  CHECK(mutating_handlers_in(R"({"q": {"handler": ["kill_task"]}})", roles)
            .empty());
  CHECK(mutating_handlers_in(R"({"q": "kill_task"})", roles).empty());
  CHECK(mutating_handlers_in(R"(["kill_task"])", roles).empty());
  CHECK(mutating_handlers_in("kill_task", roles).empty());
  CHECK(mutating_handlers_in("", roles).empty());
}
