// The scheduler's event log, for operators: workers that joined, changed
// health or were lost, configs loaded or rejected, kills asked for. A
// bounded ring: the newest `capacity` events are kept, each with a sequence
// number that only grows, so a reader polls for "what came after N" and
// learns when it fell behind (events it missed were dropped).
//
// Plain logic: no CAF, no clock (times are passed in). Not thread-safe: one
// owner (the scheduler actor) calls it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace bistro {

struct scheduler_event {
  /// 1, 2, 3, ... in the order added.
  std::uint64_t seq = 0;
  std::int64_t time_ms = 0;
  /// What happened: "worker_joined", "worker_health", "worker_lost",
  /// "config_loaded", "config_rejected", "kill", ...
  std::string kind;
  /// What it happened to: a worker's shard, a job, "JOB NODE", the file.
  std::string subject;
  std::string message;
};

class event_log {
 public:
  explicit event_log(std::size_t capacity = 1000);

  /// Appends an event; the oldest goes when the ring is full. Returns its
  /// sequence number.
  std::uint64_t add(std::int64_t time_ms, std::string kind, std::string subject,
                    std::string message);

  /// Events with a sequence number past `after_seq`, oldest first, at most
  /// `limit` of them (the newest ones when more are there); only of `kind`
  /// and `subject` when they are not empty.
  std::vector<const scheduler_event*> after(
      std::uint64_t after_seq, std::size_t limit, std::string_view kind = {},
      std::string_view subject = {}) const;

  /// The newest sequence number handed out (0 = none yet).
  std::uint64_t last_seq() const { return next_seq_ - 1; }
  /// The oldest sequence number still kept (last_seq() + 1 when empty).
  std::uint64_t first_seq() const { return next_seq_ - size_; }
  std::size_t size() const { return size_; }
  std::size_t capacity() const { return ring_.size(); }

 private:
  std::vector<scheduler_event> ring_;
  std::size_t next_ = 0;
  std::size_t size_ = 0;
  std::uint64_t next_seq_ = 1;
};

}  // namespace bistro
