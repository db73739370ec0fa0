#include "actors/nodes/crontab_schedule.hpp"

#include <catch2/catch.hpp>

using namespace bistro;

namespace {

constexpr std::int64_t minute = 60, hour = 3600, day = 86400;
// 2024-01-01 00:00 UTC, a Monday.
constexpr std::int64_t jan1_2024 = 1704067200;

std::vector<std::int64_t> matches(const std::string& text, std::int64_t from,
                                  std::int64_t to) {
  auto parsed = parse_crontab(text);
  REQUIRE(parsed.error.empty());
  REQUIRE(parsed.schedule.has_value());
  return crontab_matches(*parsed.schedule, from, to);
}

std::string parse_error(const std::string& text) {
  auto parsed = parse_crontab(text);
  CHECK_FALSE(parsed.schedule.has_value());
  return parsed.error;
}

}  // namespace

TEST_CASE("A crontab matches minutes in the half-open window (from, to]") {
  const auto t0 = jan1_2024;
  CHECK(
      matches("* * * * *", t0, t0 + 3 * minute) ==
      std::vector<std::int64_t>{t0 + minute, t0 + 2 * minute, t0 + 3 * minute});
  CHECK(matches("* * * * *", t0 - 1, t0) == std::vector<std::int64_t>{t0});
  CHECK(matches("* * * * *", t0, t0 + 59).empty());
}

TEST_CASE("A crontab supports lists, ranges and steps in minutes and hours") {
  const auto t0 = jan1_2024;
  CHECK(matches("5,10 3 * * *", t0, t0 + day) ==
        std::vector<std::int64_t>{t0 + 3 * hour + 5 * minute,
                                  t0 + 3 * hour + 10 * minute});
  CHECK(matches("0 1-3 * * *", t0, t0 + day) ==
        std::vector<std::int64_t>{t0 + hour, t0 + 2 * hour, t0 + 3 * hour});
  CHECK(matches("*/20 0 * * *", t0 - 1, t0 + hour) ==
        std::vector<std::int64_t>{t0, t0 + 20 * minute, t0 + 40 * minute});
  CHECK(matches("10-30/10 0 * * *", t0, t0 + hour) ==
        std::vector<std::int64_t>{t0 + 10 * minute, t0 + 20 * minute,
                                  t0 + 30 * minute});
  CHECK(matches("50/5 0 * * *", t0, t0 + hour) ==
        std::vector<std::int64_t>{t0 + 50 * minute, t0 + 55 * minute});
}

TEST_CASE("A crontab restricts months and days of month") {
  // Noon on the 1st and 15th of February 2024.
  const auto feb1 = jan1_2024 + 31 * day;
  CHECK(
      matches("0 12 1,15 2 *", jan1_2024, jan1_2024 + 366 * day) ==
      std::vector<std::int64_t>{feb1 + 12 * hour, feb1 + 14 * day + 12 * hour});
}

TEST_CASE("A crontab day of week counts both 0 and 7 as Sunday") {
  // 2024-01-07 is the first Sunday.
  const auto sunday = jan1_2024 + 6 * day;
  CHECK(matches("0 0 * * 0", jan1_2024, jan1_2024 + 14 * day) ==
        std::vector<std::int64_t>{sunday, sunday + 7 * day});
  CHECK(matches("0 0 * * 7", jan1_2024, jan1_2024 + 14 * day) ==
        std::vector<std::int64_t>{sunday, sunday + 7 * day});
  // Friday to Sunday: Jan 5, 6, 7.
  CHECK(matches("0 0 * * 5-7", jan1_2024, jan1_2024 + 7 * day) ==
        std::vector<std::int64_t>{jan1_2024 + 4 * day, jan1_2024 + 5 * day,
                                  jan1_2024 + 6 * day});
}

TEST_CASE("A crontab with both day fields restricted matches either one") {
  // The 3rd of the month OR a Monday, over Jan 1-10 2024: Jan 1, 3, 8.
  CHECK(matches("0 0 3 * 1", jan1_2024 - 1, jan1_2024 + 10 * day) ==
        std::vector<std::int64_t>{jan1_2024, jan1_2024 + 2 * day,
                                  jan1_2024 + 7 * day});
  // With day of week '*', only the day of month counts.
  CHECK(matches("0 0 3 * *", jan1_2024 - 1, jan1_2024 + 10 * day) ==
        std::vector<std::int64_t>{jan1_2024 + 2 * day});
}

TEST_CASE("A crontab over a year skips whole days quickly and exactly") {
  // Every Feb 29 at 00:00 between 2023 and 2029: 2024 and 2028 only.
  const auto got = matches("0 0 29 2 *", 1672531200, 1861920000);
  CHECK(got == std::vector<std::int64_t>{1709164800, 1835395200});
}

TEST_CASE("Invalid crontabs are rejected with the field named") {
  CHECK_THAT(parse_error("* * * *"), Catch::Contains("needs 5 fields"));
  CHECK_THAT(parse_error("* * * * * *"), Catch::Contains("needs 5 fields"));
  CHECK_THAT(parse_error("60 * * * *"),
             Catch::Contains("minute field \"60\"") && Catch::Contains("0-59"));
  CHECK_THAT(parse_error("* 24 * * *"), Catch::Contains("hour field"));
  CHECK_THAT(parse_error("* * 0 * *"), Catch::Contains("day of month field"));
  CHECK_THAT(parse_error("* * * 13 *"), Catch::Contains("month field"));
  CHECK_THAT(parse_error("* * * * 8"), Catch::Contains("day of week field"));
  CHECK_THAT(parse_error("*/0 * * * *"), Catch::Contains("step"));
  CHECK_THAT(parse_error("5-1 * * * *"), Catch::Contains("range start"));
  CHECK_THAT(parse_error("a * * * *"), Catch::Contains("not a number"));
  CHECK_THAT(parse_error("1,,2 * * * *"), Catch::Contains("not a number"));
  CHECK_THAT(parse_error("1-x * * * *"), Catch::Contains("not a range"));
}
