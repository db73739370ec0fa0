#include "actors/rounds/candidate_tracker.hpp"

#include <algorithm>
#include <stdexcept>

#include "actors/rounds/round_threads.hpp"

namespace bistro {

void candidate_tracker::reset(const config& cfg,
                              std::shared_ptr<const level_slots> slots,
                              round_threads* threads) {
  slots_ = std::move(slots);
  const std::size_t num_jobs = cfg.jobs.size();
  task_level_.clear();
  base_.assign(1, 0);
  std::uint64_t total = 0;
  for (const auto& job : cfg.jobs) {
    task_level_.push_back(job.level_for_tasks);
    if (job.runnable()) total += slots_->count(job.level_for_tasks);
    if (total >= end_of_list) {
      throw std::length_error("more than 2^32 (job, node) candidates");
    }
    base_.push_back(static_cast<std::uint32_t>(total));
  }
  tracked_.assign(num_jobs, 0);
  // Tens of megabytes at a million nodes, fresh pages after a restart:
  // filled a slice per thread.
  state_.clear();
  state_.resize(total);
  next_.clear();
  next_.resize(total);
  constexpr std::size_t slice = std::size_t{1} << 20;
  const std::size_t slices = (total + slice - 1) / slice;
  auto fill = [&](std::size_t k) {
    const std::size_t from = k * slice;
    const std::size_t to = std::min<std::size_t>(total, from + slice);
    std::fill(state_.begin() + from, state_.begin() + to,
              candidate_state::idle);
    std::fill(next_.begin() + from, next_.begin() + to, end_of_list);
  };
  if (threads) {
    threads->for_each(slices, fill);
  } else {
    for (std::size_t k = 0; k < slices; ++k) fill(k);
  }
  own_heads_.assign(slots_->tree().size(), end_of_list);
  ancestor_heads_.assign(static_cast<std::size_t>(slots_->tree().num_levels()),
                         {});
  num_jobs_ = num_jobs;
  group_heads_.clear();
  pending_.assign(num_jobs, {});
  active_.assign(num_jobs, {});
}

void candidate_tracker::set_state(job_index job, node_id node,
                                  candidate_state s) {
  auto& current = state_[id(job, node)];
  if (current == candidate_state::idle) ++tracked_[job];
  if (s == candidate_state::idle) --tracked_[job];
  current = s;
}

void candidate_tracker::offer(job_index job, node_id node) {
  if (!is_task(job, node)) return;
  if (state(job, node) != candidate_state::idle) return;
  set_state(job, node, candidate_state::pending);
  pending_[job].push_back(node);
}

void candidate_tracker::activate(job_index job, node_id node) {
  set_state(job, node, candidate_state::active);
  active_[job].push_back(node);
}

void candidate_tracker::activate_all(job_index job,
                                     std::vector<node_id> nodes) {
  for (node_id n : nodes) state_[id(job, n)] = candidate_state::active;
  tracked_[job] += nodes.size();
  auto& active = active_[job];
  if (active.empty()) {
    active = std::move(nodes);
  } else {
    active.insert(active.end(), nodes.begin(), nodes.end());
  }
}

void candidate_tracker::wake(std::uint32_t key) {
  const auto tree_size = slots_->tree().size();
  if (key < tree_size) {
    wake_list(own_heads_[key]);
  } else if (key - tree_size < group_heads_.size()) {
    wake_list(group_heads_[key - tree_size]);
  }
}

void candidate_tracker::prefetch_waiters(node_id node, bool heads_only) const {
  const auto& heads = ancestor_heads_[slots_->tree().level(node)];
  if (heads.empty()) return;
  const std::uint32_t* row = &heads[slots_->slot(node) * num_jobs_];
  if (heads_only) {
    __builtin_prefetch(row);
    __builtin_prefetch(row + num_jobs_ - 1);
    return;
  }
  for (std::size_t j = 0; j < num_jobs_; ++j) {
    if (row[j] == end_of_list) continue;
    __builtin_prefetch(&next_[row[j]]);
    __builtin_prefetch(&state_[row[j]]);
  }
}

void candidate_tracker::wake_list(std::uint32_t& head) {
  std::uint32_t i = head;
  head = end_of_list;
  job_index job = 0;
  while (i != end_of_list) {
    // Lists mix jobs; consecutive entries are mostly of one job.
    if (i < base_[job] || i >= base_[job + 1]) {
      job = static_cast<job_index>(
          std::upper_bound(base_.begin(), base_.end(), i) - base_.begin() - 1);
    }
    state_[i] = candidate_state::active;
    active_[job].push_back(slots_->node_at(task_level_[job], i - base_[job]));
    std::uint32_t next = next_[i];
    next_[i] = end_of_list;
    i = next;
  }
}

std::uint32_t* candidate_tracker::find_ancestor_head(job_index job,
                                                     node_id node) {
  auto& heads = ancestor_heads_[slots_->tree().level(node)];
  return heads.empty() ? nullptr : &heads[slots_->slot(node) * num_jobs_ + job];
}

const std::uint32_t* candidate_tracker::find_ancestor_head(job_index job,
                                                           node_id node) const {
  return const_cast<candidate_tracker*>(this)->find_ancestor_head(job, node);
}

bool candidate_tracker::waiting_on(job_index job, node_id node) const {
  const std::uint32_t* head = find_ancestor_head(job, node);
  return head && *head != end_of_list;
}

std::size_t candidate_tracker::memory_bytes() const {
  std::size_t bytes = state_.capacity() + next_.capacity() * 4 +
                      own_heads_.capacity() * 4 + group_heads_.capacity() * 4;
  for (const auto& heads : ancestor_heads_) bytes += heads.capacity() * 4;
  for (const auto& v : pending_) bytes += v.capacity() * sizeof(node_id);
  for (const auto& v : active_) bytes += v.capacity() * sizeof(node_id);
  return bytes;
}

}  // namespace bistro
