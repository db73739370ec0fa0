// The pieces of parse_config (config_parser.cpp) that settings and jobs
// share, and the job parser (job_parser.cpp). Internal to config/: each
// function reads one JSON value, records what is wrong through the
// json_reader, and returns what it could read. Pure functions.
#pragma once

#include <boost/json/value.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.hpp"
#include "config/json_reader.hpp"

namespace bistro::config_detail {

inline constexpr std::string_view job_prefix = "bistro_job->";

/// "a, b, c".
std::string join(const std::vector<std::string>& names);

/// Items after "repeat" or "fail" are ignored, as Bistro ignores them,
/// with a warning naming them.
std::optional<backoff_settings> parse_backoff(
    json_reader& in, const boost::json::value& v, const std::string& path,
    std::vector<std::string>& warnings);
/// kill_orphan_tasks_after_sec: false or negative = never, true = now.
void parse_kill_orphans(json_reader& in, const boost::json::value& v,
                        const std::string& path, std::optional<double>& out);
/// Unknown keys, Bistro's cgroups (not supported) and values Bistro takes
/// but that cannot work here (a parent_death_signal that is no signal) are
/// `warnings`, each saying what is used instead.
void parse_task_subprocess(json_reader& in, const boost::json::value& v,
                           const std::string& path,
                           task_subprocess_options& out,
                           std::vector<std::string>& warnings);
/// Unknown keys and a negative kill_wait_ms are `warnings`.
void parse_kill_request(json_reader& in, const boost::json::value& v,
                        const std::string& path, kill_request& out,
                        std::vector<std::string>& warnings);
/// A level name that `cfg` knows.
std::optional<level_id> parse_level(json_reader& in, const config& cfg,
                                    const boost::json::value& v,
                                    const std::string& path);

/// One `bistro_job->NAME` value, with every setting of `cfg` as fallback;
/// problems go to the job's own errors, what Bistro would ignore (unknown
/// keys) to `warnings`.
job_config parse_job(const config& cfg, std::string name,
                     const boost::json::value& v,
                     std::vector<std::string>& warnings);

}  // namespace bistro::config_detail
