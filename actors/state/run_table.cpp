#include "actors/state/run_table.hpp"

#include <algorithm>

namespace bistro {

std::pair<std::uint64_t, run_info*> run_table::start(run_info run) {
  auto id = reserve(1);
  return {id, start_reserved(id, std::move(run))};
}

run_info* run_table::start_reserved(std::uint64_t id, run_info run) {
  if (!lost_.empty()) lost_.erase(task_name_key(run.job, run.node));
  return &live_.insert_or_assign(id, std::move(run)).first->second;
}

run_info& run_table::adopt(std::uint64_t id, run_info run) {
  next_id_ = std::max(next_id_, id + 1);
  return live_.insert_or_assign(id, std::move(run)).first->second;
}

run_info run_table::finish(iterator it) {
  note_taken(it->first);
  auto run = std::move(it->second);
  live_.erase(it);
  return run;
}

std::unordered_set<std::string> run_table::busy_tasks() const {
  std::unordered_set<std::string> keys;
  keys.reserve(live_.size());
  for (const auto& [id, run] : live_)
    keys.insert(task_name_key(run.job, run.node));
  return keys;
}

run_table::late_result run_table::claim_late(std::uint64_t id,
                                             const std::string& job,
                                             const std::string& node,
                                             const std::string& shard) {
  if (auto it = restored_.find(id);
      it != restored_.end() && it->second.job == job &&
      it->second.node == node && it->second.shard == shard) {
    restored_.erase(it);
    return late_result::restored;
  }
  if (auto it = lost_.find(task_name_key(job, node));
      it != lost_.end() && it->second.first == id &&
      it->second.second == shard) {
    lost_.erase(it);
    return late_result::lost;
  }
  return late_result::none;
}

void run_table::note_taken(std::uint64_t id) {
  if (taken_capacity_ == 0 || !taken_.insert(id).second) return;
  taken_order_.push_back(id);
  if (taken_order_.size() > taken_capacity_) {
    taken_.erase(taken_order_.front());
    taken_order_.pop_front();
  }
}

void run_table::restore(const std::string& job, const std::string& node,
                        std::uint64_t id, restored_run run) {
  unconfirmed_.emplace_back(job, node);
  if (id != 0) restored_.insert_or_assign(id, std::move(run));
}

std::optional<restored_run> run_table::take_restored(std::uint64_t id) {
  auto it = restored_.find(id);
  if (it == restored_.end()) return std::nullopt;
  auto run = std::move(it->second);
  restored_.erase(it);
  return run;
}

void run_table::settle() {
  unconfirmed_.clear();
  restored_.clear();
}

}  // namespace bistro
