// The monitor answers whose shape Bistro's web UI reads, built the way
// Bistro's HTTP monitor builds them:
// - a job as Bistro exports it (its Job::toDynamic): every setting with its
//   inherited or default value filled in, the trivially empty ones left
//   out, and `errors` only when there are some, as an object nested by
//   JSON path (the shape of folly's DynamicParser errors);
// - a job's histograms (its Monitor): for every level from the job's task
//   level up to the instance, how many nodes have each combination of
//   status bits, ORed over the tasks below them, keyed by
//   status_bits::histogram_key, with sample node names.
//
// Pure functions over read-only snapshots: safe from any thread as long as
// nobody mutates their arguments. Plain logic: no CAF include.
#pragma once

#include <boost/json/object.hpp>
#include <cstddef>
#include <cstdint>

#include "actors/jobs/job_status_row.hpp"
#include "actors/nodes/node_tree.hpp"
#include "actors/rounds/task_exclusions.hpp"
#include "config/config.hpp"

namespace bistro {

/// The job as Bistro's `jobs` handler exports it.
boost::json::object bistro_job_json(const config& cfg, const job_config& job);

/// The job's errors ("path: message" lines) as one object:
/// {"error"?: message, "value"?: what the file has there, "nested"?:
/// {key: {...the same}}}; empty when the job has none.
boost::json::object bistro_job_errors(const job_config& job);

/// One job's histograms and samples, by level name.
struct bistro_histogram {
  /// {level: {histogram_key: node count}}
  boost::json::object counts;
  /// {level: {histogram_key: [up to num_samples node names]}}, in tree
  /// order; empty when num_samples is 0.
  boost::json::object samples;
};

/// Job `job`'s histograms at `now_ms` (backoff bits only while the wait
/// lasts); `row` holds its statuses, `ex` the config's and tree's
/// exclusions.
bistro_histogram make_bistro_histogram(const config& cfg, const node_tree& tree,
                                       std::size_t job,
                                       const job_status_row& row,
                                       const task_exclusions& ex,
                                       std::int64_t now_ms,
                                       std::size_t num_samples);

}  // namespace bistro
