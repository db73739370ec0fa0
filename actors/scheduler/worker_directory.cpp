#include "actors/scheduler/worker_directory.hpp"

#include "actors/workers/worker_secret.hpp"

namespace bistro {

void worker_directory::place(worker_index w, worker_slot slot) {
  if (slots_.size() <= w) slots_.resize(w + 1);
  slots_[w] = std::move(slot);
}

std::optional<worker_index> worker_directory::index_of(
    const std::string& shard) const {
  for (worker_index w = 0; w < slots_.size(); ++w)
    if (slots_[w].handle && slots_[w].shard == shard) return w;
  return std::nullopt;
}

worker_directory::identity worker_directory::identify(
    const worker_record& candidate, const std::string& secret,
    std::int64_t now_ms) {
  identity out;
  auto known = secret_hashes_.find(candidate.shard);
  out.first_contact = known == secret_hashes_.end();
  out.proven =
      !out.first_contact && worker_secret_matches(secret, known->second);
  out.result = health_.hello(candidate, now_ms, out.proven);
  return out;
}

void worker_directory::remember_secret(const std::string& shard,
                                       std::string hash) {
  secret_hashes_[shard] = std::move(hash);
}

std::string worker_directory::secret_hash(const std::string& shard) const {
  auto it = secret_hashes_.find(shard);
  return it == secret_hashes_.end() ? std::string{} : it->second;
}

bool worker_directory::set_drained(const std::string& shard, bool drain) {
  return drain ? drained_.insert(shard).second : drained_.erase(shard) > 0;
}

bool worker_directory::known(const std::string& shard) const {
  return index_of(shard) || health_.find(shard) || drained(shard);
}

void worker_directory::join_later(worker_actor worker, std::string shard,
                                  std::string host) {
  early_.emplace_back(std::move(worker), std::move(shard), std::move(host));
}

std::vector<std::tuple<worker_actor, std::string, std::string>>
worker_directory::take_early_joins() {
  auto out = std::move(early_);
  early_.clear();
  return out;
}

}  // namespace bistro
