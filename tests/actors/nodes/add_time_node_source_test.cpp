#include "actors/nodes/add_time_node_source.hpp"

#include <catch2/catch.hpp>
#include <limits>
#include <set>

#include "tests/actors/nodes/node_test_support.hpp"

using namespace bistro;
using namespace bistro::test;

namespace {

node_tree_result add_time(std::int64_t now, const std::string& schedule,
                          const std::string& extra = "") {
  return build_nodes({"l1"},
                     {{"add_time", R"({"parent_level": "instance", )" + extra +
                                       R"("schedule": )" + schedule + "}"}},
                     now);
}

// "inst:T" for every node, with a '-' prefix on disabled ones.
std::vector<std::string> listing(const node_tree_result& r) {
  REQUIRE(r.errors.empty());
  std::vector<std::string> out;
  for (node_id n : r.tree->nodes_at_level(1)) {
    std::string entry = r.tree->enabled(n) ? "" : "-";
    entry += r.tree->name(n);
    out.push_back(std::move(entry));
  }
  return out;
}

using names = std::vector<std::string>;

}  // namespace

TEST_CASE("add_time keeps epoch events younger than their lifetime") {
  const std::string l3 =
      R"([{"lifetime": 3, "cron": {"epoch": {"period": 4}}}])";
  CHECK(listing(add_time(4, l3)) == names{"inst:4"});
  CHECK(listing(add_time(6, l3)) == names{"inst:4"});
  CHECK(listing(add_time(7, l3)).empty());
  CHECK(listing(add_time(8, l3)) == names{"inst:8"});
  const std::string l3p2 =
      R"([{"lifetime": 3, "cron": {"epoch": {"period": 2}}}])";
  CHECK(listing(add_time(6, l3p2)) == names{"inst:4", "inst:6"});
}

TEST_CASE("add_time epoch start and end bound the events") {
  const std::string offset =
      R"([{"lifetime": 8, "cron": {"epoch": {"period": 6, "start": 2}}}])";
  CHECK(listing(add_time(9, offset)) == names{"inst:2", "inst:8"});
  const std::string ended = R"([{"lifetime": 100, "cron": {"epoch":
      {"period": 10, "start": 0, "end": 30}}}])";
  CHECK(listing(add_time(55, ended)) ==
        names{"inst:0", "inst:10", "inst:20", "inst:30"});
}

TEST_CASE("add_time epoch times anywhere in int64 do not overflow") {
  auto epoch = [](const std::string& period, const std::string& start) {
    return R"([{"lifetime": 10, "cron": {"epoch": {"period": )" + period +
           R"(, "start": )" + start + "}}}]";
  };
  const std::string max = "9223372036854775807";
  const std::string min = "-9223372036854775808";
  // The next event after start would be past INT64_MAX.
  CHECK(listing(add_time(1'000'000'005, epoch(max, "1000000000"))) ==
        names{"inst:1000000000"});
  // lo - start is past INT64_MAX: stepped in uint64 from INT64_MIN.
  const std::int64_t tenth = 776'627'963'145'224'192;  // INT64_MIN + 10 * 1e18
  CHECK(listing(add_time(tenth + 5, epoch("1000000000000000000", min))) ==
        names{"inst:" + std::to_string(tenth)});
  // INT64_MIN is 192 mod 1000.
  CHECK(listing(add_time(1'700'000'192, epoch("1000", min))) ==
        names{"inst:1700000192"});
  // The first step at or past lo (INT64_MAX - 1) is past hi.
  CHECK(listing(add_time(1'700'000'000, epoch(max, min))).empty());
  // A start in the far future or past the end gives nothing.
  CHECK(listing(add_time(1'700'000'000, epoch("1", max))).empty());
  CHECK(listing(add_time(std::numeric_limits<std::int64_t>::max(),
                         epoch(max, max))) == names{"inst:" + max});
}

TEST_CASE("add_time disables nodes older than enabled_lifetime") {
  const std::string s = R"([{"lifetime": 720, "enabled_lifetime": 360,
                              "cron": {"epoch": {"period": 90}}}])";
  CHECK(listing(add_time(1000, s)) ==
        names{"-inst:360", "-inst:450", "-inst:540", "-inst:630", "inst:720",
              "inst:810", "inst:900", "inst:990"});
}

TEST_CASE("add_time merges items on one time: tags united, any disables") {
  auto r = add_time(30, R"([
      {"lifetime": 8, "tags": ["x"], "cron": {"epoch": {"period": 2}}},
      {"lifetime": 8, "enabled_lifetime": 2, "tags": ["y", "x"],
       "cron": {"epoch": {"period": 3}}}])");
  CHECK(listing(r) ==
        names{"-inst:24", "inst:26", "-inst:27", "inst:28", "inst:30"});
  const auto& t = *r.tree;
  auto tags = [&t](const char* name) {
    auto v = t.tags(*t.find(name));
    return std::set<std::string_view>(v.begin(), v.end());
  };
  CHECK(tags("inst:24") == std::set<std::string_view>{"x", "y"});
  CHECK(tags("inst:26") == std::set<std::string_view>{"x"});
  CHECK(tags("inst:27") == std::set<std::string_view>{"x", "y"});
  CHECK(tags("inst:30") == std::set<std::string_view>{"x", "y"});
  CHECK(t.tags(*t.find("inst:24")).size() == 2);  // no duplicate "x"
}

TEST_CASE("add_time evaluates crontab strings in UTC with its format") {
  constexpr std::int64_t jan1_2024 = 1704067200;  // a Monday, 00:00 UTC
  const std::int64_t now = jan1_2024 + 45 * 60;
  auto r = add_time(now,
                    R"([{"lifetime": 3600, "enabled_lifetime": 1800,
                         "cron": "*/30 * * * *"}])",
                    R"("format": "{time}@{parent}", )");
  CHECK(listing(r) == names{"-1704067200@inst", "1704069000@inst"});
}

TEST_CASE("add_time crontab weekdays over a week-long lifetime") {
  constexpr std::int64_t jan1_2024 = 1704067200;
  // 09:00 on weekdays 1-5, over the 7 days to Sunday Jan 7 23:59.
  auto r = add_time(jan1_2024 + 7 * 86400 - 60,
                    R"([{"lifetime": 604800, "cron": "0 9 * * 1-5"}])");
  names expected;
  for (int d = 0; d < 5; ++d) {
    expected.push_back("inst:" +
                       std::to_string(jan1_2024 + d * 86400 + 9 * 3600));
  }
  CHECK(listing(r) == expected);
}

TEST_CASE("add_time reports bad schedule items by index") {
  auto error_for = [](const std::string& schedule) {
    auto r = add_time(100, schedule);
    REQUIRE_FALSE(r.ok());
    REQUIRE(r.errors.size() == 1);
    return r.errors[0];
  };
  CHECK_THAT(error_for(R"([{"cron": {"epoch": {"period": 4}}}])"),
             Catch::Contains("schedule[0]: lifetime is required"));
  CHECK_THAT(error_for(R"([{"lifetime": 1, "cron": "* * * *"},
                           {"lifetime": 0, "cron": "* * * * *"}])"),
             Catch::Contains("schedule[0]: cron: crontab"));
  CHECK_THAT(error_for(R"([{"lifetime": 1, "cron": "* * * * *"},
                           {"lifetime": 0, "cron": "* * * * *"}])"),
             Catch::Contains("schedule[1]: lifetime must be > 0"));
  CHECK_THAT(
      error_for(R"([{"lifetime": 1, "cron": {"epoch": {"period": 0}}}])"),
      Catch::Contains("period must be > 0"));
  CHECK_THAT(error_for(R"([{"lifetime": 1, "cron": {"hour": 1}}])"),
             Catch::Contains("a \"minute\" selector is required"));
  CHECK_THAT(error_for(R"([{"lifetime": 1, "cron": "61 * * * *"}])"),
             Catch::Contains("minute field"));
  CHECK_THAT(error_for(R"([{"lifetime": 1, "tags": "x",
                            "cron": "* * * * *"}])"),
             Catch::Contains("tags must be a list"));
  CHECK_THAT(error_for(R"({"lifetime": 1})"),
             Catch::Contains("schedule must be a list"));
}

namespace {

std::optional<std::int64_t> next_change(std::int64_t now,
                                        const std::string& schedule) {
  auto cfg = make_node_config(
      {"l1"}, {{"add_time", R"({"parent_level": "instance", "schedule": )" +
                                schedule + "}"}});
  const node_source_context ctx{cfg, now, nullptr, nullptr, nullptr};
  return add_time_node_source{}.next_change_sec(ctx, cfg.node_sources[0].prefs);
}

}  // namespace

TEST_CASE("add_time's next change is the next event, disable or expiry") {
  // Events every 10 s, kept 25 s, enabled for 5 s.
  const std::string s = R"([{"lifetime": 25, "enabled_lifetime": 5,)"
                        R"( "cron": {"epoch": {"period": 10}}}])";
  // At 21: nodes 0, 10, 20; 20 is disabled at 25, 0 leaves at 25 too.
  CHECK(next_change(21, s) == 25);
  // At 26: nodes 10 and 20 (both disabled); 10 leaves at 35, 30 comes.
  CHECK(next_change(26, s) == 30);
  // A crontab item: the next minute it matches.
  CHECK(next_change(61, R"([{"lifetime": 1, "cron": "*/2 * * * *"}])") == 120);
  // An epoch that has ended, and wrong prefs: nothing to wake for.
  CHECK_FALSE(next_change(
      100,
      R"([{"lifetime": 1, "cron": {"epoch": {"period": 5, "end": 50}}}])"));
  CHECK_FALSE(next_change(100, R"([{"cron": "* * * * *"}])"));
}

TEST_CASE("add_time's nodes change exactly at its next change") {
  const std::string s = R"([{"lifetime": 25, "enabled_lifetime": 5,)"
                        R"( "cron": {"epoch": {"period": 10}}}])";
  for (std::int64_t now = 0; now < 100; ++now) {
    auto next = next_change(now, s);
    REQUIRE(next);
    INFO("now " << now << ", next " << *next);
    // Nothing changes before it; something does at it.
    for (std::int64_t t = now + 1; t < *next; ++t)
      CHECK(listing(add_time(t, s)) == listing(add_time(now, s)));
    CHECK(listing(add_time(*next, s)) != listing(add_time(now, s)));
  }
}
