#include "config/backoff_settings.hpp"

#include <catch2/catch.hpp>

#include "tests/support/config_builders.hpp"

using namespace bistro;
using bistro::testing::config_text;
using bistro::testing::parse_error;
using bistro::testing::parse_ok;

TEST_CASE("a backoff list ending in fail gives up after its last wait") {
  auto cfg = parse_ok(config_text(R"("backoff": [5, 15, 60])"));
  CHECK(cfg->backoff.wait_for_error(1) == 5);
  CHECK(cfg->backoff.wait_for_error(2) == 15);
  CHECK(cfg->backoff.wait_for_error(3) == 60);
  CHECK_FALSE(cfg->backoff.wait_for_error(4).has_value());
  CHECK(parse_ok(config_text(R"("backoff": [5, 15, 60, "fail"])"))->backoff ==
        cfg->backoff);
}

TEST_CASE("a backoff list ending in repeat keeps its last wait") {
  auto cfg = parse_ok(config_text(R"("backoff": [5, 15, "repeat"])"));
  CHECK(cfg->backoff.wait_for_error(2) == 15);
  CHECK(cfg->backoff.wait_for_error(3) == 15);
  CHECK(cfg->backoff.wait_for_error(100) == 15);
}

TEST_CASE("the default backoff is Bistro's") {
  auto b = backoff_settings::bistro_default();
  CHECK(b.seconds() == std::vector<std::int32_t>{15, 30, 60, 300, 900, 3600,
                                                 7200, 21600, 86400});
  CHECK(b.repeat());
}

TEST_CASE("fail alone means the first error fails the task") {
  auto cfg = parse_ok(config_text(R"("backoff": ["fail"])"));
  CHECK_FALSE(cfg->backoff.wait_for_error(1).has_value());
}

TEST_CASE("bad backoff lists are rejected with their position") {
  CHECK(parse_error(config_text(R"("backoff": [5, 5])")) ==
        "bistro_settings.backoff[1]: waits must be strictly increasing, got 5 "
        "after 5");
  CHECK(parse_error(config_text(R"("backoff": [0])")) ==
        "bistro_settings.backoff[0]: expected an integer in [1, 2147483647], "
        "got 0");
  CHECK(parse_error(config_text(R"("backoff": ["repeat"])")) ==
        "bistro_settings.backoff[0]: \"repeat\" needs a wait before it");
  CHECK(parse_error(config_text(R"("backoff": [1, "again"])")) ==
        "bistro_settings.backoff[1]: expected a number of seconds, \"repeat\" "
        "or \"fail\", got \"again\"");
  CHECK(parse_error(config_text(R"("backoff": [])")) ==
        "bistro_settings.backoff: must not be empty");
  CHECK(parse_error(config_text(R"("backoff": 5)")) ==
        "bistro_settings.backoff: expected an array, got 5");
}
