#include "actors/nodes/crontab_schedule.hpp"

#include <array>
#include <charconv>

namespace bistro {

namespace {

struct field_spec {
  const char* name;
  int min;
  int max;
};

constexpr std::array<field_spec, 5> fields = {{{"minute", 0, 59},
                                               {"hour", 0, 23},
                                               {"day of month", 1, 31},
                                               {"month", 1, 12},
                                               {"day of week", 0, 7}}};

std::int64_t floor_div(std::int64_t a, std::int64_t b) {
  return a / b - ((a % b != 0) && ((a < 0) != (b < 0)));
}

std::optional<int> parse_number(std::string_view s) {
  int v = 0;
  auto r = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || r.ec != std::errc{} || r.ptr != s.data() + s.size()) {
    return std::nullopt;
  }
  return v;
}

// Parses one field into bits [min, max]; returns an error or "".
std::string parse_field(std::string_view text, const field_spec& spec,
                        std::vector<bool>& bits) {
  bits.assign(static_cast<std::size_t>(spec.max) + 1, false);
  const std::string where =
      std::string(spec.name) + " field \"" + std::string(text) + "\"";
  while (true) {
    const auto comma = text.find(',');
    std::string_view item = text.substr(0, comma);
    int lo = spec.min, hi = spec.max, step = 1;
    const auto slash = item.find('/');
    if (slash != std::string_view::npos) {
      const auto s = parse_number(item.substr(slash + 1));
      if (!s || *s <= 0) return where + ": step must be a positive number";
      step = *s;
      item = item.substr(0, slash);
    }
    if (item != "*") {
      const auto dash = item.find('-');
      const auto a = parse_number(item.substr(0, dash));
      if (!a) return where + ": \"" + std::string(item) + "\" is not a number";
      lo = *a;
      if (dash != std::string_view::npos) {
        const auto b = parse_number(item.substr(dash + 1));
        if (!b) {
          return where + ": \"" + std::string(item) + "\" is not a range";
        }
        hi = *b;
      } else if (slash == std::string_view::npos) {
        hi = lo;  // a lone number; "a/n" runs to the maximum
      }
      if (lo < spec.min || hi > spec.max) {
        return where + ": values must be in " + std::to_string(spec.min) + "-" +
               std::to_string(spec.max);
      }
      if (lo > hi) return where + ": range start exceeds its end";
    }
    for (int v = lo; v <= hi; v += step)
      bits[static_cast<std::size_t>(v)] = true;
    if (comma == std::string_view::npos) break;
    text = text.substr(comma + 1);
  }
  return {};
}

// Howard Hinnant's days_from_civil inverse: UTC day -> (year, month, day).
void civil_from_days(std::int64_t z, int& month, int& day) {
  z += 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  day = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  month = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
}

}  // namespace

bool crontab_schedule::matches_day(std::int64_t days_since_epoch) const {
  int month = 0, day = 0;
  civil_from_days(days_since_epoch, month, day);
  if (!months.test(static_cast<std::size_t>(month))) return false;
  // 1970-01-01 was a Thursday (4).
  const auto weekday =
      static_cast<std::size_t>(((days_since_epoch % 7) + 7 + 4) % 7);
  const bool dom = days_of_month.test(static_cast<std::size_t>(day));
  const bool dow = days_of_week.test(weekday);
  if (day_of_month_restricted && day_of_week_restricted) return dom || dow;
  return dom && dow;
}

crontab_parse_result parse_crontab(std::string_view text) {
  std::array<std::string_view, 5> parts;
  std::size_t count = 0;
  std::size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && (text[i] == ' ' || text[i] == '\t')) ++i;
    if (i == text.size()) break;
    const auto begin = i;
    while (i < text.size() && text[i] != ' ' && text[i] != '\t') ++i;
    if (count == parts.size()) {
      count = parts.size() + 1;
      break;
    }
    parts[count++] = text.substr(begin, i - begin);
  }
  const std::string where = "crontab \"" + std::string(text) + "\": ";
  if (count != parts.size()) {
    return {std::nullopt, where +
                              "needs 5 fields (minute hour day-of-month month "
                              "day-of-week)"};
  }
  crontab_schedule s;
  std::vector<bool> bits;
  for (std::size_t f = 0; f < fields.size(); ++f) {
    if (auto e = parse_field(parts[f], fields[f], bits); !e.empty()) {
      return {std::nullopt, where + e};
    }
    for (std::size_t v = 0; v < bits.size(); ++v) {
      if (!bits[v]) continue;
      switch (f) {
        case 0:
          s.minutes.set(v);
          break;
        case 1:
          s.hours.set(v);
          break;
        case 2:
          s.days_of_month.set(v);
          break;
        case 3:
          s.months.set(v);
          break;
        default:
          s.days_of_week.set(v % 7);
          break;
      }
    }
  }
  s.day_of_month_restricted = parts[2].front() != '*';
  s.day_of_week_restricted = parts[4].front() != '*';
  return {s, {}};
}

std::vector<std::int64_t> crontab_matches(const crontab_schedule& schedule,
                                          std::int64_t from, std::int64_t to,
                                          std::size_t limit) {
  std::vector<std::int64_t> out;
  if (to <= from) return out;
  constexpr std::int64_t day_sec = 86400;
  for (std::int64_t d = floor_div(from, day_sec); d <= floor_div(to, day_sec);
       ++d) {
    if (!schedule.matches_day(d)) continue;
    for (std::size_t h = 0; h < 24; ++h) {
      if (!schedule.hours.test(h)) continue;
      for (std::size_t m = 0; m < 60; ++m) {
        if (!schedule.minutes.test(m)) continue;
        const std::int64_t t = d * day_sec +
                               static_cast<std::int64_t>(h) * 3600 +
                               static_cast<std::int64_t>(m) * 60;
        if (t <= from || t > to) continue;
        out.push_back(t);
        if (out.size() > limit) return out;
      }
    }
  }
  return out;
}

}  // namespace bistro
