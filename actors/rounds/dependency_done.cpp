#include "actors/rounds/dependency_done.hpp"

namespace bistro {

void dependency_done::reset(
    const config& cfg, std::shared_ptr<const level_slots> slots,
    const std::vector<std::vector<job_index>>& depends_on) {
  slots_ = std::move(slots);
  const auto levels = static_cast<std::size_t>(slots_->tree().num_levels());
  level_.clear();
  done_.assign(cfg.jobs.size(), {});
  for (std::size_t j = 0; j < cfg.jobs.size(); ++j) {
    const auto level = cfg.jobs[j].level_for_tasks;
    level_.push_back(level);
    const std::size_t count =
        static_cast<std::size_t>(level) < levels ? slots_->count(level) : 0;
    done_[j].assign(depends_on[j].size(), std::vector<std::uint8_t>(count, 0));
  }
}

void dependency_done::fill(job_index job, std::size_t k,
                           const job_status_row& row) {
  auto& done = done_[job][k];
  const auto level = level_[job];
  for (std::uint32_t s = 0; s < done.size(); ++s) {
    const node_id n = slots_->node_at(level, s);
    done[s] = n < row.size() && row.label(n) == status_label::done;
  }
}

void dependency_done::deliver(job_index job, std::size_t k,
                              std::span<const node_id> nodes) {
  auto& done = done_[job][k];
  for (node_id n : nodes)
    if (is_task(job, n)) done[slots_->slot(n)] = 1;
}

std::size_t dependency_done::memory_bytes() const {
  std::size_t bytes = level_.capacity() * sizeof(level_id);
  for (const auto& deps : done_)
    for (const auto& d : deps) bytes += d.capacity();
  return bytes;
}

}  // namespace bistro
