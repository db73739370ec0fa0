// Carries task statuses across a new config or node tree: rows are indexed
// by job (config order) and canonical node id, both of which can change.
// Statuses follow their job and node *names*. Statuses of nodes that no
// longer exist are dropped (the status store keeps them on disk); rows of
// jobs that left the config are parked, so a job that comes back keeps its
// history. Plain logic, no CAF include.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "actors/jobs/job_status_row.hpp"
#include "actors/nodes/node_tree.hpp"
#include "config/config.hpp"

namespace bistro {

using status_row_set = std::vector<std::unique_ptr<job_status_row>>;

/// A deleted job's row and the tree its node ids refer to.
struct parked_status_row {
  std::unique_ptr<job_status_row> row;
  std::shared_ptr<const node_tree> tree;
};
using parked_status_rows = std::map<std::string, parked_status_row>;

/// `row`, indexed by `from`'s node ids, re-indexed by `to`'s: statuses
/// move by node name (those of nodes `to` lacks are dropped). One pass
/// over the old row.
job_status_row reindex_status_row(job_status_row row, const node_tree& from,
                                  const node_tree& to);

/// New rows for (`new_cfg`, `new_tree`) holding what `old_rows` and
/// `parked` knew; rows of jobs `new_cfg` lacks move to `parked`.
/// `old_cfg`/`old_tree` may be null (first config): rows start empty.
status_row_set remap_status_rows(const config* old_cfg,
                                 std::shared_ptr<const node_tree> old_tree,
                                 status_row_set& old_rows,
                                 parked_status_rows& parked,
                                 const config& new_cfg,
                                 std::shared_ptr<const node_tree> new_tree);

}  // namespace bistro
