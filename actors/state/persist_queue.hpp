// The persist queue: status changes on their way to the status store, the
// acknowledgements waiting for them to be on disk, and what the store said
// of its commits (how many statuses, how long, whether it is failing). Each
// job actor queues its own status changes and acknowledgements and sends
// the queue as one batch after each round (actors/jobs/job_actor.hpp); the
// scheduler keeps one for what the store reports of its commits: while the
// store fails, no new task may start (a run whose "running" status cannot
// be kept would be lost by a restart).
//
// Plain logic, no CAF: each owner's thread alone touches its queue.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "actors/store/status_store.hpp"

namespace bistro {

class persist_queue {
 public:
  /// Called with true once the statuses queued before it are on disk, with
  /// false when their commit failed.
  using ack = std::function<void(bool)>;

  struct batch {
    std::vector<stored_status> statuses;
    /// Acknowledgements to call with the commit's outcome, in the order
    /// they were queued.
    std::vector<ack> acks;
  };

  /// Queues a status for the next batch.
  void push(stored_status status) { statuses_.push_back(std::move(status)); }
  /// Queues an acknowledgement: called once everything queued so far (and
  /// with it) is on disk.
  void after(ack a) { acks_.push_back(std::move(a)); }
  bool empty() const { return statuses_.empty() && acks_.empty(); }
  std::size_t queued() const { return statuses_.size(); }
  /// The whole queue as one batch; the queue is empty after.
  batch take();

  /// The store committed `n` statuses in `seconds` (ok) or failed to
  /// commit (`seconds` spent trying). True when this ends a failure: the
  /// caller clears its error and may start tasks again.
  bool committed(bool ok, std::uint64_t n, double seconds);
  /// The last commit failed and none succeeded since.
  bool failing() const { return failing_; }

  std::uint64_t statuses_persisted() const { return persisted_; }
  std::uint64_t commits() const { return commits_; }
  double commit_seconds() const { return commit_seconds_; }

 private:
  std::vector<stored_status> statuses_;
  std::vector<ack> acks_;
  bool failing_ = false;
  std::uint64_t persisted_ = 0;
  std::uint64_t commits_ = 0;
  double commit_seconds_ = 0;
};

}  // namespace bistro
