// The task-log writer: the one owner of a worker's task-log store
// (<data_dir>/task_logs). It appends the batches its worker sends (one
// transaction per stream per batch), flushes them to disk at most once a
// second, prunes lines older than the retention every prune interval, and
// answers log queries after every batch sent before them.
//
// Runs detached, on its own thread: LMDB writes, fsync and pruning never
// hold up CAF's shared threads, where the worker starts and reaps tasks.
// Its last batch is on disk when it ends (`stop`, or the system's end).
#pragma once

#include <caf/actor_system.hpp>
#include <cstdint>
#include <memory>

#include "actors/protocol/protocol.hpp"
#include "actors/store/task_log_store.hpp"

namespace bistro {

struct task_log_writer_options {
  std::unique_ptr<task_log_store> store;
  /// Lines older than this are pruned, every `prune_frequency_s`.
  std::int64_t retention_s = task_log_store::default_retention_s;
  std::int64_t prune_frequency_s = task_log_store::default_prune_interval_s;
};

task_log_writer_actor spawn_task_log_writer(caf::actor_system& sys,
                                            task_log_writer_options options);

}  // namespace bistro
