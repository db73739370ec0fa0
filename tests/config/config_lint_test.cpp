// Mistakes Bistro accepts without a word, which must now be warnings: a
// depends_on cycle (its jobs never run) and a job key written twice (the
// last one silently wins). The config still loads in both cases.
#include "config/config_lint.hpp"

#include <catch2/catch.hpp>

#include "config/config.hpp"
#include "tests/support/config_builders.hpp"

using namespace bistro;
using bistro::testing::config_text;
using bistro::testing::parse_ok;

namespace {

std::string job(const std::string& name, const std::string& deps) {
  return "\"bistro_job->" + name + R"(": {"owner": "o", "depends_on": [)" +
         deps + "]}";
}

const job_config& find(const config& cfg, const std::string& name) {
  const auto* j = cfg.find_job(name);
  REQUIRE(j != nullptr);
  return *j;
}

}  // namespace

TEST_CASE("a two-job depends_on cycle is a warning naming both jobs") {
  auto cfg =
      parse_ok(config_text("", job("a", R"("b")") + ", " + job("b", R"("a")") +
                                   ", " + job("free", "")));
  REQUIRE(cfg->warnings.size() == 1);
  CHECK(cfg->warnings[0] ==
        "bistro_job->a.depends_on: depends_on cycle a -> b -> a; jobs a, b "
        "never run");
  CHECK(find(*cfg, "a").blocked ==
        "blocked by the depends_on cycle a -> b -> a");
  CHECK(find(*cfg, "b").blocked ==
        "blocked by the depends_on cycle a -> b -> a");
  CHECK(find(*cfg, "free").blocked.empty());
  CHECK(find(*cfg, "a").errors.empty());  // accepted, as Bistro does
}

TEST_CASE("a three-job cycle is named in order, and its waiters are blocked") {
  auto cfg = parse_ok(config_text(
      "", job("x", R"("y")") + ", " + job("y", R"("z")") + ", " +
              job("z", R"("x")") + ", " + job("waiter", R"("z", "free")") +
              ", " + job("free", "")));
  REQUIRE(cfg->warnings.size() == 1);
  CHECK(cfg->warnings[0] ==
        "bistro_job->x.depends_on: depends_on cycle x -> y -> z -> x; jobs x, "
        "y, z never run");
  for (const char* name : {"x", "y", "z"})
    CHECK(find(*cfg, name).blocked ==
          "blocked by the depends_on cycle x -> y -> z -> x");
  CHECK(find(*cfg, "waiter").blocked ==
        "blocked: depends on job z, which never runs (depends_on cycle x -> "
        "y -> z -> x)");
  CHECK(find(*cfg, "free").blocked.empty());
}

TEST_CASE("a job that depends on itself is a one-job cycle") {
  auto cfg = parse_ok(config_text("", job("self", R"("self")")));
  REQUIRE(cfg->warnings.size() == 1);
  CHECK(cfg->warnings[0] ==
        "bistro_job->self.depends_on: depends_on cycle self -> self; jobs "
        "self never run");
}

TEST_CASE("a chain without a cycle is not a warning") {
  auto cfg =
      parse_ok(config_text("", job("a", R"("b")") + ", " + job("b", R"("c")") +
                                   ", " + job("c", "")));
  CHECK(cfg->warnings.empty());
  for (const auto& j : cfg->jobs) CHECK(j.blocked.empty());
}

TEST_CASE("a long dependency chain is checked without deep recursion") {
  std::string jobs;
  const int n = 100000;
  for (int i = 0; i < n; ++i) {
    if (i) jobs += ", ";
    jobs += job("j" + std::to_string(i),
                "\"j" + std::to_string((i + 1) % n) + "\"");
  }
  auto cfg = parse_ok(config_text("", jobs));
  REQUIRE(cfg->warnings.size() == 1);
  CHECK_THAT(cfg->warnings[0],
             Catch::Contains("depends_on cycle j0 -> j1 -> j2 -> j3 -> j4 -> "
                             "j5 -> j6 -> j7 -> ... (100000 jobs) -> j0") &&
                 Catch::Contains("jobs j0, j1, j10, ") &&
                 Catch::EndsWith(" and 99980 more never run"));
}

TEST_CASE("a job key written twice is a warning and the last one wins") {
  auto cfg =
      parse_ok(config_text("", R"("bistro_job->dup": {"owner": "first"}, )"
                               R"("bistro_job->other": {"owner": "o"}, )"
                               R"("bistro_job->dup": {"owner": "second"})"));
  REQUIRE(cfg->warnings.size() == 1);
  CHECK(cfg->warnings[0] ==
        "bistro_job->dup: the key is written 2 times; only the last one is "
        "used");
  CHECK(find(*cfg, "dup").owner == "second");
  CHECK(cfg->jobs.size() == 2);
}

TEST_CASE("keys repeated inside a job or split across parts are handled") {
  // Only top-level keys count; a long key arrives in parts when the text is
  // written in pieces, here it is one buffer.
  const std::string long_name(5000, 'k');
  auto dups = duplicate_top_level_keys(
      R"({"a": {"x": 1, "x": 2}, "bistro_job->)" + long_name +
      R"(": 1, "bistro_job->)" + long_name + R"(": 2, "b": [{"a": 1}]})");
  REQUIRE(dups.size() == 1);
  CHECK(dups[0].key == "bistro_job->" + long_name);
  CHECK(dups[0].times == 2);
  CHECK(duplicate_top_level_keys("{not json").empty());
}
