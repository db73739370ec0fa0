// The worker directory: the scheduler's one record of its workers. Each
// connected worker's slot by worker_index (handle, shard, host, port,
// remote or in-process, instance start, last ping, measured machine); the
// health of remote workers (worker_registry: NEW, HEALTHY, UNHEALTHY,
// MUST_DIE); the secret hash of every shard ever welcomed, which decides
// who may speak for a shard; the shards an operator drained; and the
// in-process workers that joined before the first config. The round
// engine's roster (actors/rounds/worker_roster.hpp) holds the usable
// workers' resources and follows the directory's decisions.
//
// Plain logic, time passed in: no actor system is needed to use it (the
// handles are CAF values). The scheduler actor owns one and only its
// thread touches it (scheduler_state.hpp).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "actors/protocol/protocol.hpp"
#include "actors/rounds/resource_ledger.hpp"
#include "actors/workers/worker_registry.hpp"

namespace bistro {

/// A worker the scheduler may send runs to.
struct worker_slot {
  worker_actor handle;
  std::string shard;
  std::string host;
  /// Names it as "host:port" in worker_resources_override (0 = none).
  std::int32_t port = 0;
  /// Remote workers are health-checked; the in-process one is not.
  bool remote = false;
  std::int64_t start_ms = 0;
  std::int64_t last_ping_ms = 0;
  /// What a remote worker measured of its machine (its hello).
  physical_report physical;
};

class worker_directory {
 public:
  using slots_type = std::vector<worker_slot>;

  explicit worker_directory(
      worker_timeouts timeouts = {},
      std::map<std::string, std::string> secret_hashes = {},
      std::set<std::string> drained = {})
      : health_(timeouts),
        secret_hashes_(std::move(secret_hashes)),
        drained_(std::move(drained)) {}

  // --- slots, by worker_index -------------------------------------------
  std::size_t size() const { return slots_.size(); }
  bool empty() const { return slots_.empty(); }
  worker_slot& operator[](worker_index w) { return slots_[w]; }
  const worker_slot& operator[](worker_index w) const { return slots_[w]; }
  slots_type::iterator begin() { return slots_.begin(); }
  slots_type::iterator end() { return slots_.end(); }
  slots_type::const_iterator begin() const { return slots_.begin(); }
  slots_type::const_iterator end() const { return slots_.end(); }
  /// Puts `slot` at index `w` (the round roster's index for it).
  void place(worker_index w, worker_slot slot);
  /// The connected worker of `shard` (its slot has a handle).
  std::optional<worker_index> index_of(const std::string& shard) const;

  // --- identity: who may speak for a shard -------------------------------
  struct identity {
    /// The shard was never welcomed (or its secret was not kept): trusted
    /// as Bistro trusts every worker.
    bool first_contact = false;
    /// The hello carried the secret of the shard's current worker.
    bool proven = false;
    /// The health registry's answer (accepted or why not; an instance it
    /// bumped).
    worker_registry::hello_result result;
    /// It may deliver results and keep runs of the shard.
    bool trusted() const { return first_contact || proven; }
  };
  /// A hello from `candidate` carrying `secret`, at `now_ms`.
  identity identify(const worker_record& candidate, const std::string& secret,
                    std::int64_t now_ms);
  /// The shard's secret is now the one whose hash this is (a new secret
  /// handed to a worker that could not prove the old one).
  void remember_secret(const std::string& shard, std::string hash);
  /// The hash of the shard's current secret ("" when none).
  std::string secret_hash(const std::string& shard) const;

  // --- health -----------------------------------------------------------
  worker_registry& health() { return health_; }
  const worker_registry& health() const { return health_; }

  // --- drains -----------------------------------------------------------
  bool drained(const std::string& shard) const {
    return drained_.count(shard) > 0;
  }
  const std::set<std::string>& drained_shards() const { return drained_; }
  /// Drains or undrains `shard`; true when that changed anything.
  bool set_drained(const std::string& shard, bool drain);
  /// A shard the scheduler has seen: connected, in the health registry, or
  /// drained ahead of its return.
  bool known(const std::string& shard) const;

  // --- in-process workers that came before the first config --------------
  void join_later(worker_actor worker, std::string shard, std::string host);
  std::vector<std::tuple<worker_actor, std::string, std::string>>
  take_early_joins();

 private:
  slots_type slots_;
  worker_registry health_;
  std::map<std::string, std::string> secret_hashes_;
  std::set<std::string> drained_;
  std::vector<std::tuple<worker_actor, std::string, std::string>> early_;
};

}  // namespace bistro
