// The status store actor: the scheduler's one writer of task statuses. It
// gathers the batches the scheduler sends and commits them together every
// `commit_ms` (one transaction and one fsync per commit, however many
// statuses), then tells the sender of the statuses (the scheduler) how the
// commit went. A failed commit
// (disk full, map at its cap) is logged loudly, kept, and retried every
// second; nothing is dropped.
//
// Runs detached: LMDB commits block on the disk and never run on CAF's
// shared threads.
#pragma once

#include <caf/actor_system.hpp>
#include <cstdint>
#include <memory>

#include "actors/protocol/protocol.hpp"

namespace bistro {

struct status_store_actor_options {
  std::shared_ptr<status_store> store;
  std::int64_t commit_ms = 5;
};

status_store_actor spawn_status_store_actor(caf::actor_system& sys,
                                            status_store_actor_options options);

}  // namespace bistro
