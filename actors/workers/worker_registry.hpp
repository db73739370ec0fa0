// The scheduler's registry of remote workers and their health, Bistro's
// state machine: NEW -> HEALTHY <-> UNHEALTHY -> MUST_DIE.
// - A worker is NEW until a healthcheck (the scheduler's ping) succeeds.
// - It is UNHEALTHY while its heartbeats are late (its period plus the
//   heartbeat grace) or its healthchecks fail (the last one that succeeded
//   was sent more than healthcheck period plus grace ago).
// - UNHEALTHY for `lose_unhealthy_worker_after`: MUST_DIE (lost). Its tasks
//   are then given up, with a safety backoff.
// One shard id, one worker: a second instance is refused while the first
// is NEW or HEALTHY, and bumps an UNHEALTHY one only when allowed. A
// reconnect is "welcome back" only for a hello that proved, with the
// worker's secret (worker_secret.hpp), that it comes from the same worker:
// a stranger repeating a worker's shard, host, pid and start time is a
// second instance, refused like any other. A new instance that proves the
// secret (the same worker after its suicide, or restarted on its data dir)
// replaces the old one at once, whatever the old one's health.
//
// Plain logic, time passed in; not thread-safe (the scheduler actor owns it).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace bistro {

/// Persisted in APIs and logs by name; values never renumbered.
enum class worker_health : std::uint8_t {
  new_worker = 0,
  healthy = 1,
  unhealthy = 2,
  must_die = 3,
};

const char* to_string(worker_health h);

/// The registry's clock settings, in ms.
struct worker_timeouts {
  std::int64_t heartbeat_grace_ms = 60000;
  std::int64_t healthcheck_period_ms = 60000;
  std::int64_t healthcheck_grace_ms = 60000;
  std::int64_t lose_unhealthy_worker_after_ms = 500000;
  bool allow_bump_unhealthy_worker = false;
};

/// The heartbeat periods a worker may ask for: its deadlines must stay
/// meaningful sums of int64 milliseconds.
inline constexpr std::int64_t min_heartbeat_period_ms = 1;
inline constexpr std::int64_t max_heartbeat_period_ms = 24 * 3600 * 1000;

struct worker_record {
  std::string shard;
  std::string host;
  std::int32_t pid = 0;
  /// With the shard, identifies one instance of a worker process.
  std::int64_t start_ms = 0;
  std::int64_t heartbeat_period_ms = 15000;
  worker_health health = worker_health::new_worker;
  std::int64_t registered_ms = 0;
  std::int64_t last_heartbeat_ms = 0;
  /// When the newest successful healthcheck was sent.
  std::optional<std::int64_t> last_good_healthcheck_ms;
  std::int64_t unhealthy_since_ms = 0;
  /// Heartbeats stopped arriving (see worker_registry::check_silence);
  /// then the heartbeat heard last before the silence.
  bool silent = false;
  std::int64_t heard_before_silence_ms = 0;
};

/// How long a worker may go without a heartbeat before it counts as
/// silent: one missed beat (two periods, at least a second past one).
/// Long before the heartbeat grace turns it UNHEALTHY, the log says so.
std::int64_t silence_after_ms(std::int64_t heartbeat_period_ms);

class worker_registry {
 public:
  explicit worker_registry(worker_timeouts timeouts) : timeouts_(timeouts) {}

  struct hello_result {
    bool accepted = false;
    std::string message;
    /// A previous instance of this shard that must now be given up.
    std::optional<worker_record> bumped;
  };
  /// Refuses, saying why, a heartbeat period outside [min, max]_heartbeat_
  /// period_ms or a shard id taken by another live instance. `proven`: the
  /// hello carried the secret of the shard's current worker; a new
  /// instance that proves it bumps the old one.
  hello_result hello(const worker_record& candidate, std::int64_t now_ms,
                     bool proven);

  /// False when this instance is unknown or lost: it must start over.
  bool heartbeat(const std::string& shard, std::int64_t start_ms,
                 std::int64_t now_ms);
  void healthcheck_ok(const std::string& shard, std::int64_t start_ms,
                      std::int64_t sent_ms);

  struct transition {
    std::string shard;
    worker_health from;
    worker_health to;
    /// Why it became UNHEALTHY ("no heartbeat for 75 s, ...").
    std::string why;
  };
  /// Moves every worker along the state machine at `now_ms`.
  std::vector<transition> check(std::int64_t now_ms);

  /// A worker whose heartbeats stopped, or came back after a silence.
  struct silence_change {
    std::string shard;
    /// True: stopped arriving; false: arriving again.
    bool silent = false;
    /// Stopped: since the last one; again: the length of the gap.
    std::int64_t gap_ms = 0;
  };
  /// Reports each change once: when a live worker's heartbeats have been
  /// missing for silence_after_ms, and when one arrives after that.
  std::vector<silence_change> check_silence(std::int64_t now_ms);

  const worker_record* find(const std::string& shard) const;
  /// Usable for new tasks: NEW or HEALTHY. (Bistro also starts tasks on
  /// NEW workers; a worker that never answers a ping soon turns UNHEALTHY.)
  bool usable(const std::string& shard) const;
  const std::map<std::string, worker_record>& all() const { return workers_; }
  const worker_timeouts& timeouts() const { return timeouts_; }

 private:
  worker_timeouts timeouts_;
  std::map<std::string, worker_record> workers_;
};

}  // namespace bistro
