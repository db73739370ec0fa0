// The monitor handlers that read the running config and node tree
// (actors/protocol/monitor.md): Bistro's `errors`, `refresh_time`, `jobs`,
// `sorted_node_names`, `nodes`, and our `config`. Plain functions of a
// monitor_view and the request entry; a refusal is a monitor_error.
//
// Thread contract: as the view's (the caller's thread, during the call).
#pragma once

#include <boost/json.hpp>

#include "actors/monitor/monitor_error.hpp"
#include "actors/monitor/monitor_view.hpp"

namespace bistro {

/// {source or "job NAME": message} (a job's errors joined by "; "), as
/// errors answers and status and metrics include.
boost::json::object errors_json(const monitor_view& view);

/// errors: errors_json.
monitor_result<boost::json::value> errors_answer(
    const monitor_view& view, const boost::json::object& req);

/// refresh_time: when the running snapshot arrived, in seconds.
monitor_result<boost::json::value> refresh_time_answer(
    const monitor_view& view, const boost::json::object& req);

/// jobs {jobs[]}: {name: the job as Bistro exports it (+ "blocked")}.
monitor_result<boost::json::value> jobs_answer(const monitor_view& view,
                                               const boost::json::object& req);

/// sorted_node_names: {level: [node names in tree order]}.
monitor_result<boost::json::value> sorted_node_names_answer(
    const monitor_view& view, const boost::json::object& req);

/// nodes {nodes[], fields[] of "resources", "disabled"}: {"results":
/// {level: {node: {"resources", "disabled"}}}}.
monitor_result<boost::json::value> nodes_answer(const monitor_view& view,
                                                const boost::json::object& req);

/// node_page {level, prefix, after, limit (default 100, at most 10000)}:
/// {"nodes": [{"name", "level", "parent", "enabled"}], "next", "total"}.
monitor_result<boost::json::value> node_page_answer(
    const monitor_view& view, const boost::json::object& req);

/// config: {"file", "loaded_ms", "errors", "warnings", "config": {...}}.
monitor_result<boost::json::value> config_answer(
    const monitor_view& view, const boost::json::object& req);

/// The jobs an entry's "jobs" names (unknown names skipped, as Bistro), or
/// all of them, as indexes into the config's jobs.
monitor_result<std::vector<std::size_t>> requested_jobs(
    const monitor_view& view, const boost::json::object& req);

/// Refuses a request that needs the config before one is loaded.
monitor_check need_config(const monitor_view& view);

}  // namespace bistro
