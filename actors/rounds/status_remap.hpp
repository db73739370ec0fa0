// Carries one job's task statuses across a new node tree: a row is indexed
// by canonical node id, which can change; statuses follow their node
// *names*. Statuses of nodes that no longer exist are dropped (the status
// store keeps them on disk). The job's actor re-indexes its own row on
// each new tree (actors/jobs/job_actor.hpp); a job that leaves the config
// keeps its actor, and so its row, parked by name in the scheduler.
// Plain logic, no CAF include.
#pragma once

#include <memory>
#include <vector>

#include "actors/jobs/job_status_row.hpp"
#include "actors/nodes/node_tree.hpp"

namespace bistro {

/// Rows by job, for code that holds every job's row itself (the round
/// engine's own tests and benchmarks, the monitor's test fixture).
using status_row_set = std::vector<std::unique_ptr<job_status_row>>;

/// `row`, indexed by `from`'s node ids, re-indexed by `to`'s: statuses
/// move by node name (those of nodes `to` lacks are dropped). One pass
/// over the old row.
job_status_row reindex_status_row(job_status_row row, const node_tree& from,
                                  const node_tree& to);

}  // namespace bistro
