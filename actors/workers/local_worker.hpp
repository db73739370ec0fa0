// The worker actor that runs real task processes on this machine: the same
// actor behind the scheduler's in-process worker (--worker_command) and
// behind bistro_worker. It starts each run with task_process, polls every
// task every `poll_ms` for output and exit (and at once when its fd_waker
// sees a process exit), reports each ended run to the sink, and hands
// output and status events to its task-log writer (task_log_writer.hpp)
// at most every 10 ms and before each log query.
//
// Runs on CAF's shared threads, next to the scheduler and the policy, so a
// task's end and the next start pass between them without waking another
// thread (actors/runtime/affine_sharing.hpp). Nothing it does there blocks: vfork
// returns once the child has exec'd, waitpid and pipe reads never wait,
// and LMDB writes, fsync and pruning happen on the writer's own thread.
// Those threads live as long as the actor system, so a task's
// parent-death signal (tied to the thread that started it) fires only
// when the process goes.
#pragma once

#include <caf/actor_system.hpp>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "actors/protocol/protocol.hpp"
#include "actors/store/task_log_store.hpp"
#include "actors/workers/usable_resources.hpp"

namespace bistro {

struct local_worker_options {
  /// The worker's shard id, reported in every result.
  std::string shard;
  /// --worker_command: runs every task whose job has no `command`.
  std::vector<std::string> command;
  /// Tasks run in <data_dir>/jobs/<job>/; logs go to <data_dir>/task_logs.
  std::string data_dir;
  task_sink_actor sink;
  /// Task logs older than this are pruned, every `log_prune_frequency_s`.
  std::int64_t log_retention_s = task_log_store::default_retention_s;
  std::int64_t log_prune_frequency_s = task_log_store::default_prune_interval_s;
  /// What this machine gives tasks, when the caller measured it already
  /// (bistro_worker, for its hello); else it is measured and logged here.
  std::optional<measured_resources> measured;
};

/// Opens the task-log store, then spawns the worker; an unusable store is
/// an error naming its directory (nothing would be logged otherwise).
std::variant<worker_actor, std::string> spawn_local_worker(
    caf::actor_system& sys, local_worker_options options);

}  // namespace bistro
