#include "actors/policies/fair_share_policy.hpp"

#include <algorithm>
#include <limits>

#include "actors/nodes/node_source_prefs.hpp"

namespace bistro {

namespace {

// Ten years: window_sec * 1000 stays far inside int64.
constexpr std::int64_t max_window_sec = 10LL * 366 * 24 * 3600;

// A task of `job` holds this many slots: its resource amounts, at least 1,
// so that a job that names no resource still pays for running.
double slots_of(const job_config& job) {
  double slots = 0;
  for (auto amount : job.resources) slots += static_cast<double>(amount);
  return std::max(slots, 1.0);
}

}  // namespace

std::variant<fair_share_settings, std::string> read_fair_share_settings(
    const boost::json::object& prefs) {
  fair_share_settings s;
  for (const auto& [key, value] : prefs) {
    if (key != "window_sec")
      return "unknown pref \"" + std::string{key} +
             "\" for fair_share (valid: window_sec)";
    auto n = json_to_int(value);
    if (!n || *n < 1 || *n > max_window_sec)
      return "window_sec must be an integer between 1 and " +
             std::to_string(max_window_sec);
    s.window_sec = *n;
  }
  return s;
}

std::optional<std::string> check_fair_share_prefs(
    const boost::json::object& prefs) {
  auto read = read_fair_share_settings(prefs);
  if (auto* error = std::get_if<std::string>(&read)) return *error;
  return std::nullopt;
}

std::int64_t fair_share_policy::bucket_ms() const {
  return std::max<std::int64_t>(
      settings_.window_sec * 1000 / static_cast<std::int64_t>(buckets), 1);
}

void fair_share_policy::charge(owner_usage& owner, std::int64_t from_ms,
                               std::int64_t to_ms) {
  if (owner.running_slots <= 0 || to_ms <= from_ms) return;
  const std::int64_t width = bucket_ms();
  // What is older than a whole window would be forgotten at once.
  from_ms =
      std::max(from_ms, to_ms - width * static_cast<std::int64_t>(buckets));
  for (std::int64_t p = from_ms / width; p * width < to_ms; ++p) {
    const auto overlap =
        std::min(to_ms, (p + 1) * width) - std::max(from_ms, p * width);
    auto& slot = owner.slot_ms[static_cast<std::size_t>(p) % buckets];
    auto& period = owner.period[static_cast<std::size_t>(p) % buckets];
    if (period != p) {
      period = p;
      slot = 0;
    }
    slot += owner.running_slots * static_cast<double>(overlap);
  }
}

double fair_share_policy::usage_ms(const owner_usage& owner) const {
  if (!last_ms_) return 0;
  const auto newest = *last_ms_ / bucket_ms();
  double sum = 0;
  for (std::size_t i = 0; i < buckets; ++i) {
    const auto p = owner.period[i];
    if (p >= 0 && p <= newest &&
        p > newest - static_cast<std::int64_t>(buckets))
      sum += owner.slot_ms[i];
  }
  return sum;
}

double fair_share_policy::usage_sec(std::string_view owner) const {
  auto it = owners_.find(owner);
  return it == owners_.end() ? 0 : usage_ms(it->second) / 1000;
}

void fair_share_policy::observe(const policy_round_facts& round) {
  const auto& cfg = round.cfg;
  // The parser checked the prefs (the catalog): a config built otherwise
  // gets the defaults.
  fair_share_settings wanted;
  const auto read = read_fair_share_settings(cfg.scheduler_prefs);
  if (const auto* settings = std::get_if<fair_share_settings>(&read))
    wanted = *settings;
  if (wanted != settings_) {
    // The buckets' width follows the window: a new window starts afresh.
    settings_ = wanted;
    for (auto& [name, owner] : owners_) {
      owner.slot_ms.fill(0);
      owner.period.fill(-1);
    }
  }
  // What ran since the last round ran at the slots counted then.
  if (last_ms_)
    for (auto& [name, owner] : owners_) charge(owner, *last_ms_, round.now_ms);
  if (!last_ms_ || round.now_ms > *last_ms_) last_ms_ = round.now_ms;

  for (auto& [name, owner] : owners_) owner.running_slots = 0;
  for (std::size_t j = 0; j < cfg.jobs.size(); ++j) {
    auto& owner = owners_[cfg.jobs[j].owner];
    if (j < round.running_per_job.size())
      owner.running_slots += round.running_per_job[j] * slots_of(cfg.jobs[j]);
  }
  // Owners that neither run nor used anything within the window are
  // forgotten, so that the table follows the config.
  for (auto it = owners_.begin(); it != owners_.end();) {
    if (it->second.running_slots == 0 && usage_ms(it->second) == 0)
      it = owners_.erase(it);
    else
      ++it;
  }
  job_owner_.assign(cfg.jobs.size(), 0);
  job_usage_.assign(cfg.jobs.size(), 0);
  job_owner_usage_.assign(cfg.jobs.size(), nullptr);
  job_slots_.assign(cfg.jobs.size(), 0);
  for (std::size_t j = 0; j < cfg.jobs.size(); ++j) {
    // An owner that was forgotten above ranks with usage 0 again, told
    // apart from other owners by name.
    auto& owner = owners_[cfg.jobs[j].owner];
    job_usage_[j] = usage_ms(owner);
    job_owner_usage_[j] = &owner;
    job_slots_[j] = slots_of(cfg.jobs[j]);
  }
  std::uint32_t rank = 0;
  std::map<std::string_view, std::uint32_t> rank_of;
  for (const auto& [name, owner] : owners_) rank_of[name] = rank++;
  for (std::size_t j = 0; j < cfg.jobs.size(); ++j)
    job_owner_[j] = rank_of[cfg.jobs[j].owner];
}

void fair_share_policy::started(std::span<const std::uint32_t> per_job) {
  // Until the next round counts them, the tasks just started hold their
  // slots too; an order the scheduler drops at commit is corrected then.
  for (std::size_t j = 0; j < per_job.size() && j < job_slots_.size(); ++j)
    job_owner_usage_[j]->running_slots += per_job[j] * job_slots_[j];
}

std::size_t fair_share_policy::schedule(std::vector<job_candidates>& jobs,
                                        task_placer& placer,
                                        std::mt19937_64&) const {
  struct ranked {
    double usage;
    std::uint32_t owner;
    job_candidates* job;
  };
  std::vector<ranked> order;
  order.reserve(jobs.size());
  for (auto& job : jobs) {
    const bool known = job.job < job_usage_.size();
    // A job the policy has not observed (no round yet) counts as unused and
    // as its own owner.
    order.push_back({known ? job_usage_[job.job] : 0.0,
                     known ? job_owner_[job.job]
                           : std::numeric_limits<std::uint32_t>::max() -
                                 static_cast<std::uint32_t>(job.job),
                     &job});
  }
  std::stable_sort(order.begin(), order.end(),
                   [](const ranked& a, const ranked& b) {
                     if (a.usage != b.usage) return a.usage < b.usage;
                     return a.owner < b.owner;
                   });
  std::size_t started = 0;
  for (std::size_t begin = 0; begin < order.size();) {
    // One group of owners with equal usage: they take turns, one start per
    // owner per cycle, each owner rotating over its jobs.
    std::size_t end = begin;
    while (end < order.size() && order[end].usage == order[begin].usage) ++end;
    std::vector<std::vector<job_candidates*>> owners;
    for (std::size_t i = begin; i < end; ++i) {
      if (i == begin || order[i].owner != order[i - 1].owner)
        owners.emplace_back();
      owners.back().push_back(order[i].job);
    }
    std::vector<std::size_t> next(owners.size(), 0);
    bool any_left = true;
    while (any_left) {
      any_left = false;
      for (std::size_t o = 0; o < owners.size(); ++o) {
        auto& list = owners[o];
        // The owner's next job that still has candidates starts one task;
        // blocked candidates are used up on the way, so cycles progress.
        for (std::size_t tried = 0; tried < list.size(); ++tried) {
          auto& job = *list[next[o]];
          next[o] = (next[o] + 1) % list.size();
          bool started_one = false;
          while (!job.exhausted()) {
            if (try_next(job, placer) == placement_outcome::started) {
              ++started;
              started_one = true;
              break;
            }
          }
          if (started_one) break;
        }
        for (auto* job : list) any_left = any_left || !job->exhausted();
      }
    }
    begin = end;
  }
  return started;
}

}  // namespace bistro
