// `fair_share`: the jobs of the owner who used the least lately go first
// (Slurm's classic fair share with equal shares per owner: a user's
// priority falls with the resources their jobs consumed, so that light
// users get through before heavy ones). Usage is slot-seconds: each
// running task holds its job's resource amounts (summed over resources,
// at least 1) for as long as it runs; an owner's usage is the sum over
// their running tasks, kept over a sliding window of
// `scheduler_prefs.window_sec` [3600] seconds (Slurm decays usage by a
// half-life instead: a window forgets at once what is older). Owners with
// equal usage (new ones: 0) take turns one task at a time, and so do the
// jobs of one owner. Within a round usage does not change: a light owner
// may take every free slot, and pays for it in the next rounds.
//
// Stateful: `observe` charges each owner for what ran since the previous
// round (at the slots its tasks held then: those counted running at that
// round plus those it started), then `schedule` orders by the result and
// `started` notes what the round started. One instance per policy
// actor; not thread-safe. Time is the round's (`policy_round_facts`), so
// tests jump ahead. Plain logic: no CAF include.
#pragma once

#include <array>
#include <boost/json/object.hpp>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "actors/rounds/scheduler_policy.hpp"

namespace bistro {

struct fair_share_settings {
  std::int64_t window_sec = 3600;
  friend bool operator==(const fair_share_settings&,
                         const fair_share_settings&) = default;
};

/// `scheduler_prefs` for fair_share: {"window_sec": integer >= 1}; other
/// keys are errors. The error names the pref.
std::variant<fair_share_settings, std::string> read_fair_share_settings(
    const boost::json::object& prefs);

/// For the policy catalog: the error of read_fair_share_settings, if any.
std::optional<std::string> check_fair_share_prefs(
    const boost::json::object& prefs);

class fair_share_policy final : public stateful_policy {
 public:
  void observe(const policy_round_facts& round) override;
  void started(std::span<const std::uint32_t> per_job) override;
  std::size_t schedule(std::vector<job_candidates>& jobs, task_placer& placer,
                       std::mt19937_64& rng) const override;

  /// Slot-seconds `owner` used within the window that ends at the last
  /// observed round.
  double usage_sec(std::string_view owner) const;
  const fair_share_settings& settings() const { return settings_; }

  /// Time buckets per window: usage is exact to window_sec / buckets.
  static constexpr std::size_t buckets = 60;

 private:
  struct owner_usage {
    std::array<double, buckets> slot_ms{};
    /// Which bucket period each entry holds (-1 = none).
    std::array<std::int64_t, buckets> period{};
    /// Slots its tasks held when the last round began.
    double running_slots = 0;
    owner_usage() { period.fill(-1); }
  };

  std::int64_t bucket_ms() const;
  void charge(owner_usage& owner, std::int64_t from_ms, std::int64_t to_ms);
  double usage_ms(const owner_usage& owner) const;

  fair_share_settings settings_;
  std::map<std::string, owner_usage, std::less<>> owners_;
  std::optional<std::int64_t> last_ms_;
  // Per job (config::jobs order), as of the last observe: its owner's rank
  // in `owners_` order, that owner's usage, the owner itself (map nodes
  // stay put until the next observe) and the slots one of its tasks holds.
  std::vector<std::uint32_t> job_owner_;
  std::vector<double> job_usage_;
  std::vector<owner_usage*> job_owner_usage_;
  std::vector<double> job_slots_;
};

}  // namespace bistro
