// The status store actor: the one writer of task statuses. It gathers the
// batches the job actors send and commits them together every `commit_ms`
// (one transaction and one fsync per commit, however many statuses), then
// tells the scheduler (which joins it first) how the commit went. A failed
// commit
// (disk full, map at its cap) is logged loudly, kept, and retried every
// second; nothing is dropped. At shutdown a failing commit is retried for a
// bounded time; then each status not written is named in the log and the
// actor ends with an error (the scheduler exits non-zero). It also prunes
// the run history past its retention, hourly, beside a commit. The
// monitor's run-history questions come to it too: it commits what it holds,
// then hands each question to its history reader, a second detached actor
// that reads in its own LMDB read transaction and answers the asker. A read
// of a long history (seconds, for a job of a million tasks) holds up no
// commit, and the scheduler never reads LMDB on CAF's shared threads.
//
// Both run detached: LMDB commits and reads block on the disk and never run
// on CAF's shared threads. The reader ends when the store actor ends.
#pragma once

#include <caf/actor_system.hpp>
#include <cstdint>
#include <functional>
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
  /// Called on the history reader's thread before each history read (a
  /// test seam: a test holds a read here to show commits go on meanwhile).
  std::function<void()> before_history_read;
};

status_store_actor spawn_status_store_actor(caf::actor_system& sys,
                                            status_store_actor_options options);

}  // namespace bistro
