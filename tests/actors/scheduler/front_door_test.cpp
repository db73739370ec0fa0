// The front door's monitor rule on CAF's deterministic test coordinator,
// with a stand-in scheduler that records what reaches it: with a token
// configured, a request naming a mutating handler passes only with that
// token; read-only requests and a front door without a token pass as
// before.
#include "actors/scheduler/front_door.hpp"

#include <boost/json.hpp>
#include <caf/all.hpp>
#include <caf/scheduler/test_coordinator.hpp>
#include <catch2/catch.hpp>

#include "actors/monitor/monitor_table.hpp"
#include "tests/support/test_coordinator.hpp"

using namespace bistro;
using namespace bistro::testing;

namespace {

struct fixture : test_actor_system {
  std::shared_ptr<std::vector<std::string>> reached =
      std::make_shared<std::vector<std::string>>();
  caf::actor scheduler;
  front_door_actor door;

  explicit fixture(const std::string& token) {
    scheduler = sys.spawn([seen = reached](caf::event_based_actor*) {
      return caf::behavior{[seen](monitor_atom, const std::string& request) {
        seen->push_back(request);
        return std::string{R"({"q": {"data": "ran"}})"};
      }};
    });
    door = spawn_front_door(sys, caf::actor_cast<scheduler_actor>(scheduler),
                            token);
    sched.run();
  }

  ~fixture() {
    caf::anon_send_exit(door, caf::exit_reason::user_shutdown);
    caf::anon_send_exit(scheduler, caf::exit_reason::user_shutdown);
    sched.run();
  }

  /// The front door's answer to `request` sent with `token`.
  std::string ask(const std::string& request, const std::string& token) {
    std::string reply;
    auto answer =
        self->request(door, caf::infinite, monitor_atom_v, request, token);
    sched.run();
    answer.receive([&](std::string& r) { reply = std::move(r); },
                   [&](caf::error& e) { FAIL(sys.render(e)); });
    return reply;
  }
};

const std::string kill =
    R"({"q": {"handler": "kill_task", "job_id": "j", "node_id": "n"}})";
const std::string save =
    R"({"a": {"handler": "status"}, "b": {"handler": "save_job",
        "job_id": "j", "job": {"command": ["touch", "/tmp/x"]}}})";
const std::string read_only = R"({"q": {"handler": "status"}})";

}  // namespace

TEST_CASE("front door: a mutation without the token is refused whole") {
  fixture f("s3cret");
  for (const auto& request : {kill, save}) {
    auto reply = boost::json::parse(f.ask(request, "")).as_object();
    INFO("reply: " << reply);
    REQUIRE(reply.size() == 1);
    auto why = std::string{reply.at("error").as_string()};
    CHECK_THAT(why, Catch::Contains("needs its token") &&
                        Catch::Contains("none was sent") &&
                        Catch::Contains("--auth_token_file"));
  }
  CHECK_THAT(f.ask(save, ""), Catch::Contains("refused: save_job "));
  CHECK(f.reached->empty());
}

TEST_CASE("front door: a wrong token is refused, saying it is wrong") {
  fixture f("s3cret");
  CHECK_THAT(f.ask(kill, "s3creT"), Catch::Contains("the token sent is wrong"));
  CHECK_THAT(f.ask(kill, "s3cret "),
             Catch::Contains("the token sent is wrong"));
  CHECK(f.reached->empty());
}

TEST_CASE("front door: the right token lets a mutation through unchanged") {
  fixture f("s3cret");
  CHECK(f.ask(save, "s3cret") == R"({"q": {"data": "ran"}})");
  REQUIRE(f.reached->size() == 1);
  CHECK(f.reached->front() == save);
}

TEST_CASE("front door: read-only requests and bad JSON need no token") {
  fixture f("s3cret");
  CHECK(f.ask(read_only, "") == R"({"q": {"data": "ran"}})");
  // Not JSON: names no handler, so the scheduler answers (and refuses) it.
  CHECK(f.ask("kill_task", "") == R"({"q": {"data": "ran"}})");
  CHECK(f.reached->size() == 2);
}

TEST_CASE("front door: without a configured token mutations pass") {
  fixture f("");
  CHECK(f.ask(kill, "") == R"({"q": {"data": "ran"}})");
  CHECK(f.ask(kill, "anything") == R"({"q": {"data": "ran"}})");
  CHECK(f.reached->size() == 2);
}

TEST_CASE(
    "front door: every mutating role is refused without the token, every "
    "other one passes") {
  fixture f("s3cret");
  std::size_t read_only_roles = 0;
  for (const auto& role : monitor_roles) {
    std::string name{role.name};
    INFO("handler " << name);
    auto reply = f.ask(R"({"q": {"handler": ")" + name + "\"}}", "");
    if (role.mutates) {
      CHECK_THAT(reply, Catch::StartsWith(R"({"error":"refused: )" + name +
                                          " changes the scheduler"));
    } else {
      CHECK(reply == R"({"q": {"data": "ran"}})");
      ++read_only_roles;
    }
  }
  CHECK(f.reached->size() == read_only_roles);
}
