#include "actors/rounds/status_remap.hpp"

namespace bistro {

job_status_row reindex_status_row(job_status_row row, const node_tree& from,
                                  const node_tree& to) {
  if (&from == &to) return row;
  job_status_row moved(to.size());
  for (node_id n = 0; n < row.size(); ++n) {
    if (row.label(n) == status_label::never_started) continue;
    if (auto m = to.find(from.name(n))) moved.restore(*m, row.record(n));
  }
  return moved;
}

namespace {

std::unique_ptr<job_status_row> reindex(std::unique_ptr<job_status_row> row,
                                        const node_tree& from,
                                        const node_tree& to) {
  if (&from == &to) return row;
  return std::make_unique<job_status_row>(
      reindex_status_row(std::move(*row), from, to));
}

}  // namespace

status_row_set remap_status_rows(const config* old_cfg,
                                 std::shared_ptr<const node_tree> old_tree,
                                 status_row_set& old_rows,
                                 parked_status_rows& parked,
                                 const config& new_cfg,
                                 std::shared_ptr<const node_tree> new_tree) {
  status_row_set rows;
  rows.reserve(new_cfg.jobs.size());
  for (const auto& job : new_cfg.jobs) {
    std::unique_ptr<job_status_row> row;
    const job_config* old_job = old_cfg ? old_cfg->find_job(job.name) : nullptr;
    if (old_job) {
      auto old_index = static_cast<std::size_t>(old_job - old_cfg->jobs.data());
      row = reindex(std::move(old_rows[old_index]), *old_tree, *new_tree);
    } else if (auto it = parked.find(job.name); it != parked.end()) {
      // A job that comes back keeps its history.
      row = reindex(std::move(it->second.row), *it->second.tree, *new_tree);
      parked.erase(it);
    }
    if (!row) row = std::make_unique<job_status_row>(new_tree->size());
    if (row->size() != new_tree->size()) row->resize(new_tree->size());
    rows.push_back(std::move(row));
  }
  // Jobs that left the config wait, with the tree their row is indexed by.
  if (old_cfg) {
    for (std::size_t i = 0; i < old_cfg->jobs.size(); ++i) {
      const auto& name = old_cfg->jobs[i].name;
      if (old_rows[i] && !new_cfg.find_job(name))
        parked[name] = parked_status_row{std::move(old_rows[i]), old_tree};
    }
  }
  return rows;
}

}  // namespace bistro
