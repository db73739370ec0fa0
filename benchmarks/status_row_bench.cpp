// How big and how fast a job's status row is at a million nodes: bytes per
// status (counted and as resident memory) with no data, and statuses applied
// per second through a run -> status cycle with backoff.
#include <cstdint>
#include <cstdio>
#include <random>

#include "actors/jobs/job_status_row.hpp"
#include "benchmarks/bench_common.hpp"

namespace {

constexpr std::size_t num_nodes = 1'000'000;

void measure_bytes() {
  auto rss_before = bistro::bench::resident_bytes();
  bistro::job_status_row row(num_nodes);
  // Drain the queue of new nodes, as the scheduler would: it is transient.
  auto runnable = row.take_newly_runnable(0).size();
  auto rss_after = bistro::bench::resident_bytes();
  std::printf(
      "{\"bench\":\"status_bytes\",\"nodes\":%zu,\"bytes_per_status\":%.2f,"
      "\"rss_bytes_per_status\":%.2f,\"runnable\":%zu}\n",
      num_nodes, static_cast<double>(row.memory_bytes()) / num_nodes,
      static_cast<double>(rss_after - rss_before) / num_nodes, runnable);
}

void measure_apply() {
  using bistro::status_label;
  bistro::job_status_row row(num_nodes);
  row.take_newly_runnable(0);
  bistro::backoff_settings backoff = bistro::backoff_settings::bistro_default();
  const bistro::parsed_status outcomes[] = {
      {status_label::done, {}, {}},
      {status_label::incomplete, {}, {}},
      {status_label::error_backoff, {}, {}},
      {status_label::incomplete_backoff, {}, {}},
  };
  std::mt19937 rng(42);
  std::int64_t now_ms = 1'700'000'000'000;
  constexpr std::size_t num_ops = 4'000'000;
  std::size_t taken = 0;
  bistro::bench::stopwatch watch;
  for (std::size_t i = 0; i < num_ops; ++i) {
    auto node = static_cast<bistro::node_id>(rng() % num_nodes);
    row.mark_running(node, now_ms);
    row.apply(node, outcomes[rng() % 4], now_ms, backoff);
    if (i % 10'000 == 0) {
      now_ms += 1000;
      taken += row.take_newly_runnable(now_ms).size();
    }
  }
  auto seconds = watch.seconds();
  std::printf(
      "{\"bench\":\"status_apply\",\"nodes\":%zu,\"statuses\":%zu,"
      "\"per_second\":%.0f,\"newly_runnable\":%zu,"
      "\"bytes_per_status_after\":%.2f}\n",
      num_nodes, num_ops, num_ops / seconds, taken,
      static_cast<double>(row.memory_bytes()) / num_nodes);
}

}  // namespace

int main(int, char** argv) {
  bistro::bench::require_release_build(argv[0]);
  measure_bytes();
  measure_apply();
  return 0;
}
