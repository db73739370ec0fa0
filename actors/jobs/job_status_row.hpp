// One job's task statuses: a dense row indexed by (canonical) node id, with
// the job's backoff rules applied as statuses arrive.
//
// Each entry is a fixed 24 bytes (label, backoff step, flags, backoff
// deadline, last change); `data` and error messages, which most tasks lack,
// live in sparse side tables. Backoff deadlines also go into a min-heap with
// lazy deletion, so that the scheduler learns which nodes changed
// (`take_changes`: runnable or not, done or not) and when the next backoff
// ends without scanning a million nodes. The feed is also how a job's done
// tasks reach the jobs that depend on it, as batches
// (actors/rounds/job_round_side.hpp): no job reads another's row.
//
// Time is always a parameter (ms since the epoch); nothing here reads a
// clock. Not thread-safe, including the const members (they may drop stale
// heap entries): one owner, normally the job's actor. No CAF include.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "actors/jobs/task_status.hpp"
#include "actors/nodes/node_tree.hpp"
#include "config/backoff_settings.hpp"

namespace bistro {

class job_status_row {
 public:
  /// Bytes per node for a status without data or message.
  static constexpr std::size_t entry_bytes = 24;
  /// A task that asks for incomplete_backoff under `"backoff": ["fail"]`
  /// (no waits configured) waits this long, as in Bistro.
  static constexpr std::int32_t fallback_backoff_s = 60;

  explicit job_status_row(std::size_t num_nodes = 0);

  std::size_t size() const { return entries_.size(); }

  /// Grows (new nodes are never_started, hence runnable) or shrinks the row.
  void resize(std::size_t num_nodes);

  /// The task was started. Keeps the backoff step and the last data, and
  /// the status before the run as the record's `before_run`.
  void mark_running(node_id node, std::int64_t now_ms);
  /// mark_running for a start the round engine made itself: left out of
  /// the change feed, which would tell the engine only what it did (a
  /// start makes a task neither runnable nor done; a full round starts
  /// tens of thousands).
  void mark_started(node_id node, std::int64_t now_ms);

  /// Records how a run ended, applying `backoff`:
  /// - done: finished for good; incomplete: runnable at once, step reset;
  /// - error_backoff: the step advances and the task waits that step's value,
  ///   or becomes failed when the settings have no value left;
  /// - incomplete_backoff: waits the current step's value (the first if no
  ///   error yet) without advancing; failed: failed until forgiven;
  /// - running: as mark_running; never_started: runnable at once, keeps step;
  /// - was_not_running / worker_lost (synthetic, overwriteable): applied only
  ///   while the task is running, else ignored (see mark_worker_lost);
  /// - a value past the enum: error_backoff, "unknown status label N".
  /// A task's own statuses replace data and message; synthetic ones keep the
  /// data so that the next run still gets the last real `prev_status`.
  /// Matching the status to the current run is the caller's job.
  void apply(node_id node, const parsed_status& status, std::int64_t now_ms,
             const backoff_settings& backoff);

  /// The running task's worker was lost: an error that uses no retry and
  /// waits at least `min_wait_ms` (long enough for the lost process to be
  /// killed), else the current step's value. A real status arriving later
  /// replaces it. Returns false (and changes nothing) unless running.
  bool mark_worker_lost(node_id node, std::int64_t now_ms,
                        std::int64_t min_wait_ms,
                        const backoff_settings& backoff,
                        std::string message = "worker lost");

  /// Failed and backed-off tasks become runnable at once and the step
  /// resets. A worker_lost safety wait is kept: the lost process may still
  /// be running. Failed turns into error_backoff with no deadline.
  void forgive(node_id node);
  void forgive_all();

  /// Not running, done or failed, and not in backoff at `now_ms`.
  bool runnable_at(node_id node, std::int64_t now_ms) const;

  /// The end of the node's backoff, past or future; nullopt if none.
  std::optional<std::int64_t> backoff_until_ms(node_id node) const;
  status_label label(node_id node) const { return entries_[node].label; }
  std::uint16_t backoff_step(node_id node) const { return entries_[node].step; }
  /// The last data as JSON text, for `prev_status`; empty if none.
  std::string_view data(node_id node) const;
  std::string_view message(node_id node) const;
  /// Everything about one node, for rendering and persisting.
  status_record record(node_id node) const;
  /// Loads a persisted status (e.g. on restart), as is.
  void restore(node_id node, const status_record& record);

  /// Number of nodes with this label. O(1).
  std::size_t count(status_label label) const {
    return counts_[static_cast<std::size_t>(label)];
  }

  /// The earliest backoff deadline not yet reported by take_changes
  /// (it may already be past); nullopt if none. The scheduler's wake-up time.
  std::optional<std::int64_t> next_backoff_expiry_ms() const;

  /// One node whose status changed, as it stands at the take.
  struct change {
    node_id node = 0;
    /// runnable_at(node, now_ms) of the take.
    bool runnable = false;
    bool done = false;
  };
  /// Nodes whose status changed since the last call (a start, a result, a
  /// loss, forgive, restore, resize) or whose backoff ended by `now_ms`:
  /// each at most once, with whether it is runnable at `now_ms` and done.
  /// Costs O(changes), not O(nodes).
  std::vector<change> take_changes(std::int64_t now_ms);
  /// take_changes without the list, for a reader that is about to look at
  /// every node anyway (a scan after a reset).
  void skip_changes(std::int64_t now_ms);
  /// take_changes, keeping the nodes runnable at `now_ms`.
  std::vector<node_id> take_newly_runnable(std::int64_t now_ms);

  /// Approximate heap bytes held, for benchmarks and metrics.
  std::size_t memory_bytes() const;

 private:
  struct entry {
    std::int64_t backoff_until_ms = 0;  // 0 = none
    std::int64_t updated_ms = 0;
    std::uint16_t step = 0;
    status_label label = status_label::never_started;
    std::uint8_t flags = 0;
  };
  static_assert(sizeof(entry) == entry_bytes);
  static_assert(sizeof(entry) <= 32, "a status must stay small at 1M nodes");

  static constexpr std::uint8_t has_data_flag = 1;
  static constexpr std::uint8_t has_message_flag = 2;
  static constexpr std::uint8_t overwriteable_flag = 4;
  static constexpr std::uint8_t queued_flag = 8;  // in changed_

  struct deadline {
    std::int64_t at_ms;
    node_id node;
  };

  void set_label(entry& e, status_label label);
  void set_deadline(node_id node, std::int64_t until_ms);
  void set_text(std::unordered_map<node_id, std::string>& table, node_id node,
                std::uint8_t flag, std::string text);
  void queue_change(node_id node);
  bool heap_item_live(const deadline& d) const;
  void compact_heap();
  std::int64_t current_wait_ms(const entry& e,
                               const backoff_settings& backoff) const;

  std::vector<entry> entries_;
  std::array<std::size_t, num_status_labels> counts_{};
  std::unordered_map<node_id, std::string> data_;
  std::unordered_map<node_id, std::string> messages_;
  // Only for running nodes: the status before the run (`prev_status`).
  std::unordered_map<node_id, prior_status> before_run_;
  // Min-heap on at_ms; an item is stale once its node's deadline changed.
  mutable std::vector<deadline> heap_;
  std::size_t num_deadlines_ = 0;  // entries with backoff_until_ms != 0
  std::vector<node_id> changed_;   // changed since the take, queued_flag set
};

}  // namespace bistro
