// The status store actor over a real LMDB store: a history question's
// answer holds what was handed over before it; a history read in progress
// holds up no commit; the history reader ends with the store actor.
#include "actors/store/status_store_actor.hpp"

#include <caf/all.hpp>
#include <catch2/catch.hpp>
#include <chrono>
#include <future>
#include <memory>
#include <string>
#include <variant>

#include "actors/runtime/detached_census.hpp"
#include "tests/actors/store/store_test_support.hpp"

namespace bistro {
namespace {

constexpr std::int64_t t0 = 1'700'000'000'000;  // ms, Nov 2023
constexpr auto patience = std::chrono::seconds(10);

std::shared_ptr<status_store> open_store(const std::string& dir) {
  status_store_options o;
  o.sync = status_sync::no_sync;
  o.initial_map_bytes = std::size_t{1} << 20;
  auto opened = status_store::open(dir, o);
  if (auto* error = std::get_if<std::string>(&opened)) FAIL(*error);
  return std::move(std::get<std::unique_ptr<status_store>>(opened));
}

/// Run `id` of `node` (job "j"), ended: it goes to the history.
stored_status ended_run(const std::string& node, std::uint64_t id) {
  stored_status s;
  s.job = "j";
  s.node = node;
  s.status.label = status_label::done;
  s.status.updated_ms = t0 + 100;
  s.run_id = id;
  s.worker = "w1";
  s.start_ms = t0;
  s.end_ms = t0 + 100;
  return s;
}

std::vector<std::uint64_t> run_ids(const run_history_ptr& page) {
  REQUIRE(page);
  CHECK(page->error.empty());
  std::vector<std::uint64_t> out;
  for (const auto& e : page->runs) out.push_back(e.run.run_id);
  return out;
}

}  // namespace

TEST_CASE(
    "the status store actor's history answers hold what was handed over "
    "before the question",
    "[status_store_actor]") {
  testing::temp_dir tmp;
  caf::actor_system_config cfg;
  caf::actor_system sys{cfg};
  status_store_actor_options options;
  options.store = open_store(tmp / "statuses");
  // No commit on a timer during the test: only the question commits.
  options.commit_ms = 3'600'000;
  auto store = spawn_status_store_actor(sys, options);
  caf::scoped_actor self{sys};
  self->send(store, persist_atom_v, status_batch{ended_run("a", 7)});
  self->send(store, persist_atom_v, status_batch{ended_run("b", 8)});
  self->request(store, patience, history_atom_v, std::string{"j"},
                std::string{"a"})
      .receive(
          [&](const run_history_ptr& page) {
            CHECK(run_ids(page) == std::vector<std::uint64_t>{7});
          },
          [&](caf::error& e) { FAIL(sys.render(e)); });
  self->request(store, patience, history_atom_v, std::string{"j"},
                std::uint64_t{10})
      .receive(
          [&](const run_history_ptr& page) {
            CHECK(run_ids(page) == std::vector<std::uint64_t>{8, 7});
          },
          [&](caf::error& e) { FAIL(sys.render(e)); });
  self->send_exit(store, caf::exit_reason::user_shutdown);
  // The store actor and its history reader both end.
  CHECK(await_detached(std::chrono::milliseconds(10'000)) == 0);
}

TEST_CASE(
    "a history read in progress holds up no commit of the status store "
    "actor",
    "[status_store_actor]") {
  testing::temp_dir tmp;
  caf::actor_system_config cfg;
  caf::actor_system sys{cfg};
  // The read waits here until the test lets it go on.
  auto reading = std::make_shared<std::promise<void>>();
  auto go_on = std::make_shared<std::promise<void>>();
  auto released = go_on->get_future().share();
  status_store_actor_options options;
  options.store = open_store(tmp / "statuses");
  options.before_history_read = [reading, released] {
    reading->set_value();
    released.wait();
  };
  auto store = spawn_status_store_actor(sys, options);
  caf::scoped_actor asker{sys};
  caf::scoped_actor writer{sys};
  auto history = asker->request(store, patience, history_atom_v,
                                std::string{"j"}, std::uint64_t{10});
  REQUIRE(reading->get_future().wait_for(patience) ==
          std::future_status::ready);
  // While the read is held: a batch that waits for the disk is answered.
  bool acked = false;
  writer
      ->request(store, patience, persist_atom_v,
                status_batch{ended_run("a", 1)}, ack_atom_v)
      .receive([&](bool ok) { acked = ok; },
               [&](caf::error& e) { FAIL_CHECK(sys.render(e)); });
  go_on->set_value();
  CHECK(acked);
  // The held read then answers, in a transaction begun after the commit.
  history.receive(
      [&](const run_history_ptr& page) {
        CHECK(run_ids(page) == std::vector<std::uint64_t>{1});
      },
      [&](caf::error& e) { FAIL(sys.render(e)); });
  asker->send_exit(store, caf::exit_reason::user_shutdown);
  CHECK(await_detached(std::chrono::milliseconds(10'000)) == 0);
}

}  // namespace bistro
