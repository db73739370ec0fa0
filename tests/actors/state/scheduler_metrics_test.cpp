// The scheduler's counters (actors/state/scheduler_metrics.hpp): round
// durations into buckets, finished and failed tasks, rates over samples.
#include "actors/state/scheduler_metrics.hpp"

#include <catch2/catch.hpp>

using namespace bistro;

TEST_CASE(
    "scheduler_metrics: rounds land in their duration bucket, the "
    "slowest in the last") {
  scheduler_metrics m;
  m.round_done(0.0005, 3);  // <= 1 ms
  m.round_done(0.001, 0);   // a bound belongs to its own bucket
  m.round_done(0.004, 2);   // <= 5 ms
  m.round_done(10.0, 1);    // past 2.5 s
  const auto& b = m.round_buckets();
  CHECK(b[0] == 2);
  CHECK(b[2] == 1);
  CHECK(b[9] == 1);
  CHECK(b[1] + b[3] + b[4] + b[5] + b[6] + b[7] + b[8] == 0);
  CHECK(m.rounds() == 4);
  CHECK(m.tasks_started() == 6);
  CHECK(m.round_seconds() == Approx(10.0055));
  CHECK(m.rounds_split() == 0);
  m.round_done(0.2, 5, true);  // planned by subtree
  CHECK(m.rounds_split() == 1);
  CHECK(m.rounds() == 5);
}

TEST_CASE(
    "scheduler_metrics: finished and failed tasks; a late result is "
    "finished, not an error") {
  scheduler_metrics m;
  m.task_finished(false);
  m.task_finished(true);
  m.late_task_finished();
  CHECK(m.tasks_finished() == 3);
  CHECK(m.tasks_errors() == 1);
}

TEST_CASE(
    "scheduler_metrics: rates come from the samples of the last ~10 "
    "s") {
  scheduler_metrics m;
  CHECK(m.rates_at(1000).tasks_per_s == 0);
  m.sample(0);
  CHECK(m.rates_at(0).rounds_per_s == 0);  // no time has passed
  for (int i = 0; i < 20; ++i) m.task_finished(false);
  m.round_done(0.01, 20);
  m.sample(2000);
  auto r = m.rates_at(2000);
  CHECK(r.tasks_per_s == Approx(10.0));
  CHECK(r.rounds_per_s == Approx(0.5));
  // Samples older than 10 s go (two are always kept): the rate then
  // counts from the newer ones only.
  m.sample(12000);
  m.sample(14000);
  for (int i = 0; i < 4; ++i) m.task_finished(false);
  r = m.rates_at(14000);
  CHECK(r.tasks_per_s == Approx(4.0 / 12.0));  // from the 2000 ms sample
}
