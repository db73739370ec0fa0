// Rewrites the config file for the monitor's save_job and delete_job:
// Bistro's file loader refused them; here jobs can be submitted over HTTP.
//
// The new text is checked first (the whole file must still parse, and the
// saved job must have no errors), then written to a temporary file in the
// same folder, fsynced, the old file kept as `<path>.bak` (older ones as
// `<path>.bak.1`, `.bak.2`, ..., `keep_backups` in all), and renamed over
// the original, so that a crash at any point leaves a complete, valid file
// at `path`.
//
// The file stays readable: it is written pretty-printed (config/json_text:
// one key per line, numbers as written), its keys in the order they had (a
// saved job keeps its keys' order; new keys and new jobs come last).
// Comments and hand-made spacing are not kept.
//
// Blocking file I/O: call it from a detached actor (the config watcher).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "config/config_file.hpp"
#include "config/policy_catalog.hpp"

namespace bistro {

/// How many earlier versions a save keeps by default.
inline constexpr std::size_t default_config_backups = 5;

/// What a save did, for the log.
struct config_edit_report {
  /// The change (config/text_diff.hpp) between the old file and the new
  /// one, both pretty-printed: an old one-line file still diffs by key.
  std::string diff;
  /// Where the previous file is now ("" when no backup is kept).
  std::string backup;
  /// Set, with the error, when a delete found no such job in the file: the
  /// monitor answers it as not_found, not as a malformed request.
  bool job_missing = false;
};

/// Sets `bistro_job->JOB` to `job_json` (a JSON object's text), or removes
/// it when `job_json` is empty. Returns the error, naming what was wrong,
/// or nothing when the file was replaced (then `report`, when given, says
/// what changed; on an error, only its `job_missing` is set). The file on disk
/// is read like the watcher reads it (a regular file of at most `max_bytes`),
/// and a result over `max_bytes` is refused: the watcher would not load it.
/// `keep_backups` earlier versions are kept (0: none). `policies` as for
/// parse_config.
std::optional<std::string> edit_config_job(
    const std::string& path, const std::string& job,
    const std::string& job_json, const policy_catalog& policies,
    std::int64_t max_bytes = default_config_max_bytes,
    std::size_t keep_backups = default_config_backups,
    config_edit_report* report = nullptr);

/// The backup of generation `n` (0: the newest, `<path>.bak`).
std::string config_backup_path(const std::string& path, std::size_t n);

}  // namespace bistro
