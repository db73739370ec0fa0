// The narrow interface through which the monitor handlers that change
// something (change_handlers.hpp) act on the scheduler: each call applies
// one decision a handler made over the read view (monitor_view.hpp). The
// scheduler implements it over its own state (scheduler_monitor.cpp);
// tests record the calls.
//
// Thread contract: called during a handler's call, on the thread that owns
// the view's state (the scheduler's).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "actors/monitor/monitor_error.hpp"
#include "actors/rounds/resource_ledger.hpp"

namespace bistro {

class monitor_actions {
 public:
  virtual ~monitor_actions() = default;

  /// Forgives every task of these jobs (indexes into the view's config):
  /// failed and backed-off tasks may run at once. What changed goes to the
  /// store, and a round follows.
  virtual void forgive(const std::vector<std::size_t>& jobs) = 0;

  /// Sends live run `id`, whose worker is connected, its job's kill order.
  virtual void kill(std::uint64_t id) = 0;

  /// Drains `shard` (or undrains it, `drain` false) and keeps the drains on
  /// disk; a refusal when they cannot be kept (nothing changed then). When
  /// the shard's worker is connected (slot `w`), the rounds stop offering
  /// it (or offer it again).
  virtual monitor_check set_drained(const std::string& shard, bool drain,
                                    std::optional<worker_index> w) = 0;

  /// Adds to the operator's event log.
  virtual void record_event(std::string kind, std::string subject,
                            std::string message) = 0;
};

}  // namespace bistro
