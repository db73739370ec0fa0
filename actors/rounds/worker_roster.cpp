#include "actors/rounds/worker_roster.hpp"

#include "actors/rounds/task_eligibility.hpp"

namespace bistro {

void worker_roster::reconfigure(std::shared_ptr<const config> cfg) {
  cfg_ = std::move(cfg);
  num_jobs_ = cfg_->jobs.size();
  allowed_.assign(size() * num_jobs_, 0);
  for (worker_index w = 0; w < size(); ++w) compute_allowed(w);
}

worker_index worker_roster::add(std::string_view shard, std::string_view host,
                                std::int32_t port) {
  worker_index w = find(shard);
  if (w == no_worker) {
    w = static_cast<worker_index>(size());
    shards_.emplace_back(shard);
    hosts_.emplace_back(host);
    ports_.push_back(port);
    physical_.emplace_back();
    usable_.push_back(1);
    allowed_.resize(size() * num_jobs_, 0);
    join_group(host, w);
    if (shard != host) join_group(shard, w);
    compute_allowed(w);
  }
  usable_[w] = 1;
  return w;
}

worker_index worker_roster::find(std::string_view shard) const {
  for (worker_index w = 0; w < size(); ++w) {
    if (shards_[w] == shard) return w;
  }
  return no_worker;
}

std::uint32_t worker_roster::group_named(std::string_view name) const {
  auto it = group_ids_.find(name);
  return it == group_ids_.end() ? no_group : it->second;
}

std::vector<std::uint32_t> worker_roster::groups_of(worker_index w) const {
  std::vector<std::uint32_t> out{group_named(hosts_[w])};
  if (shards_[w] != hosts_[w]) out.push_back(group_named(shards_[w]));
  return out;
}

void worker_roster::join_group(std::string_view name, worker_index w) {
  auto [it, fresh] = group_ids_.try_emplace(
      std::string{name}, static_cast<std::uint32_t>(groups_.size()));
  if (fresh) groups_.emplace_back();
  groups_[it->second].push_back(w);
}

void worker_roster::compute_allowed(worker_index w) {
  if (!cfg_) return;
  for (std::size_t j = 0; j < num_jobs_; ++j) {
    allowed_[w * num_jobs_ + j] =
        task_eligibility::allows_worker(*cfg_, cfg_->jobs[j], hosts_[w]);
  }
}

}  // namespace bistro
