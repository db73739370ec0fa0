#include "apps/shell/completion.hpp"

#include <catch2/catch.hpp>

using namespace bistro::shell;

namespace {

completion_names names() {
  return parse_names(parse_reply(R"({
    "jobs": {"data": {"scrape": {}, "sweep": {}, "other": {}}},
    "nodes": {"data": {"instance": ["host"], "db": ["db1", "db2"]}}})"));
}

using list = std::vector<std::string>;

}  // namespace

TEST_CASE("shell: the first word completes to command names") {
  CHECK(complete("", "jo", names()) == list{"job", "jobs"});
  CHECK(complete("", "ki", names()) == list{"kill"});
}

TEST_CASE("shell: job arguments complete to the scheduler's job names") {
  CHECK(complete("job ", "s", names()) == list{"scrape", "sweep"});
  CHECK(complete("forgive ", "o", names()) == list{"other"});
  CHECK(complete("tasks --job ", "sc", names()) == list{"scrape"});
}

TEST_CASE("shell: node arguments complete to node names, levels to levels") {
  CHECK(complete("kill scrape ", "db", names()) == list{"db1", "db2"});
  CHECK(complete("logs scrape db1 ", "st", names()) ==
        list{"statuses", "stderr", "stdout"});
  CHECK(complete("nodes ", "d", names()) == list{"db"});
  CHECK(complete("nodes db ", "h", names()) == list{"host"});
}

TEST_CASE("shell: options complete per command, nothing past the arguments") {
  CHECK(complete("tasks ", "--", names()) ==
        list{"--job", "--limit", "--state"});
  CHECK(complete("tasks --state ", "f", names()) == list{"failed"});
  CHECK(complete("kill scrape db1 ", "", names()).empty());
  CHECK(complete("status ", "", names()).empty());
}
