// The workers a round may place tasks on: each has a small index (its row
// in the resource_ledger), a shard id, a host, a usable flag (healthy and
// accepting tasks), and which jobs' worker-level filters let it through.
// Workers that share a host or a shard name form a placement group: a job
// with `host_placement` or `level_for_host_placement` may only use the
// group named by its placement.
//
// Indexes are never reused: a worker that leaves is marked unusable and
// gets its old index back if it returns. A value type; not thread-safe (a
// round reads a const copy). Plain logic: no CAF include.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "actors/rounds/resource_ledger.hpp"
#include "actors/rounds/scheduler_policy.hpp"
#include "config/config.hpp"

namespace bistro {

inline constexpr std::uint32_t no_group = UINT32_MAX;

class worker_roster {
 public:
  /// Recomputes which jobs each worker may serve, for a new config.
  void reconfigure(std::shared_ptr<const config> cfg);

  /// Adds a worker, or finds a returning one; either way it is usable.
  /// `port` (0 = none) only names it in `worker_resources_override`.
  worker_index add(std::string_view shard, std::string_view host,
                   std::int32_t port = 0);
  worker_index find(std::string_view shard) const;
  void set_usable(worker_index w, bool usable) { usable_[w] = usable; }

  std::size_t size() const { return shards_.size(); }
  const std::string& shard(worker_index w) const { return shards_[w]; }
  const std::string& host(worker_index w) const { return hosts_[w]; }
  std::int32_t port(worker_index w) const { return ports_[w]; }
  /// What the worker measured of its machine (all zero when unknown).
  const worker_physical& physical(worker_index w) const { return physical_[w]; }
  void set_physical(worker_index w, worker_physical p) {
    physical_[w] = std::move(p);
  }
  /// Usable, and `job`'s worker filter lets it through.
  bool serves(job_index job, worker_index w) const {
    return usable_[w] && allowed_[w * num_jobs_ + job];
  }

  /// The group of workers whose host or shard is `name`, or no_group.
  std::uint32_t group_named(std::string_view name) const;
  std::span<const worker_index> members(std::uint32_t group) const {
    return groups_[group];
  }
  std::size_t num_groups() const { return groups_.size(); }
  /// The groups `w` is in: its host's and (if different) its shard's.
  std::vector<std::uint32_t> groups_of(worker_index w) const;

 private:
  struct name_hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const {
      return std::hash<std::string_view>{}(s);
    }
  };
  void join_group(std::string_view name, worker_index w);
  void compute_allowed(worker_index w);

  std::shared_ptr<const config> cfg_;
  std::size_t num_jobs_ = 0;
  std::vector<std::string> shards_;
  std::vector<std::string> hosts_;
  std::vector<std::int32_t> ports_;
  std::vector<worker_physical> physical_;
  std::vector<std::uint8_t> usable_;
  std::vector<std::uint8_t> allowed_;  // worker-major, num_jobs_ per worker
  std::unordered_map<std::string, std::uint32_t, name_hash, std::equal_to<>>
      group_ids_;
  std::vector<std::vector<worker_index>> groups_;
};

}  // namespace bistro
