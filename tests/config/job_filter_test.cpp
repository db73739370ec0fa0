#include "config/job_filter.hpp"

#include <catch2/catch.hpp>

using namespace bistro;

namespace {

auto no_tags = [](std::string_view) { return false; };

job_filter compiled(job_filter f) {
  f.compile();
  return f;
}

}  // namespace

TEST_CASE("an empty filter passes every node") {
  job_filter f = compiled({});
  CHECK(f.empty());
  CHECK(f.passes("job", "anything", no_tags));
}

TEST_CASE("a whitelist passes only the listed nodes") {
  job_filter f;
  f.whitelist = {"a", "b"};
  f = compiled(f);
  CHECK(f.passes("j", "a", no_tags));
  CHECK_FALSE(f.passes("j", "c", no_tags));
}

TEST_CASE("a blacklist stops the listed nodes") {
  job_filter f;
  f.blacklist = {"a"};
  f = compiled(f);
  CHECK_FALSE(f.passes("j", "a", no_tags));
  CHECK(f.passes("j", "b", no_tags));
}

TEST_CASE("regex filters search anywhere in the node name") {
  job_filter f;
  f.whitelist_regex = "db[0-9]";
  f.blacklist_regex = "^bad";
  f = compiled(f);
  CHECK(f.passes("j", "host1.db1", no_tags));
  CHECK_FALSE(f.passes("j", "host1.dbx", no_tags));
  CHECK_FALSE(f.passes("j", "bad.db1", no_tags));
}

TEST_CASE("a tag whitelist needs one of its tags on the node") {
  job_filter f;
  f.tag_whitelist = {"daily", "hourly"};
  f = compiled(f);
  CHECK(f.passes("j", "n", [](std::string_view t) { return t == "hourly"; }));
  CHECK_FALSE(f.passes("j", "n", no_tags));
}

TEST_CASE("fraction_of_nodes picks a stable share that depends on the job") {
  job_filter f;
  f.fraction_of_nodes = 0.25;
  f = compiled(f);
  int passed = 0, same_for_other_job = 0;
  for (int i = 0; i < 10000; ++i) {
    auto node = "node" + std::to_string(i);
    bool a = f.passes("job_a", node, no_tags);
    passed += a;
    same_for_other_job += (a == f.passes("job_b", node, no_tags));
    CHECK(a == f.passes("job_a", node, no_tags));
  }
  CHECK(passed > 2300);
  CHECK(passed < 2700);
  CHECK(same_for_other_job < 9000);  // a different job, a different share
}
