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

}  // namespace bistro
