// Bistro's standard cron item, written as a JSON object (the `cron` of an
// add_time schedule item): selectors `minute` (required), `hour`,
// `day_of_month` or `day_of_week` (not both), `month`, `year`, and the
// required `dst_fixes` pair. A selector is a value, a list of values, or a
// range {"start", "end", "period"} (each optional). Months and weekdays may
// be English names ("jan", "Sunday"); weekdays count 1 = Sunday .. 7.
//
// As in Bistro, the item is evaluated in the system time zone, and
// `dst_fixes` says what happens around daylight-saving changes: "skip" or
// "unskip" (fire 1 s before the clock jumps) for labels that do not exist,
// "repeat_use_both", "repeat_use_only_early" or "repeat_use_only_late" for
// labels that happen twice.
//
// An immutable value, safe to share; matching calls localtime_r, which is
// thread-safe. Plain logic: no CAF include.
#pragma once

#include <boost/json/object.hpp>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace bistro {

/// One selector over [min, max]: either listed values or a strided range.
struct cron_selector {
  std::vector<std::int64_t> values;  // when not empty, only these match
  std::int64_t start = 0;
  std::int64_t end = 0;
  std::int64_t period = 1;
  bool matches(std::int64_t v) const;
};

struct json_cron {
  cron_selector year, month, day_of_month, hour, minute;
  std::optional<cron_selector> day_of_week;  // 1 = Sunday
  bool unskip = false;
  bool repeat_early = false;
  bool repeat_late = false;
};

struct json_cron_parse_result {
  std::optional<json_cron> cron;
  std::string error;  // names the key that was wrong
};

json_cron_parse_result parse_json_cron(const boost::json::object& item);

/// The event times t with `from < t <= to` (seconds since the epoch),
/// ascending; stops after `limit + 1` so that callers can see an oversized
/// window. Years outside 1969-9999 never match.
std::vector<std::int64_t> json_cron_matches(const json_cron& cron,
                                            std::int64_t from, std::int64_t to,
                                            std::size_t limit);

}  // namespace bistro
