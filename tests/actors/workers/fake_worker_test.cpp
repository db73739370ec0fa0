// The fake worker of --benchmark_run: every run's result reaches the sink,
// once, no earlier than the end it reports, with a duration within 0..2x
// the mean; runs ordered while others are pending (an earlier end than the
// armed timer's) are not held back by the later ones.
#include "actors/workers/fake_worker.hpp"

#include <caf/all.hpp>
#include <catch2/catch.hpp>
#include <map>

#include "actors/jobs/task_status.hpp"
#include "actors/protocol/wall_clock.hpp"

using namespace bistro;

namespace {

task_spec run_order(std::uint64_t id) {
  task_spec spec;
  spec.job = "j";
  spec.node = "n" + std::to_string(id);
  spec.run_id = id;
  return spec;
}

}  // namespace

TEST_CASE("each fake run's result comes once, after the end it reports") {
  caf::actor_system_config cfg;
  caf::actor_system sys{cfg};
  caf::scoped_actor self{sys};
  fake_worker_options options;
  options.shard = "fake";
  options.sink = caf::actor_cast<task_sink_actor>(self);
  options.mean_duration_ms = 40;
  options.seed = 7;
  auto worker = spawn_fake_worker(sys, options);
  constexpr std::uint64_t runs = 300;
  for (std::uint64_t id = 1; id <= runs; ++id)
    self->send(worker, run_atom_v, run_order(id));
  std::map<std::uint64_t, task_result> results;
  bool late = false;
  for (std::uint64_t i = 0; i < runs && !late; ++i) {
    self->receive(
        [&](result_atom, task_result& r) {
          auto arrived = wall_ms();
          INFO("run " << r.run_id << " ended at " << r.end_ms << ", arrived at "
                      << arrived);
          CHECK(arrived >= r.end_ms);
          CHECK(r.end_ms - r.start_ms >= 0);
          CHECK(r.end_ms - r.start_ms <= 80);
          CHECK(r.label == status_label::done);
          CHECK(r.worker == "fake");
          CHECK(r.node == "n" + std::to_string(r.run_id));
          CHECK(results.emplace(r.run_id, std::move(r)).second);
        },
        caf::after(std::chrono::seconds(10)) >> [&] { late = true; });
  }
  CHECK_FALSE(late);
  CHECK(results.size() == runs);
  self->send_exit(worker, caf::exit_reason::user_shutdown);
}

TEST_CASE("a fake run that ends before the pending ones is not held back") {
  caf::actor_system_config cfg;
  caf::actor_system sys{cfg};
  caf::scoped_actor self{sys};
  // Durations 0..2 s in random order: a run ordered later often ends
  // before the one the worker's timer waits for, and must re-arm it.
  fake_worker_options options;
  options.shard = "fake";
  options.sink = caf::actor_cast<task_sink_actor>(self);
  options.mean_duration_ms = 1000;
  options.seed = 1;
  auto worker = spawn_fake_worker(sys, options);
  constexpr std::uint64_t runs = 50;
  for (std::uint64_t id = 1; id <= runs; ++id)
    self->send(worker, run_atom_v, run_order(id));
  std::int64_t worst_delay = 0;
  for (std::uint64_t i = 0; i < runs; ++i) {
    bool late = false;
    self->receive(
        [&](result_atom, task_result& r) {
          worst_delay = std::max(worst_delay, wall_ms() - r.end_ms);
        },
        caf::after(std::chrono::seconds(10)) >> [&] { late = true; });
    REQUIRE_FALSE(late);
  }
  // Each result came near its end, not with a later run's.
  CHECK(worst_delay < 500);
  self->send_exit(worker, caf::exit_reason::user_shutdown);
}
