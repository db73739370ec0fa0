// A worker without processes, for --dry_run (every task is done at once)
// and --benchmark_run (tasks last uniformly 0..2x the mean duration and
// fail with a given probability). It speaks the same protocol as the real
// worker, so the scheduler cannot tell the difference.
//
// Event-based: a run is one delayed message to itself.
#pragma once

#include <caf/actor_system.hpp>
#include <cstdint>
#include <string>

#include "actors/protocol/protocol.hpp"

namespace bistro {

struct fake_worker_options {
  std::string shard;
  task_sink_actor sink;
  /// 0 = every task ends at once, done.
  std::int64_t mean_duration_ms = 0;
  double failure_rate = 0.0;
  std::uint64_t seed = 0;
};

worker_actor spawn_fake_worker(caf::actor_system& sys,
                               fake_worker_options options);

}  // namespace bistro
