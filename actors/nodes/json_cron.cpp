#include "actors/nodes/json_cron.hpp"

#include <time.h>

#include <algorithm>
#include <array>
#include <boost/json/serialize.hpp>
#include <cctype>
#include <string_view>

#include "config/lenient_value.hpp"

namespace bistro {

namespace json = boost::json;

namespace {

constexpr std::int64_t day_sec = 86400;

using name_parser = std::optional<std::int64_t> (*)(const std::string&);

std::optional<std::int64_t> month_number(const std::string& lower) {
  static const std::array<std::pair<const char*, const char*>, 12> names = {{
      {"jan", "january"},
      {"feb", "february"},
      {"mar", "march"},
      {"apr", "april"},
      {"may", "may"},
      {"jun", "june"},
      {"jul", "july"},
      {"aug", "august"},
      {"sep", "september"},
      {"oct", "october"},
      {"nov", "november"},
      {"dec", "december"},
  }};
  for (std::size_t i = 0; i < names.size(); ++i)
    if (lower == names[i].first || lower == names[i].second)
      return static_cast<std::int64_t>(i) + 1;
  return std::nullopt;
}

std::optional<std::int64_t> weekday_number(const std::string& lower) {
  static const std::array<std::pair<const char*, const char*>, 7> names = {{
      {"sun", "sunday"},
      {"mon", "monday"},
      {"tue", "tuesday"},
      {"wed", "wednesday"},
      {"thu", "thursday"},
      {"fri", "friday"},
      {"sat", "saturday"},
  }};
  for (std::size_t i = 0; i < names.size(); ++i)
    if (lower == names[i].first || lower == names[i].second)
      return static_cast<std::int64_t>(i) + 1;
  return std::nullopt;
}

// One selector value: an integer, or a name when the field has names.
std::optional<std::string> read_value(const json::value& v, std::int64_t min,
                                      std::int64_t max, name_parser names,
                                      std::int64_t& out) {
  if (v.is_int64() || v.is_uint64()) {
    auto n = lenient_integer(v);
    if (!n) return "value " + json::serialize(v) + " is too large";
    out = *n;
  } else if (v.is_string() && names) {
    std::string lower{v.get_string()};
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](unsigned char c) { return std::tolower(c); });
    auto n = names(lower);
    if (!n) return "unknown name " + json::serialize(v);
    out = *n;
  } else {
    return "expected an integer" + std::string(names ? " or a name" : "") +
           ", got " + json::serialize(v);
  }
  if (out < min || out > max)
    return "value " + std::to_string(out) + " is outside [" +
           std::to_string(min) + ", " + std::to_string(max) + "]";
  return std::nullopt;
}

std::optional<std::string> read_selector(const json::value* v, std::int64_t min,
                                         std::int64_t max, name_parser names,
                                         cron_selector& out) {
  out = cron_selector{{}, min, max, 1};
  if (v == nullptr) return std::nullopt;  // every value
  std::int64_t n = 0;
  if (v->is_array()) {
    // An empty list means every value (PHP writes {} as []).
    for (const auto& item : v->get_array()) {
      if (auto e = read_value(item, min, max, names, n)) return e;
      out.values.push_back(n);
    }
    std::sort(out.values.begin(), out.values.end());
    return std::nullopt;
  }
  if (v->is_object()) {
    for (const auto& [key, value] : v->get_object()) {
      if (key == "period") {
        auto p = lenient_integer(value);
        if (!p || *p < 1 || *p >= max - min)
          return "period must be an integer in [1, " +
                 std::to_string(max - min - 1) + "], got " +
                 json::serialize(value);
        out.period = *p;
      } else if (key == "start" || key == "end") {
        if (auto e = read_value(value, min, max, names, n))
          return std::string(key) + ": " + *e;
        (key == "start" ? out.start : out.end) = n;
      } else {
        return "unknown key \"" + std::string(key) +
               "\"; known: start, end, period";
      }
    }
    return std::nullopt;
  }
  if (auto e = read_value(*v, min, max, names, n)) return e;
  out.values.push_back(n);
  return std::nullopt;
}

std::int64_t floor_div(std::int64_t a, std::int64_t b) {
  return a / b - ((a % b != 0) && ((a < 0) != (b < 0)));
}

// UTC day number -> civil date (proleptic Gregorian).
void civil_from_days(std::int64_t z, std::int64_t& y, int& m, int& d) {
  z += 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<std::int64_t>(z - era * 146097);
  const std::int64_t yoe =
      (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const std::int64_t mp = (5 * doy + 2) / 153;
  d = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  m = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  y = yoe + era * 400 + (m <= 2);
}

// Seconds east of UTC in the system zone at instant t.
std::int64_t utc_offset(std::int64_t t) {
  time_t tt = static_cast<time_t>(t);
  struct tm local {};
  if (::localtime_r(&tt, &local) == nullptr) return 0;
  return local.tm_gmtoff;
}

// The instants whose local time reads `label` (seconds of a local date
// and time, counted as if it were UTC): none (a DST skip), one, or two (a
// DST repeat), ascending. `skip_end` gets the first instant after the
// skip when there is none.
std::vector<std::int64_t> instants_of_label(std::int64_t label,
                                            std::int64_t& skip_end) {
  // Offsets in force a day either side bracket every reading of label.
  const std::int64_t before = utc_offset(label - day_sec);
  const std::int64_t after = utc_offset(label + day_sec);
  std::vector<std::int64_t> out;
  for (std::int64_t off : {before, after}) {
    const std::int64_t t = label - off;
    if (utc_offset(t) == off &&
        std::find(out.begin(), out.end(), t) == out.end())
      out.push_back(t);
  }
  std::sort(out.begin(), out.end());
  if (out.empty() && after > before) {
    // The clock jumped from `before` to `after` somewhere in
    // [label - after, label - before]: find the first instant on `after`.
    std::int64_t lo = label - after, hi = label - before;
    while (lo < hi) {
      const std::int64_t mid = lo + (hi - lo) / 2;
      if (utc_offset(mid) == after)
        hi = mid;
      else
        lo = mid + 1;
    }
    skip_end = lo;
  }
  return out;
}

}  // namespace

bool cron_selector::matches(std::int64_t v) const {
  if (!values.empty())
    return std::binary_search(values.begin(), values.end(), v);
  return v >= start && v <= end && (v - start) % period == 0;
}

json_cron_parse_result parse_json_cron(const json::object& item) {
  json_cron c;
  auto fail = [](const std::string& key, const std::string& e) {
    return json_cron_parse_result{std::nullopt, "cron." + key + ": " + e};
  };
  for (const auto& [key, value] : item) {
    if (key != "year" && key != "month" && key != "day_of_month" &&
        key != "day_of_week" && key != "hour" && key != "minute" &&
        key != "dst_fixes")
      return {std::nullopt,
              "cron: unknown key \"" + std::string(key) +
                  "\"; known: epoch (alone), or minute, hour, day_of_month "
                  "or day_of_week, month, year, dst_fixes"};
  }
  if (!item.contains("minute"))
    return {std::nullopt, "cron: a \"minute\" selector is required"};
  if (item.contains("day_of_month") && item.contains("day_of_week"))
    return {std::nullopt,
            "cron: day_of_month and day_of_week cannot be used together"};
  struct field {
    const char* key;
    std::int64_t min, max;
    name_parser names;
    cron_selector* out;
  };
  cron_selector dow;
  for (const field& f : {field{"year", 1969, 9999, nullptr, &c.year},
                         field{"month", 1, 12, month_number, &c.month},
                         field{"day_of_month", 1, 31, nullptr, &c.day_of_month},
                         field{"day_of_week", 1, 7, weekday_number, &dow},
                         field{"hour", 0, 23, nullptr, &c.hour},
                         field{"minute", 0, 59, nullptr, &c.minute}}) {
    if (auto e = read_selector(item.if_contains(f.key), f.min, f.max, f.names,
                               *f.out))
      return fail(f.key, *e);
  }
  if (item.contains("day_of_week")) c.day_of_week = dow;

  const auto* fixes = item.if_contains("dst_fixes");
  if (fixes == nullptr || !fixes->is_array())
    return {std::nullopt,
            "cron.dst_fixes: required: a list of one of \"skip\", \"unskip\" "
            "and one of \"repeat_use_both\", \"repeat_use_only_early\", "
            "\"repeat_use_only_late\""};
  bool forward = false, rewind = false;
  for (const auto& fix : fixes->get_array()) {
    const std::string name =
        fix.is_string() ? std::string(fix.get_string()) : json::serialize(fix);
    bool* policy = nullptr;
    if (name == "skip" || name == "unskip") {
      policy = &forward;
      c.unskip = name == "unskip";
    } else if (name == "repeat_use_both" || name == "repeat_use_only_early" ||
               name == "repeat_use_only_late") {
      policy = &rewind;
      c.repeat_early = name != "repeat_use_only_late";
      c.repeat_late = name != "repeat_use_only_early";
    } else {
      return fail("dst_fixes", "unknown fix " + json::serialize(fix));
    }
    if (*policy) return fail("dst_fixes", "two fixes for the same case");
    *policy = true;
  }
  if (!forward || !rewind)
    return fail("dst_fixes",
                std::string("missing the fix for ") +
                    (!forward ? "skipped times (skip or unskip)"
                              : "repeated times (repeat_use_...)"));
  return {c, {}};
}

std::vector<std::int64_t> json_cron_matches(const json_cron& cron,
                                            std::int64_t from, std::int64_t to,
                                            std::size_t limit) {
  std::vector<std::int64_t> out;
  if (to <= from) return out;
  // Local days from 1969-01-01 to 9999-12-31 at most.
  constexpr std::int64_t first_day = -365, last_day = 2932896;
  const std::int64_t lo_day =
      std::max(first_day, floor_div(from + utc_offset(from), day_sec) - 1);
  const std::int64_t hi_day =
      std::min(last_day, floor_div(to + utc_offset(to), day_sec) + 1);
  for (std::int64_t day = lo_day; day <= hi_day; ++day) {
    std::int64_t y = 0;
    int m = 0, d = 0;
    civil_from_days(day, y, m, d);
    if (!cron.year.matches(y) || !cron.month.matches(m)) continue;
    if (cron.day_of_week) {
      if (!cron.day_of_week->matches(((day % 7) + 7 + 4) % 7 + 1)) continue;
    } else if (!cron.day_of_month.matches(d)) {
      continue;
    }
    for (std::int64_t h = 0; h < 24; ++h) {
      if (!cron.hour.matches(h)) continue;
      for (std::int64_t min = 0; min < 60; ++min) {
        if (!cron.minute.matches(min)) continue;
        std::int64_t skip_end = 0;
        auto times =
            instants_of_label(day * day_sec + h * 3600 + min * 60, skip_end);
        if (times.size() == 2) {
          if (!cron.repeat_late) times.pop_back();
          if (!cron.repeat_early) times.erase(times.begin());
        } else if (times.empty() && cron.unskip && skip_end != 0) {
          times.push_back(skip_end - 1);
        }
        for (auto t : times) {
          if (t <= from || t > to) continue;
          out.push_back(t);
          if (out.size() > limit) return out;
        }
      }
    }
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

}  // namespace bistro
