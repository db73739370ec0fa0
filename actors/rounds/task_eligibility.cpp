#include "actors/rounds/task_eligibility.hpp"

#include <set>

namespace bistro {

namespace {

using bitset = std::vector<std::uint64_t>;

void set_bit(bitset& bits, node_id n) { bits[n >> 6] |= 1ull << (n & 63); }
bool get_bit(const bitset& bits, node_id n) {
  return (bits[n >> 6] >> (n & 63)) & 1u;
}

// Node ids grow from parent to child (a parent exists before its children
// are added), so one pass in id order sees every parent first.
template <class Passes>
std::shared_ptr<const bitset> chain_bits(const node_tree& tree,
                                         Passes&& passes) {
  auto bits = std::make_shared<bitset>((tree.size() + 63) / 64, 0);
  for (node_id n = 0; n < tree.size(); ++n) {
    node_id parent = tree.parent(n);
    if (parent != no_node && !get_bit(*bits, parent)) continue;
    if (tree.enabled(n) && passes(n)) set_bit(*bits, n);
  }
  return bits;
}

}  // namespace

task_eligibility::task_eligibility(const config& cfg, const node_tree& tree,
                                   round_threads* threads) {
  auto enabled_chains = chain_bits(tree, [](node_id) { return true; });
  bits_.resize(cfg.jobs.size());
  // Each item writes its own job's slot of bits_ and nothing else.
  auto job_bits = [&](std::size_t j) {
    const auto& job = cfg.jobs[j];
    if (!job.runnable()) return;
    const level_id task_level = job.level_for_tasks;
    bool any_filter = false;
    for (level_id level = 0; level <= task_level; ++level) {
      auto l = static_cast<std::size_t>(level);
      any_filter =
          any_filter || (l < job.filters.size() && !job.filters[l].empty());
    }
    if (!any_filter) {
      bits_[j] = enabled_chains;
      return;
    }
    bits_[j] = chain_bits(tree, [&](node_id n) {
      auto level = static_cast<std::size_t>(tree.level(n));
      // Filters below the task's level concern nodes it never runs on.
      if (tree.level(n) > task_level || level >= job.filters.size()) {
        return true;
      }
      return job.filters[level].passes(
          job.name, tree.name(n),
          [&](std::string_view tag) { return tree.has_tag(n, tag); });
    });
  };
  if (threads) {
    threads->for_each(cfg.jobs.size(), job_bits);
  } else {
    for (std::size_t j = 0; j < cfg.jobs.size(); ++j) job_bits(j);
  }
}

bool task_eligibility::allows_worker(const config& cfg, const job_config& job,
                                     std::string_view host) {
  auto level = static_cast<std::size_t>(cfg.worker_level());
  if (level >= job.filters.size()) return true;
  return job.filters[level].passes(job.name, host,
                                   [](std::string_view) { return false; });
}

std::size_t task_eligibility::memory_bytes() const {
  std::set<const bitset*> seen;
  std::size_t bytes = bits_.capacity() * sizeof(bits_[0]);
  for (const auto& bits : bits_) {
    if (bits && seen.insert(bits.get()).second) bytes += bits->capacity() * 8;
  }
  return bytes;
}

}  // namespace bistro
