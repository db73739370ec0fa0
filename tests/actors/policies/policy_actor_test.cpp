// The policy registry as the extension point: a policy actor that only this
// test knows is registered here, named by a config the parser accepts
// because the registry's catalog says so, and planned through the policy
// switch like any built-in; a stateful built-in keeps its state across
// rounds in its actor. Real actor system, bounded waits.
#include <caf/all.hpp>
#include <catch2/catch.hpp>
#include <chrono>
#include <memory>

#include "actors/policies/policy_registry.hpp"
#include "actors/policies/policy_switch.hpp"
#include "actors/rounds/round_scheduler.hpp"
#include "tests/support/scheduler_fixtures.hpp"

using namespace bistro;
using namespace bistro::testing;

namespace {

// Starts at most `n` tasks, taking jobs in order.
struct first_n_policy final : scheduler_policy {
  explicit first_n_policy(std::size_t limit) : n(limit) {}
  std::size_t n;
  std::size_t schedule(std::vector<job_candidates>& jobs, task_placer& placer,
                       std::mt19937_64&) const override {
    std::size_t started = 0;
    for (auto& job : jobs)
      while (started < n && !job.exhausted())
        started += try_next(job, placer) == placement_outcome::started;
    return started;
  }
};

// The test's own policy actor: round k starts k tasks, so its answers show
// that its state (the round count) lives across rounds.
struct growing_state {
  std::size_t rounds = 0;
  std::mt19937_64 rng{1};
  static inline const char* name = "growing_policy";
};

policy_actor::behavior_type growing_policy(
    policy_actor::stateful_pointer<growing_state> self) {
  return {
      [=](plan_atom, round_input_ptr input) -> round_output_ptr {
        first_n_policy policy{++self->state.rounds};
        return std::make_shared<round_output>(
            plan_round(policy, std::move(*input), self->state.rng));
      },
  };
}

struct actor_fixture {
  caf::actor_system_config cfg;
  caf::actor_system sys;
  caf::scoped_actor self;

  static caf::actor_system_config& configure(caf::actor_system_config& c) {
    c.set("scheduler.max-threads", 2);
    return c;
  }
  actor_fixture() : sys(configure(cfg)), self(sys) {}

  /// One round of `h`, planned by `policy`; returns the tasks started.
  std::size_t round(scheduler_harness& h, const policy_actor& policy,
                    std::int64_t now_ms) {
    auto input = std::make_shared<round_input>(
        h.scheduler.prepare_round(h.rows(), now_ms));
    round_output_ptr output;
    self->request(policy, std::chrono::seconds(10), plan_atom_v, input)
        .receive([&](round_output_ptr& out) { output = std::move(out); },
                 [&](caf::error& err) {
                   FAIL("the policy did not answer: " << caf::to_string(err));
                 });
    REQUIRE(output != nullptr);
    h.last_picks =
        h.scheduler.commit_round(std::move(*output), h.rows(), now_ms);
    return h.last_picks.size();
  }
};

std::string config_text_naming(const std::string& scheduler,
                               const std::string& jobs) {
  return "{\"bistro_settings\": {" +
         bistro_settings("\"scheduler\": \"" + scheduler + "\"") + "}, " +
         jobs + "}";
}

}  // namespace

TEST_CASE("A policy actor registered by a test plans the rounds that name it") {
  auto registry = policy_registry::builtin();
  REQUIRE_FALSE(
      registry.add("growing", [](caf::actor_system& sys, std::uint64_t) {
        return sys.spawn(growing_policy);
      }));
  CHECK(registry.add("growing", [](caf::actor_system& sys, std::uint64_t) {
    return sys.spawn(growing_policy);
  }) == "policy \"growing\" is already registered");

  const auto text = config_text_naming("growing", job("a"));
  // Only a parser handed this registry's catalog knows the name.
  REQUIRE_FALSE(parse_config(text, builtin_policy_catalog()).ok());
  auto parsed = parse_config(text, registry.catalog());
  REQUIRE(parsed.ok());
  CHECK(parsed.value->scheduler == "growing");

  actor_fixture f;
  auto policy = spawn_policy_switch(f.sys, registry, 7);
  scheduler_harness h(parsed.value, make_tree(*parsed.value, bistro_nodes()));
  CHECK(f.round(h, policy, 1000) == 1);
  CHECK(f.round(h, policy, 2000) == 2);
  caf::anon_send_exit(policy, caf::exit_reason::user_shutdown);
}

TEST_CASE("fair_share keeps what owners used across rounds in its actor") {
  actor_fixture f;
  auto policy = spawn_policy_switch(f.sys, policy_registry::builtin(), 7);
  auto owned = [](const std::string& name, const std::string& owner) {
    return "\"bistro_job->" + name + "\": {\"owner\": \"" + owner + "\"}";
  };
  auto alone = make_config(bistro_settings(R"("scheduler": "fair_share")"),
                           owned("a", "alice"));
  scheduler_harness h(alone, make_tree(*alone, bistro_nodes()));
  REQUIRE(f.round(h, policy, 1000) == 4);
  for (const auto& pick : std::vector<task_pick>(h.last_picks))
    h.finish("a", std::string{h.tree->name(pick.node)},
             status_label::incomplete, 100000);
  h.reconfigure(make_config(bistro_settings(R"("scheduler": "fair_share")"),
                            owned("a", "alice") + ", " + owned("b", "bob")));
  // Alice held every slot for 99 s, in the rounds before: Bob goes first.
  REQUIRE(f.round(h, policy, 100000) == 4);
  for (const auto& pick : h.last_picks)
    CHECK(h.cfg->jobs[pick.job].owner == "bob");
  caf::anon_send_exit(policy, caf::exit_reason::user_shutdown);
}
