// Node source prefs as Bistro's own configs write them: range_label with
// string values, add_time with Bistro's JSON cron items (standard and
// epoch), evaluated in the system time zone with its DST fixes.
#include <stdlib.h>
#include <time.h>

#include <catch2/catch.hpp>
#include <optional>
#include <string>

#include "actors/nodes/json_cron.hpp"
#include "tests/actors/nodes/node_test_support.hpp"

using namespace bistro;
using namespace bistro::test;

namespace {

// Sets TZ for one test and puts the old value back.
class time_zone {
 public:
  explicit time_zone(const char* tz) {
    if (const char* old = ::getenv("TZ")) old_ = old;
    ::setenv("TZ", tz, 1);
    ::tzset();
  }
  ~time_zone() {
    if (old_)
      ::setenv("TZ", old_->c_str(), 1);
    else
      ::unsetenv("TZ");
    ::tzset();
  }

 private:
  std::optional<std::string> old_;
};

// US Pacific rules, written out so that no zone database is needed.
constexpr const char* pacific = "PST8PDT,M3.2.0,M11.1.0";

std::vector<std::int64_t> matches(const std::string& cron, std::int64_t from,
                                  std::int64_t to) {
  auto parsed = parse_json_cron(boost::json::parse(cron).as_object());
  INFO(parsed.error);
  REQUIRE(parsed.cron);
  return json_cron_matches(*parsed.cron, from, to, 1000);
}

std::string cron_error(const std::string& cron) {
  auto parsed = parse_json_cron(boost::json::parse(cron).as_object());
  REQUIRE_FALSE(parsed.cron);
  return parsed.error;
}

std::vector<std::string> names_under_instance(const node_tree_result& r) {
  INFO((r.errors.empty() ? "" : r.errors[0]));
  REQUIRE(r.ok());
  return names_at(*r.tree, 1);
}

}  // namespace

TEST_CASE("range_label takes start and end and enabled as strings") {
  auto r = build_nodes(
      {"l1"}, {{"range_label", R"({"parent_level": "instance", "start": "1",
                                   "end": "3", "enabled": "false"})"}});
  CHECK(names_under_instance(r) ==
        std::vector<std::string>{"inst__1", "inst__2", "inst__3"});
  CHECK_FALSE(r.tree->enabled(*r.tree->find("inst__2")));
}

TEST_CASE("a Bistro cron item fires at its minute and hour in local time") {
  time_zone tz("UTC0");
  // 2013-03-05 00:00:00 UTC is 1362441600; every day at 10:30 and 20:30.
  const std::int64_t day = 1362441600;
  auto t = matches(
      R"({"hour": [10, 20], "minute": 30,
          "dst_fixes": ["skip", "repeat_use_only_early"]})",
      day - 1, day + 86400);
  CHECK(t == std::vector<std::int64_t>{day + 10 * 3600 + 1800,
                                       day + 20 * 3600 + 1800});
}

TEST_CASE("a Bistro cron item takes month and weekday names and ranges") {
  time_zone tz("UTC0");
  // March 2013: Tuesdays are the 5th, 12th, 19th and 26th.
  const std::int64_t march1 = 1362096000;
  auto t = matches(
      R"({"month": "MAR", "day_of_week": "Tuesday", "hour": 9,
          "minute": {"start": 0, "end": 59, "period": 30},
          "dst_fixes": ["unskip", "repeat_use_both"]})",
      march1, march1 + 31 * 86400);
  REQUIRE(t.size() == 8);
  CHECK(t[0] == march1 + 4 * 86400 + 9 * 3600);
  CHECK(t[1] == march1 + 4 * 86400 + 9 * 3600 + 1800);
  CHECK(t[7] == march1 + 25 * 86400 + 9 * 3600 + 1800);
  // day_of_month instead, with Bistro's weekday numbering (1 = Sunday).
  CHECK(matches(R"({"day_of_month": [1, 15], "hour": 0, "minute": 0,
                    "dst_fixes": ["skip", "repeat_use_both"]})",
                march1 - 1, march1 + 31 * 86400 - 1) ==
        std::vector<std::int64_t>{march1, march1 + 14 * 86400});
  CHECK(matches(R"({"day_of_week": 1, "hour": 0, "minute": 0,
                    "dst_fixes": ["skip", "repeat_use_both"]})",
                march1, march1 + 7 * 86400) ==
        std::vector<std::int64_t>{march1 + 2 * 86400});  // Sunday the 3rd
}

TEST_CASE("a DST skip fires nothing or 1 s before the jump with unskip") {
  time_zone tz(pacific);
  // 2013-03-10: at 10:00 UTC (1362909600) the clock jumps 02:00 -> 03:00.
  const std::int64_t jump = 1362909600;
  const std::string skip = R"({"hour": 2, "minute": 30,
      "dst_fixes": ["skip", "repeat_use_both"]})";
  const std::string unskip = R"({"hour": 2, "minute": 30,
      "dst_fixes": ["unskip", "repeat_use_both"]})";
  CHECK(matches(skip, jump - 3600, jump + 3600).empty());
  CHECK(matches(unskip, jump - 3600, jump + 3600) ==
        std::vector<std::int64_t>{jump - 1});
}

TEST_CASE("a DST repeat fires early or late or both as dst_fixes says") {
  time_zone tz(pacific);
  // 2013-11-03: 01:30 local happens at 08:30 UTC (PDT) and 09:30 (PST).
  const std::int64_t early = 1383467400, late = 1383471000;
  auto cron = [](const char* fix) {
    return std::string(R"({"hour": 1, "minute": 30, "dst_fixes": ["skip", ")") +
           fix + "\"]}";
  };
  CHECK(matches(cron("repeat_use_both"), early - 7200, late + 7200) ==
        std::vector<std::int64_t>{early, late});
  CHECK(matches(cron("repeat_use_only_early"), early - 7200, late + 7200) ==
        std::vector<std::int64_t>{early});
  CHECK(matches(cron("repeat_use_only_late"), early - 7200, late + 7200) ==
        std::vector<std::int64_t>{late});
}

TEST_CASE("a Bistro cron item is checked as Bistro checks it") {
  CHECK_THAT(cron_error(R"({"hour": 1, "dst_fixes": ["skip",
                            "repeat_use_both"]})"),
             Catch::Contains("\"minute\" selector is required"));
  CHECK_THAT(cron_error(R"({"minute": 0})"),
             Catch::Contains("cron.dst_fixes: required"));
  CHECK_THAT(cron_error(R"({"minute": 0, "dst_fixes": ["skip", "unskip"]})"),
             Catch::Contains("two fixes for the same case"));
  CHECK_THAT(cron_error(R"({"minute": 0, "dst_fixes": ["skip"]})"),
             Catch::Contains("missing the fix for repeated times"));
  CHECK_THAT(cron_error(R"({"minute": 0, "day_of_month": 1,
                            "day_of_week": 1,
                            "dst_fixes": ["skip", "repeat_use_both"]})"),
             Catch::Contains("cannot be used together"));
  CHECK_THAT(cron_error(R"({"minute": 60,
                            "dst_fixes": ["skip", "repeat_use_both"]})"),
             Catch::Contains("cron.minute: value 60 is outside [0, 59]"));
  CHECK_THAT(cron_error(R"({"minute": 0, "month": "smarch",
                            "dst_fixes": ["skip", "repeat_use_both"]})"),
             Catch::Contains("cron.month: unknown name \"smarch\""));
  CHECK_THAT(cron_error(R"({"minute": 0, "second": 1,
                            "dst_fixes": ["skip", "repeat_use_both"]})"),
             Catch::Contains("unknown key \"second\""));
}

TEST_CASE("add_time takes Bistro's cron object and epoch lists") {
  time_zone tz("UTC0");
  // now = 2013-03-05 10:45 UTC; hourly at :30 over the last 2 hours.
  const std::int64_t now = 1362441600 + 10 * 3600 + 2700;
  auto hourly = build_nodes(
      {"l1"}, {{"add_time", R"({"parent_level": "instance", "schedule": [
                  {"lifetime": 7200, "cron": {"minute": 30,
                   "dst_fixes": ["skip", "repeat_use_only_early"]}}]})"}},
      now);
  CHECK(names_under_instance(hourly) ==
        std::vector<std::string>{"inst:1362475800", "inst:1362479400"});
  auto listed = build_nodes(
      {"l1"}, {{"add_time", R"({"parent_level": "instance", "schedule": [
                  {"lifetime": 100, "cron": {"epoch": [950, 990, 10]}},
                  {"lifetime": 100, "cron": {"epoch": 999}}]})"}},
      1000);
  CHECK(names_under_instance(listed) ==
        std::vector<std::string>{"inst:950", "inst:990", "inst:999"});
}
