// The `add_time` node source: time-stamped nodes from a schedule. Under
// every node of `parent_level` it adds one node per event time t of any
// `schedule` item with now - lifetime < t <= now, named by `format` (default
// "{parent}:{time}"). A node is enabled while now - t < enabled_lifetime
// (default: lifetime); items landing on the same t merge: their tags are
// united and any item that has disabled it disables it.
//
// Item cron, as in Bistro: {"epoch": T}, {"epoch": [T, ...]} or
// {"epoch": {"period": P = 1, "start": S = 0, "end": E}} for S + k*P
// (k >= 0, up to E); or Bistro's cron object {"minute": ..., "hour": ...,
// "dst_fixes": [...]} in the system time zone (json_cron.hpp). Also, beyond
// Bistro: a crontab string "m h dom mon dow" in UTC (crontab_schedule.hpp).
//
// Its actor ticks at `next_change_sec`: when an event comes, or a node's
// enabled_lifetime or lifetime runs out.
//
// Stateless: the time comes from the context, so tests set it. Safe from any
// thread. Plain logic: no CAF include.
#pragma once

#include "actors/nodes/node_source.hpp"

namespace bistro {

class add_time_node_source final : public node_source {
 public:
  std::optional<std::string> add_nodes(const node_source_context& ctx,
                                       const boost::json::object& prefs,
                                       node_tree_builder& tree) const override;
  /// The next event time, or the next time a node is disabled or leaves.
  std::optional<std::int64_t> next_change_sec(
      const node_source_context& ctx,
      const boost::json::object& prefs) const override;
};

}  // namespace bistro
