// The worker's link to its scheduler, inside bistro_worker. It connects to
// the scheduler's front door through the middleman actor with a timeout
// (CAF 0.17's blocking remote_actor could hang on a silent port), checks
// that the peer speaks our interface, says hello with its running tasks,
// heartbeats, and forwards task results — holding them while cut off.
// After the welcome it talks only to the session the welcome handed it,
// every message carrying the worker's secret, which it keeps on disk. A
// run's result stays on disk too (result_queue) until the scheduler
// answers that its status is on the scheduler's disk.
// When no heartbeat was acknowledged for as long as the scheduler takes to
// declare it lost, or the scheduler says it was lost, it kills its tasks
// (TERM, then KILL) and starts over as a new worker instance.
//
// Event-based: every network step is an asynchronous request.
#pragma once

#include <caf/actor_system.hpp>
#include <chrono>
#include <cstdint>
#include <string>

#include "actors/protocol/protocol.hpp"

namespace bistro {

struct worker_link_options {
  std::string scheduler_host;
  std::uint16_t scheduler_port = 0;
  std::string shard;
  std::string host;
  /// --server_port: names this worker as "host:port" in the scheduler's
  /// worker_resources_override (0 = none).
  std::int32_t port = 0;
  std::int64_t heartbeat_period_ms = 15000;
  /// Connect attempts back off from 1 s up to this, and never past the
  /// heartbeat period: a restarted scheduler hears from every live worker
  /// within one period, as Bistro's workers, which retry once a heartbeat,
  /// and its start-up wait counts on that (a worker that came later would
  /// find its running tasks given up and its finished ones run again).
  std::int64_t max_retry_ms = 30000;
  /// Where the secret of our welcome is kept (worker_secret.hpp), normally
  /// `<data_dir>/worker_secret`; "" = nowhere (a restart starts afresh).
  std::string secret_file;
  /// Where results wait until the scheduler acknowledges them
  /// (result_queue.hpp), normally `<data_dir>/results`; "" = in memory.
  std::string results_dir;
  /// How long to wait for a result's acknowledgement before it waits for
  /// the next hello instead.
  std::chrono::milliseconds result_ack_timeout{60000};
  /// What this machine gives tasks, measured at start; every hello
  /// carries it.
  physical_report physical;
};

worker_link_actor spawn_worker_link(caf::actor_system& sys,
                                    worker_link_options options);

}  // namespace bistro
