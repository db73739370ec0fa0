// Which (job, node) pairs are candidates: levels and filters.
#include <algorithm>
#include <catch2/catch.hpp>

#include "tests/support/scheduler_fixtures.hpp"

using namespace bistro;
using namespace bistro::testing;

namespace {

// The nodes job1 starts on in one round, with room for everything.
std::vector<std::string> nodes_started(const std::string& job_body,
                                       std::vector<node_spec> nodes = {}) {
  auto cfg =
      make_config(R"("enabled": true, "nodes": {"levels": ["host", "db"],)"
                  R"( "node_order": "original", "node_source": "manual",)"
                  R"( "node_source_prefs": {}})",
                  job("job1", job_body));
  if (nodes.empty()) nodes = bistro_nodes();
  scheduler_harness h(cfg, make_tree(*cfg, nodes));
  std::vector<std::string> out;
  for (const auto& [j, n] : h.round()) out.push_back(n);
  std::sort(out.begin(), out.end());
  return out;
}

using names = std::vector<std::string>;

}  // namespace

TEST_CASE("A job runs on every node of its level_for_tasks") {
  CHECK(nodes_started("") == names{"db11", "db12", "db21", "db22"});
  CHECK(nodes_started(R"("level_for_tasks": "host")") ==
        names{"host1", "host2"});
  CHECK(nodes_started(R"("level_for_tasks": "instance")") == names{"instance"});
}

TEST_CASE("A whitelist keeps only the listed nodes") {
  CHECK(
      nodes_started(R"("filters": {"db": {"whitelist": ["db12", "db21"]}})") ==
      names{"db12", "db21"});
}

TEST_CASE("A blacklist drops the listed nodes") {
  CHECK(nodes_started(R"("filters": {"db": {"blacklist": ["db12"]}})") ==
        names{"db11", "db21", "db22"});
}

TEST_CASE("Regex filters match anywhere in the node name") {
  CHECK(nodes_started(R"("filters": {"db": {"whitelist_regex": "2$"}})") ==
        names{"db12", "db22"});
  CHECK(nodes_started(R"("filters": {"db": {"blacklist_regex": "b1"}})") ==
        names{"db21", "db22"});
}

TEST_CASE("A tag whitelist keeps nodes carrying one of the tags") {
  CHECK(nodes_started(R"("filters": {"db": {"tag_whitelist": ["ssd"]}})",
                      {{"host1", ""},
                       {"db11", "host1", true, {"ssd"}},
                       {"db12", "host1", true, {"hdd"}},
                       {"db13", "host1", true, {"hdd", "ssd"}}}) ==
        names{"db11", "db13"});
}

TEST_CASE("A fraction of nodes keeps the nodes its hash lets through") {
  std::vector<node_spec> nodes{{"host1", ""}};
  job_filter filter;
  filter.fraction_of_nodes = 0.5;
  filter.compile();
  names expected;
  for (int i = 0; i < 40; ++i) {
    std::string name = "db" + std::to_string(100 + i);
    nodes.push_back({name, "host1"});
    if (filter.passes_name("job1", name)) expected.push_back(name);
  }
  std::sort(expected.begin(), expected.end());
  auto started =
      nodes_started(R"("filters": {"db": {"fraction_of_nodes": 0.5}})", nodes);
  CHECK(started == expected);
  CHECK(started.size() > 5);
  CHECK(started.size() < 35);
}

TEST_CASE("A filter on an ancestor level applies to every node under it") {
  CHECK(nodes_started(R"("filters": {"host": {"whitelist": ["host2"]}})") ==
        names{"db21", "db22"});
}

TEST_CASE("A disabled job has no candidates") {
  CHECK(nodes_started(R"("enabled": false)").empty());
}
