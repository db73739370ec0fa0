// Rewrites the config file for the monitor's save_job and delete_job:
// Bistro's file loader refused them; here jobs can be submitted over HTTP.
//
// The new text is checked first (the whole file must still parse, and the
// saved job must have no errors), then written to a temporary file in the
// same folder, fsynced, the old file kept as `<path>.bak`, and renamed over
// the original, so that a crash at any point leaves a complete, valid file
// at `path`. Formatting and key order of the untouched parts are not kept
// (the file is re-serialized as JSON).
//
// Blocking file I/O: call it from a detached actor (the config watcher).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "config/config_file.hpp"
#include "config/policy_catalog.hpp"

namespace bistro {

/// Sets `bistro_job->JOB` to `job_json` (a JSON object's text), or removes
/// it when `job_json` is empty. Returns the error, naming what was wrong,
/// or nothing when the file was replaced. The file on disk is read like the
/// watcher reads it (a regular file of at most `max_bytes`), and a result
/// over `max_bytes` is refused: the watcher would not load it. `policies`
/// as for parse_config.
std::optional<std::string> edit_config_job(
    const std::string& path, const std::string& job,
    const std::string& job_json, const policy_catalog& policies,
    std::int64_t max_bytes = default_config_max_bytes);

}  // namespace bistro
