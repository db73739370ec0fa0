// The workers an operator drained (they finish what they run and get
// nothing new), kept in `<data_dir>/drained_workers` so that a drain
// survives a restart. A small JSON list of shard ids, replaced atomically
// (temporary file, fsync, rename): a crash leaves the old list or the new
// one. It is the operator's intent, not task state, so it is kept apart
// from the status store and also with --clean_statuses.
//
// Plain logic, blocking file I/O (a few hundred bytes, on a rare operator
// action); thread-compatible.
#pragma once

#include <optional>
#include <set>
#include <string>

namespace bistro {

/// The file's name inside a data dir.
inline constexpr const char* drained_workers_file_name = "drained_workers";

/// The drained shards, none when there is no file; or the error, naming
/// the file and what was wrong.
struct drained_workers_load {
  std::set<std::string> shards;
  std::string error;
};
drained_workers_load load_drained_workers(const std::string& path);

/// Replaces the file with `shards`; the error, or nothing.
std::optional<std::string> save_drained_workers(
    const std::string& path, const std::set<std::string>& shards);

}  // namespace bistro
