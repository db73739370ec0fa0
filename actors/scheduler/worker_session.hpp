// A remote worker's session: the actor the scheduler makes for one worker
// at its welcome (worker_session_actor in actors/protocol). The worker holds
// only this handle; the scheduler holds it as that worker's worker_actor.
//
// - From the worker: `heartbeat` and `result`, each with the worker's
//   secret. Anything without the right secret is dropped and logged (CAF
//   0.17 cannot say which connection a message came from, and actor ids
//   can be guessed). Results go on to the scheduler stamped with the
//   worker's shard, so that they count only for runs sent to this worker.
// - From the scheduler, and only from it (the sender is checked): run and
//   kill orders, pings, lists and log queries, relayed to the worker with
//   the session as their sender, answers relayed back. The scheduler's
//   own handle therefore never reaches a peer.
//
// Event-based, on CAF's shared threads; it never blocks.
#pragma once

#include <caf/actor_system.hpp>
#include <chrono>
#include <cstdint>
#include <string>

#include "actors/protocol/protocol.hpp"

namespace bistro {

struct worker_session_options {
  scheduler_actor scheduler;
  /// The remote worker's own actor.
  worker_actor worker;
  std::string shard;
  /// The worker instance (its hello's start time).
  std::int64_t start_ms = 0;
  /// SHA-256 of the worker's secret (worker_secret.hpp).
  std::string secret_hash;
  /// How long a relayed ping, list or log query may take.
  std::chrono::milliseconds relay_timeout{60000};
};

/// Spawns the session. Its handle, as worker_actor, is what the scheduler
/// sends orders to; cast to worker_session_actor, what the welcome hands
/// the worker.
worker_session_full_actor spawn_worker_session(caf::actor_system& sys,
                                               worker_session_options options);

}  // namespace bistro
