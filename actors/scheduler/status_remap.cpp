#include "actors/scheduler/status_remap.hpp"

namespace bistro {

status_row_set remap_status_rows(const config* old_cfg,
                                 const node_tree* old_tree,
                                 status_row_set& old_rows,
                                 const config& new_cfg,
                                 const node_tree& new_tree) {
  status_row_set rows;
  rows.reserve(new_cfg.jobs.size());
  const bool same_tree = old_tree == &new_tree;
  for (const auto& job : new_cfg.jobs) {
    std::unique_ptr<job_status_row> row;
    const job_config* old_job = old_cfg ? old_cfg->find_job(job.name) : nullptr;
    if (old_job) {
      auto old_index = static_cast<std::size_t>(old_job - old_cfg->jobs.data());
      row = std::move(old_rows[old_index]);
    }
    if (row && !same_tree) {
      // Node ids changed: move every status that is not the default by
      // node name. Rows hold few non-default statuses after a fresh start
      // and at most one per node, so this is one pass over the old row.
      auto moved = std::make_unique<job_status_row>(new_tree.size());
      for (node_id n = 0; n < row->size(); ++n) {
        if (row->label(n) == status_label::never_started) continue;
        if (auto m = new_tree.find(old_tree->name(n)))
          moved->restore(*m, row->record(n));
      }
      row = std::move(moved);
    }
    if (!row) row = std::make_unique<job_status_row>(new_tree.size());
    if (row->size() != new_tree.size()) row->resize(new_tree.size());
    rows.push_back(std::move(row));
  }
  return rows;
}

}  // namespace bistro
