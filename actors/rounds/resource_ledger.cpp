#include "actors/rounds/resource_ledger.hpp"

#include <algorithm>
#include <atomic>

namespace bistro {

namespace {

constexpr std::int64_t clamp_limit = std::int64_t{1} << 30;

std::int32_t clamped(std::int64_t v) {
  return static_cast<std::int32_t>(std::clamp(v, -clamp_limit, clamp_limit));
}

}  // namespace

job_demand job_demand::of(const config& cfg, const job_config& job) {
  job_demand d;
  const auto num_levels = static_cast<level_id>(cfg.levels.size());
  d.by_level.resize(static_cast<std::size_t>(num_levels));
  d.top_level = num_levels;
  for (level_id level = 0; level < num_levels; ++level) {
    std::vector<std::int32_t> amounts;
    bool any = false;
    for (resource_id r : cfg.resources_by_level[level]) {
      auto amount = static_cast<std::size_t>(r) < job.resources.size()
                        ? job.resources[r]
                        : cfg.resources[r].default_amount;
      amounts.push_back(clamped(std::max<std::int64_t>(amount, 0)));
      any = any || amounts.back() != 0;
    }
    // Zero amounts are not checked: using nothing cannot push a slot lower.
    if (!any) continue;
    if (level == cfg.worker_level()) {
      d.worker = std::move(amounts);
    } else {
      d.by_level[level] = std::move(amounts);
      d.top_level = std::min(d.top_level, level);
    }
  }
  return d;
}

resource_ledger::resource_ledger(std::shared_ptr<const config> cfg,
                                 std::shared_ptr<const level_slots> slots)
    : cfg_(std::move(cfg)), slots_(std::move(slots)) {
  const auto num_levels = cfg_->worker_level();
  std::size_t size = 0;
  for (level_id level = 0; level < num_levels; ++level) {
    base_.push_back(size);
    width_.push_back(cfg_->resources_by_level[level].size());
    size += width_.back() * slots_->count(level);
  }
  free_.reserve(size);
  for (level_id level = 0; level < num_levels; ++level) {
    std::vector<std::int32_t> row;
    for (resource_id r : cfg_->resources_by_level[level]) {
      row.push_back(clamped(cfg_->resources[r].limit));
    }
    for (std::uint32_t s = 0; s < slots_->count(level); ++s) {
      free_.insert(free_.end(), row.begin(), row.end());
    }
  }
}

std::vector<std::int32_t> resource_ledger::worker_limits(
    std::string_view shard, std::string_view host, std::int32_t port,
    const worker_physical& physical) const {
  const auto& ids = cfg_->resources_by_level[cfg_->worker_level()];
  std::vector<std::int32_t> limits;
  for (resource_id r : ids) limits.push_back(clamped(cfg_->resources[r].limit));
  auto column_of = [&](resource_id r) -> std::ptrdiff_t {
    auto pos = std::find(ids.begin(), ids.end(), r);
    return pos == ids.end() ? -1 : pos - ids.begin();
  };
  for (const auto& p : cfg_->physical_resources) {
    auto c = column_of(p.logical);
    if (c < 0) continue;
    if (auto limit = logical_limit_of(p, physical.usable))
      limits[c] = clamped(*limit);
    if (p.physical != physical_resource::gpu_card) continue;
    // Cards of a model count toward "GPU: <model>" when that is a worker
    // resource; its configured limit is where the count starts.
    for (const auto& model : physical.gpu_models) {
      auto r = cfg_->find_resource("GPU: " + model);
      if (!r) continue;
      if (auto m = column_of(*r); m >= 0)
        limits[m] = clamped(std::int64_t{limits[m]} + 1);
    }
  }
  const auto& overrides = cfg_->worker_resources_override;
  auto it = overrides.end();
  if (port != 0 && !host.empty())
    it = overrides.find(std::string{host} + ':' + std::to_string(port));
  if (it == overrides.end() && !host.empty())
    it = overrides.find(std::string{host});
  if (it == overrides.end()) it = overrides.find(std::string{shard});
  if (it != overrides.end()) {
    for (const auto& [r, limit] : it->second) {
      if (auto c = column_of(r); c >= 0) limits[c] = clamped(limit);
    }
  }
  return limits;
}

worker_index resource_ledger::add_worker(std::string_view shard,
                                         std::string_view host,
                                         std::int32_t port,
                                         const worker_physical& physical) {
  auto limits = worker_limits(shard, host, port, physical);
  worker_free_.insert(worker_free_.end(), limits.begin(), limits.end());
  return static_cast<worker_index>(num_workers_++);
}

void resource_ledger::relimit_worker(worker_index w, std::string_view shard,
                                     std::string_view host, std::int32_t port,
                                     const worker_physical& before,
                                     const worker_physical& after) {
  auto old_limits = worker_limits(shard, host, port, before);
  auto new_limits = worker_limits(shard, host, port, after);
  std::int32_t* row = worker_free_.data() + w * old_limits.size();
  for (std::size_t i = 0; i < old_limits.size(); ++i)
    row[i] = clamped(std::int64_t{row[i]} + new_limits[i] - old_limits[i]);
}

node_id resource_ledger::first_blocking(const job_demand& demand,
                                        node_id chain) const {
  return first_blocking_up_to(demand, chain, demand.top_level);
}

node_id resource_ledger::first_blocking_below_instance(const job_demand& demand,
                                                       node_id chain) const {
  return first_blocking_up_to(demand, chain,
                              std::max<level_id>(demand.top_level, 1));
}

node_id resource_ledger::first_blocking_up_to(const job_demand& demand,
                                              node_id chain,
                                              level_id top) const {
  const auto& tree = slots_->tree();
  for (node_id n = chain; n != no_node; n = tree.parent(n)) {
    const level_id level = tree.level(n);
    if (level < top) break;
    const auto& amounts = demand.by_level[level];
    if (amounts.empty()) continue;
    const std::int32_t* row =
        free_.data() + base_[level] + slots_->slot(n) * width_[level];
    for (std::size_t i = 0; i < amounts.size(); ++i) {
      if (row[i] < amounts[i]) return n;
    }
  }
  return no_node;
}

namespace {

// Rows shared by the threads of a split plan are read and changed through
// atomic_ref only while it runs (relaxed: the counts publish nothing else;
// the threads' join orders them for whoever reads the ledger next).
std::int32_t read_plain(const std::int32_t& entry) { return entry; }
std::int32_t read_shared(const std::int32_t& entry) {
  return std::atomic_ref<std::int32_t>(const_cast<std::int32_t&>(entry))
      .load(std::memory_order_relaxed);
}

template <class Read>
bool row_fits(const std::int32_t* row, const std::vector<std::int32_t>& amounts,
              Read read) {
  for (std::size_t i = 0; i < amounts.size(); ++i) {
    if (read(row[i]) < amounts[i]) return false;
  }
  return true;
}

void give_back_shared(std::int32_t* row,
                      const std::vector<std::int32_t>& amounts,
                      std::size_t count) {
  for (std::size_t i = 0; i < count; ++i) {
    std::atomic_ref<std::int32_t>(row[i]).fetch_add(amounts[i],
                                                    std::memory_order_relaxed);
  }
}

// Takes every amount or none: an entry short of room gives back what the
// earlier ones took.
bool take_shared_row(std::int32_t* row,
                     const std::vector<std::int32_t>& amounts) {
  for (std::size_t i = 0; i < amounts.size(); ++i) {
    std::atomic_ref<std::int32_t> entry(row[i]);
    std::int32_t v = entry.load(std::memory_order_relaxed);
    do {
      if (v < amounts[i]) {
        give_back_shared(row, amounts, i);
        return false;
      }
    } while (!entry.compare_exchange_weak(v, v - amounts[i],
                                          std::memory_order_relaxed));
  }
  return true;
}

}  // namespace

template <class Read>
std::int64_t resource_ledger::weight_left(const job_demand& demand,
                                          worker_index w, Read read) const {
  const auto& ids = cfg_->resources_by_level[cfg_->worker_level()];
  const std::int32_t* row = worker_free_.data() + w * ids.size();
  std::int64_t left = 0;
  for (std::size_t i = 0; i < ids.size(); ++i) {
    std::int64_t amount = demand.worker.empty() ? 0 : demand.worker[i];
    left += (read(row[i]) - amount) * cfg_->resources[ids[i]].weight;
  }
  return left;
}

bool resource_ledger::instance_fits_shared(const job_demand& demand) const {
  return demand.top_level > 0 ||
         row_fits(free_.data() + base_[0], demand.by_level[0], read_shared);
}

bool resource_ledger::worker_fits_shared(const job_demand& demand,
                                         worker_index w) const {
  return row_fits(worker_free_.data() + w * demand.worker.size(), demand.worker,
                  read_shared);
}

std::int64_t resource_ledger::weight_left_after_shared(const job_demand& demand,
                                                       worker_index w) const {
  return weight_left(demand, w, read_shared);
}

resource_ledger::shared_take resource_ledger::take_shared(
    const job_demand& demand, node_id chain, worker_index w,
    std::vector<std::uint32_t>& journal) {
  const bool on_instance = demand.top_level == 0 && !demand.by_level[0].empty();
  std::int32_t* instance = free_.data() + base_[0];
  if (on_instance && !take_shared_row(instance, demand.by_level[0]))
    return shared_take::instance_full;
  if (w != no_worker &&
      !take_shared_row(worker_free_.data() + w * demand.worker.size(),
                       demand.worker)) {
    if (on_instance)
      give_back_shared(instance, demand.by_level[0], demand.by_level[0].size());
    return shared_take::worker_full;
  }
  if (on_instance) {
    for (std::size_t i = 0; i < demand.by_level[0].size(); ++i)
      journal.push_back(static_cast<std::uint32_t>(base_[0] + i));
  }
  const auto& tree = slots_->tree();
  for (node_id n = chain; n != no_node; n = tree.parent(n)) {
    const level_id level = tree.level(n);
    if (level < std::max<level_id>(demand.top_level, 1)) break;
    const auto& amounts = demand.by_level[level];
    const std::size_t offset = base_[level] + slots_->slot(n) * width_[level];
    for (std::size_t i = 0; i < amounts.size(); ++i) {
      free_[offset + i] -= amounts[i];
      journal.push_back(static_cast<std::uint32_t>(offset + i));
    }
  }
  return shared_take::taken;
}

void resource_ledger::add_to_journal(
    const std::vector<std::uint32_t>& offsets) {
  if (journal_full_) return;
  if (journal_.size() + offsets.size() > journal_cap()) {
    journal_full_ = true;
    journal_.clear();
    return;
  }
  journal_.insert(journal_.end(), offsets.begin(), offsets.end());
}

std::int64_t resource_ledger::room_on(const job_demand& demand,
                                      node_id n) const {
  const level_id level = slots_->tree().level(n);
  const auto& amounts = demand.by_level[level];
  const std::int32_t* row =
      free_.data() + base_[level] + slots_->slot(n) * width_[level];
  std::int64_t room = INT64_MAX;
  for (std::size_t i = 0; i < amounts.size(); ++i) {
    if (amounts[i] > 0)
      room = std::min<std::int64_t>(room, row[i] / amounts[i]);
  }
  return std::max<std::int64_t>(room, 0);
}

bool resource_ledger::worker_fits(const job_demand& demand,
                                  worker_index w) const {
  return row_fits(worker_free_.data() + w * demand.worker.size(), demand.worker,
                  read_plain);
}

std::int64_t resource_ledger::weight_left_after(const job_demand& demand,
                                                worker_index w) const {
  return weight_left(demand, w, read_plain);
}

void resource_ledger::take(const job_demand& demand, node_id chain,
                           worker_index w) {
  charge(demand, chain, w, -1);
}

void resource_ledger::give_back(const job_demand& demand, node_id chain,
                                worker_index w) {
  charge(demand, chain, w, +1);
}

void resource_ledger::charge(const job_demand& demand, node_id chain,
                             worker_index w, std::int32_t sign) {
  const auto& tree = slots_->tree();
  for (node_id n = chain; n != no_node; n = tree.parent(n)) {
    const level_id level = tree.level(n);
    if (level < demand.top_level) break;
    const auto& amounts = demand.by_level[level];
    const std::size_t offset = base_[level] + slots_->slot(n) * width_[level];
    std::int32_t* row = free_.data() + offset;
    for (std::size_t i = 0; i < amounts.size(); ++i) {
      row[i] += sign * amounts[i];
    }
    if (amounts.empty() || journal_full_) continue;
    if (journal_.size() >= journal_cap()) {
      journal_full_ = true;
      journal_.clear();
      continue;
    }
    for (std::size_t i = 0; i < amounts.size(); ++i) {
      journal_.push_back(static_cast<std::uint32_t>(offset + i));
    }
  }
  if (w == no_worker) return;
  std::int32_t* row = worker_free_.data() + w * demand.worker.size();
  for (std::size_t i = 0; i < demand.worker.size(); ++i) {
    row[i] += sign * demand.worker[i];
  }
}

std::int32_t resource_ledger::column(resource_id r) const {
  const auto& ids = cfg_->resources_by_level[cfg_->resources[r].level];
  return static_cast<std::int32_t>(std::find(ids.begin(), ids.end(), r) -
                                   ids.begin());
}

std::int32_t resource_ledger::free_on_node(node_id n, resource_id r) const {
  const level_id level = slots_->tree().level(n);
  return free_[base_[level] + slots_->slot(n) * width_[level] + column(r)];
}

std::int32_t resource_ledger::free_on_worker(worker_index w,
                                             resource_id r) const {
  const auto width = cfg_->resources_by_level[cfg_->worker_level()].size();
  return worker_free_[w * width + column(r)];
}

namespace {

std::uint64_t next_lineage() {
  static std::atomic<std::uint64_t> lineages{0};
  return ++lineages;
}

}  // namespace

resource_ledger resource_ledger::twin() {
  journal_.clear();
  journal_full_ = false;
  resource_ledger copy = *this;
  lineage_ = copy.lineage_ = next_lineage();
  return copy;
}

void resource_ledger::sync_from(resource_ledger& live) {
  const bool matched = lineage_ != 0 && lineage_ == live.lineage_ &&
                       slots_ == live.slots_ && cfg_ == live.cfg_ &&
                       free_.size() == live.free_.size() && !journal_full_ &&
                       !live.journal_full_;
  if (matched) {
    for (auto offset : journal_) free_[offset] = live.free_[offset];
    for (auto offset : live.journal_) free_[offset] = live.free_[offset];
    worker_free_ = live.worker_free_;
    num_workers_ = live.num_workers_;
  } else {
    // Copy-assignment keeps this ledger's buffers: no fresh pages to fault.
    cfg_ = live.cfg_;
    slots_ = live.slots_;
    base_ = live.base_;
    width_ = live.width_;
    free_ = live.free_;
    worker_free_ = live.worker_free_;
    num_workers_ = live.num_workers_;
  }
  journal_.clear();
  journal_full_ = false;
  live.journal_.clear();
  live.journal_full_ = false;
  lineage_ = live.lineage_ = next_lineage();
}

bool resource_ledger::any_negative() const {
  auto negative = [](std::int32_t v) { return v < 0; };
  return std::any_of(free_.begin(), free_.end(), negative) ||
         std::any_of(worker_free_.begin(), worker_free_.end(), negative);
}

}  // namespace bistro
