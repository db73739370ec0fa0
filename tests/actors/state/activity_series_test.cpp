// The scheduler's activity ring (actors/state/activity_series.hpp):
// what a sample counts, per job and in total, and that the ring keeps the
// newest samples only.
#include "actors/state/activity_series.hpp"

#include <catch2/catch.hpp>

using namespace bistro;

namespace {

const activity_counts* job_in(const activity_sample& s, const std::string& j) {
  for (const auto& [name, c] : s.jobs)
    if (name == j) return &c;
  return nullptr;
}

}  // namespace

TEST_CASE(
    "activity_series: a sample counts starts, ends and failures since "
    "the last one, and what runs when it closes") {
  activity_series series{5000, 10, 1000};
  series.started("a");
  series.started("a");
  series.started("b");
  series.finished("a", false);
  series.finished("b", true);
  CHECK_FALSE(series.due(5999));
  CHECK(series.due(6000));
  series.close(6000, {{"a", 1}, {"c", 2}, {"idle", 0}});

  auto samples = series.samples();
  REQUIRE(samples.size() == 1);
  const auto& s = *samples[0];
  CHECK(s.time_ms == 6000);
  CHECK(s.span_ms == 5000);
  CHECK(s.total == activity_counts{3, 3, 2, 1});
  REQUIRE(s.jobs.size() == 3);  // idle jobs take no room
  CHECK(s.jobs[0].first == "a");
  CHECK(*job_in(s, "a") == activity_counts{1, 2, 1, 0});
  CHECK(*job_in(s, "b") == activity_counts{0, 1, 1, 1});
  CHECK(*job_in(s, "c") == activity_counts{2, 0, 0, 0});
  CHECK(job_in(s, "idle") == nullptr);

  // The next sample starts from zero and spans from the last close.
  series.started("a");
  series.close(13000, {});
  samples = series.samples();
  REQUIRE(samples.size() == 2);
  CHECK(samples[1]->span_ms == 7000);
  CHECK(samples[1]->total == activity_counts{0, 1, 0, 0});
}

TEST_CASE("activity_series: the ring keeps the newest samples, oldest first") {
  activity_series series{1000, 3, 0};
  for (int i = 1; i <= 5; ++i) {
    for (int k = 0; k < i; ++k) series.started("j");
    series.close(i * 1000, {});
  }
  CHECK(series.size() == 3);
  CHECK(series.capacity() == 3);
  auto samples = series.samples();
  REQUIRE(samples.size() == 3);
  CHECK(samples[0]->time_ms == 3000);
  CHECK(samples[0]->total.started == 3);
  CHECK(samples[2]->time_ms == 5000);
  CHECK(samples[2]->total.started == 5);
  auto recent = series.samples(4000);
  REQUIRE(recent.size() == 2);
  CHECK(recent[0]->time_ms == 4000);
}

TEST_CASE(
    "activity_series: a close at or before the open sample's start is "
    "ignored") {
  activity_series series{1000, 4, 5000};
  series.started("j");
  series.close(5000, {});
  series.close(4000, {});
  CHECK(series.size() == 0);
  series.close(5001, {});
  REQUIRE(series.size() == 1);
  CHECK(series.samples()[0]->total.started == 1);
}
