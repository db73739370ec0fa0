// Carries task statuses across a new config or node tree: rows are indexed
// by job (config order) and canonical node id, both of which can change.
// Statuses follow their job and node *names*; statuses of jobs or nodes
// that no longer exist are dropped from the rows (the status store keeps
// them on disk). Plain logic, no CAF include.
#pragma once

#include <memory>
#include <vector>

#include "actors/jobs/job_status_row.hpp"
#include "actors/nodes/node_tree.hpp"
#include "config/config.hpp"

namespace bistro {

using status_row_set = std::vector<std::unique_ptr<job_status_row>>;

/// New rows for (`new_cfg`, `new_tree`) holding what `old_rows` knew.
/// `old_cfg`/`old_tree` may be null (first config): rows start empty.
status_row_set remap_status_rows(const config* old_cfg,
                                 const node_tree* old_tree,
                                 status_row_set& old_rows,
                                 const config& new_cfg,
                                 const node_tree& new_tree);

}  // namespace bistro
