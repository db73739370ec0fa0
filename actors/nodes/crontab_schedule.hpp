// A 5-field crontab line ("m h dom mon dow", evaluated in UTC) and the
// minute timestamps it matches. Fields take `*`, numbers, lists `a,b`,
// ranges `a-b` and steps `*/n`, `a-b/n`, `a/n` (a up to the field's maximum).
// Day of week is 0-7, with both 0 and 7 meaning Sunday. As in Vixie cron,
// when both day of month and day of week are restricted (neither starts with
// `*`), a day matches if EITHER matches.
//
// An immutable value; safe to share between threads. Plain logic: no CAF
// include.
#pragma once

#include <bitset>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace bistro {

struct crontab_schedule {
  std::bitset<60> minutes;
  std::bitset<24> hours;
  std::bitset<32> days_of_month;  // bits 1..31
  std::bitset<13> months;         // bits 1..12
  std::bitset<7> days_of_week;    // 0 = Sunday
  bool day_of_month_restricted = false;
  bool day_of_week_restricted = false;

  /// Whether the UTC day `days_since_epoch` (0 = 1970-01-01) can match.
  bool matches_day(std::int64_t days_since_epoch) const;
};

/// Either a schedule or what was wrong with the text.
struct crontab_parse_result {
  std::optional<crontab_schedule> schedule;
  std::string error;
};

crontab_parse_result parse_crontab(std::string_view text);

/// The matching minute timestamps t (seconds since the epoch, multiples of
/// 60) with `from < t <= to`, ascending. Skips non-matching days whole, so
/// a window of years costs little. Stops after `limit + 1` results so that
/// callers can detect an oversized window.
std::vector<std::int64_t> crontab_matches(const crontab_schedule& schedule,
                                          std::int64_t from, std::int64_t to,
                                          std::size_t limit = 10'000'000);

}  // namespace bistro
