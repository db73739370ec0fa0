// The status store actor: the one writer of task statuses. It gathers the
// batches the job actors send and commits them together every `commit_ms`
// (one transaction and one fsync per commit, however many statuses), then
// tells the scheduler (which joins it first) how the commit went. A failed
// commit
// (disk full, map at its cap) is logged loudly, kept, and retried every
// second; nothing is dropped. At shutdown a failing commit is retried for a
// bounded time; then each status not written is named in the log and the
// actor ends with an error (the scheduler exits non-zero). It also prunes
// the run history past its retention, hourly, beside a commit, and answers
// the monitor's run-history questions: it owns the LMDB env, so the
// scheduler never reads it on CAF's shared threads.
//
// Runs detached: LMDB commits block on the disk and never run on CAF's
// shared threads.
#pragma once

#include <caf/actor_system.hpp>
#include <cstdint>
#include <memory>

#include "actors/protocol/protocol.hpp"
#include "actors/store/status_store.hpp"

namespace bistro {

struct status_store_actor_options {
  std::shared_ptr<status_store> store;
  std::int64_t commit_ms = 5;
  /// At shutdown, how long to keep retrying a failing commit (a full disk)
  /// before naming what was not written and ending with an error.
  std::int64_t shutdown_retry_ms = 30000;
  /// Run history older than this is pruned (at the first commit, then at
  /// most hourly, with a commit); 0 keeps it all. `--log_retention`.
  std::int64_t history_retention_ms = 0;
};

status_store_actor spawn_status_store_actor(caf::actor_system& sys,
                                            status_store_actor_options options);

}  // namespace bistro
