// The config watcher: checks the config file every `update_ms` and, when
// its mtime, size or inode changed (in any direction: a clock that went
// backwards still counts), reparses it. A good file goes to the nodes actor;
// a broken one is reported to the scheduler (source "config", the message,
// the time) while the last good config keeps running.
//
// `save` rewrites the file for the monitor's save_job and delete_job
// (config/config_edit.hpp), logs what changed as a diff, and reloads it at
// once.
//
// Runs detached: reading and parsing a large file never stalls CAF's
// shared threads. Reads never block (config/config_file.hpp: a FIFO or a
// device is refused, the size is capped), so `save` always answers within
// the scheduler's request timeout and its answer is what happened.
#pragma once

#include <caf/actor_system.hpp>
#include <cstdint>
#include <string>

#include "actors/protocol/protocol.hpp"
#include "config/config.hpp"
#include "config/config_edit.hpp"
#include "config/config_file.hpp"

namespace bistro {

struct config_watcher_options {
  std::string path;
  std::int64_t update_ms = 10000;
  nodes_actor nodes;
  scheduler_actor scheduler;
  /// A larger file, or one that is not a regular file, is refused (and
  /// reported) without being read; the last good config keeps running.
  std::int64_t max_bytes = default_config_max_bytes;
  /// Earlier versions `save` keeps (config/config_edit.hpp; 0 = none).
  std::size_t backups = default_config_backups;
  /// The policies a config may name (policy_registry::catalog()).
  policy_catalog policies;
};

config_watcher_actor spawn_config_watcher(caf::actor_system& sys,
                                          config_watcher_options options);

}  // namespace bistro
