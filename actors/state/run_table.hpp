// The run table: the scheduler's one record of who runs what. Every run the
// scheduler started or adopted and has not heard the end of, by run id; the
// runs a restart found stored as running, until the start-up wait settles
// them; the newest run of each task given up with its lost worker; the runs
// whose result was taken already; and the runs waiting for an orphan kill.
// It decides which result a peer may deliver for which run: the live run
// from the worker it went to, a restored or lost run from the shard that ran
// it, nothing else.
//
// Plain logic, no CAF: the scheduler actor owns one and only its thread
// touches it (scheduler_state.hpp).
#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "actors/rounds/resource_ledger.hpp"

namespace bistro {

/// One run the scheduler started and has not heard the end of.
struct run_info {
  std::string job;
  std::string node;
  worker_index worker = no_worker;
  std::int64_t start_ms = 0;
  /// Since when the run's job or node is gone or disabled.
  std::optional<std::int64_t> orphan_since_ms;
  bool kill_sent = false;
  /// What the run's cgroups use, as its worker's last heartbeat said
  /// (-1 = not measured), and when that heartbeat came (0 = never).
  std::int64_t memory_bytes = -1;
  std::int64_t cpu_time_ns = -1;
  std::int64_t usage_ms = 0;
  /// Since when the run is being killed (0 = it is not): from the kill
  /// order the scheduler sent (kill_task, kill_job, an orphan's kill), or
  /// from its worker's heartbeat (the worker stopping). Shown as
  /// "killing" until the run's end arrives.
  std::int64_t killing_since_ms = 0;
};

/// A run that was going on when the scheduler last stopped, as its store
/// kept it.
struct restored_run {
  std::string job;
  std::string node;
  std::string shard;
  std::int64_t start_ms = 0;
};

/// The key of a task (job, node) in lookups by name.
inline std::string task_name_key(const std::string& job,
                                 const std::string& node) {
  return job + '\n' + node;
}

class run_table {
 public:
  using map_type = std::unordered_map<std::uint64_t, run_info>;
  using iterator = map_type::iterator;
  using const_iterator = map_type::const_iterator;

  /// How many taken results are remembered (the oldest are forgotten).
  static constexpr std::size_t default_taken_capacity = 65536;

  explicit run_table(std::size_t taken_capacity = default_taken_capacity)
      : taken_capacity_(taken_capacity) {}

  // --- live runs (read like a map) --------------------------------------
  iterator begin() { return live_.begin(); }
  iterator end() { return live_.end(); }
  const_iterator begin() const { return live_.begin(); }
  const_iterator end() const { return live_.end(); }
  iterator find(std::uint64_t id) { return live_.find(id); }
  const_iterator find(std::uint64_t id) const { return live_.find(id); }
  std::size_t size() const { return live_.size(); }
  bool empty() const { return live_.empty(); }
  std::size_t count(std::uint64_t id) const { return live_.count(id); }
  run_info& at(std::uint64_t id) { return live_.at(id); }

  /// Run ids only grow, also across restarts: the first id of this
  /// scheduler (its start in ms since the epoch, times 1024).
  void set_next_id(std::uint64_t id) { next_id_ = id; }
  std::uint64_t next_id() const { return next_id_; }

  /// A new run: its id, the next one. The task's run given up with a lost
  /// worker no longer counts (the task runs again).
  std::pair<std::uint64_t, run_info*> start(run_info run);
  /// Ids for `n` runs that may start: consecutive, the first returned. An
  /// id not started is never used.
  std::uint64_t reserve(std::size_t n) {
    auto first = next_id_;
    next_id_ += n;
    return first;
  }
  /// start, under an id `reserve` gave.
  run_info* start_reserved(std::uint64_t id, run_info run);
  /// A run a worker reports that the table did not have (after a restart):
  /// kept under its own id; new ids stay above it.
  run_info& adopt(std::uint64_t id, run_info run);
  /// The run `id` ended and its result was taken: removed, remembered as
  /// taken. Precondition: `it` is a live run's iterator.
  run_info finish(iterator it);
  /// Every live run of worker `w` is given up with it: removed, each kept
  /// as its task's lost run (a result `shard` still delivers for it counts
  /// while the task has not run again). Calls `each(id, run)` first.
  template <class F>
  std::size_t lose_worker(worker_index w, const std::string& shard, F each) {
    std::size_t n = 0;
    for (auto it = live_.begin(); it != live_.end();) {
      if (it->second.worker != w) {
        ++it;
        continue;
      }
      each(it->first, it->second);
      lost_[task_name_key(it->second.job, it->second.node)] = {it->first,
                                                               shard};
      it = live_.erase(it);
      ++n;
    }
    return n;
  }
  /// The tasks (task_name_key) of every live run, for lookups by name when
  /// many runs are checked at once.
  std::unordered_set<std::string> busy_tasks() const;

  // --- results ----------------------------------------------------------
  /// Who may deliver the result of a run the table no longer tracks.
  enum class late_result {
    none,      ///< nobody: an unknown run, or another shard's
    restored,  ///< it went on while the scheduler was down
    lost,      ///< it went on after its worker was given up
  };
  /// Claims the result of untracked run `id` (job, node) from `shard`: a
  /// restored run of that shard, or the task's lost run of that shard, is
  /// claimed once (and forgotten); anything else is `none`.
  late_result claim_late(std::uint64_t id, const std::string& job,
                         const std::string& node, const std::string& shard);
  /// Remembers that run `id`'s result was taken (at most the capacity).
  void note_taken(std::uint64_t id);
  /// Whether run `id`'s result was taken already (a repeat, not unknown).
  bool taken(std::uint64_t id) const { return taken_.count(id) > 0; }

  // --- after a restart --------------------------------------------------
  /// A task stored as running: `run` (its id nonzero) may still deliver.
  void restore(const std::string& job, const std::string& node,
               std::uint64_t id, restored_run run);
  /// Run `id` was stored as running: its record, removed (a worker reported
  /// it). Empty when it was not.
  std::optional<restored_run> take_restored(std::uint64_t id);
  /// The tasks stored as running that nobody has reported yet.
  const std::vector<std::pair<std::string, std::string>>& unconfirmed() const {
    return unconfirmed_;
  }
  /// The start-up wait is over: restored runs no longer count.
  void settle();

  // --- orphans ----------------------------------------------------------
  /// Runs whose job or node is gone or disabled, waiting for their kill
  /// (found after each new config or tree).
  std::vector<std::uint64_t>& orphans() { return orphans_; }

 private:
  map_type live_;
  std::uint64_t next_id_ = 0;
  std::unordered_map<std::uint64_t, restored_run> restored_;
  std::vector<std::pair<std::string, std::string>> unconfirmed_;
  /// By task_name_key: (run id, shard).
  std::unordered_map<std::string, std::pair<std::uint64_t, std::string>> lost_;
  std::unordered_set<std::uint64_t> taken_;
  std::deque<std::uint64_t> taken_order_;
  std::size_t taken_capacity_;
  std::vector<std::uint64_t> orphans_;
};

}  // namespace bistro
