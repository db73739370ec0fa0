// Which nodes a job does not run on, and why, as Bistro's monitor says it:
// walking up from the node, the first disabled node makes it "disabled",
// the first node the job's filter rejects makes it "avoided".
#include "actors/rounds/task_exclusions.hpp"

#include <catch2/catch.hpp>

#include "tests/support/scheduler_fixtures.hpp"

using namespace bistro;
using namespace bistro::testing;

namespace {

std::shared_ptr<const config> two_jobs(const std::string& filtered_body) {
  return make_config(bistro_settings(),
                     job("plain") + ", " + job("filtered", filtered_body));
}

std::size_t index_of(const config& cfg, const std::string& job) {
  std::size_t j = 0;
  while (cfg.jobs[j].name != job) ++j;
  return j;
}

std::string why(const task_exclusions& ex, const config& cfg,
                const node_tree& tree, const std::string& job,
                const std::string& node) {
  return std::string{to_string(ex.of(index_of(cfg, job), *tree.find(node)))};
}

}  // namespace

TEST_CASE("a node a job's filter rejects is avoided, a disabled one disabled") {
  auto cfg = two_jobs(R"("filters": {"db": {"blacklist": ["db12", "db21"]}})");
  auto tree = make_tree(*cfg, {{"host1", ""},
                               {"db11", "host1"},
                               {"db12", "host1"},
                               {"host2", ""},
                               {"db21", "host2", false},
                               {"db22", "host2"}});
  task_exclusions ex(*cfg, *tree);
  CHECK(why(ex, *cfg, *tree, "filtered", "db11") == "");
  CHECK(why(ex, *cfg, *tree, "filtered", "db12") == "avoided");
  // Disabled is checked before the filter on the same node.
  CHECK(why(ex, *cfg, *tree, "filtered", "db21") == "disabled");
  CHECK(why(ex, *cfg, *tree, "filtered", "db22") == "");
  CHECK(why(ex, *cfg, *tree, "plain", "db12") == "");
  CHECK(why(ex, *cfg, *tree, "plain", "db21") == "disabled");
}

TEST_CASE("the lowest failing node of the chain decides, as in Bistro") {
  // host1 is disabled, host2 is filtered out; db12 is filtered out below
  // the disabled host1, so it is avoided.
  auto cfg = two_jobs(R"("filters": {"db": {"blacklist": ["db12"]},)"
                      R"( "host": {"whitelist": ["host1"]}})");
  auto tree = make_tree(*cfg, {{"host1", "", false},
                               {"db11", "host1"},
                               {"db12", "host1"},
                               {"host2", ""},
                               {"db21", "host2"}});
  task_exclusions ex(*cfg, *tree);
  CHECK(why(ex, *cfg, *tree, "filtered", "db11") == "disabled");
  CHECK(why(ex, *cfg, *tree, "filtered", "db12") == "avoided");
  CHECK(why(ex, *cfg, *tree, "filtered", "db21") == "avoided");
  CHECK(ex.excluded(index_of(*cfg, "filtered")).size() == 3);
  // plain: host1's two dbs, disabled
  CHECK(ex.excluded(index_of(*cfg, "plain")).size() == 2);
}

TEST_CASE("a job with errors is excluded only by disabled nodes") {
  // make_config refuses job errors: parse it directly.
  auto parsed = parse_config(
      "{\"bistro_settings\": {" + bistro_settings() + "}, " +
          job("broken", R"("filters": {"db": {"whitelist": ["db11"]}},)"
                        R"( "priority": "high")") +
          "}",
      builtin_policy_catalog());
  REQUIRE(parsed.ok());
  auto cfg = parsed.value;
  REQUIRE_FALSE(cfg->jobs[0].errors.empty());
  auto tree = make_tree(*cfg, bistro_nodes());
  task_exclusions ex(*cfg, *tree);
  CHECK(ex.excluded(0).empty());
}

TEST_CASE("never-started tasks on excluded nodes are shown as the reason") {
  CHECK(shown_status(status_label::never_started, exclusion::avoided) ==
        "avoided");
  CHECK(shown_status(status_label::never_started, exclusion::disabled) ==
        "disabled");
  CHECK(shown_status(status_label::never_started, exclusion::none) ==
        "never_started");
  // A task that has a status keeps it (it ran before the filter changed).
  CHECK(shown_status(status_label::done, exclusion::avoided) == "done");

  auto cfg = two_jobs(R"("filters": {"db": {"whitelist": ["db11"]}})");
  auto tree = make_tree(*cfg, bistro_nodes());
  task_exclusions ex(*cfg, *tree);
  job_status_row row(tree->size());
  row.apply(*tree->find("db12"), parsed_status{status_label::done, "", ""}, 1,
            cfg->backoff);
  auto counted = count_excluded_unstarted(ex, index_of(*cfg, "filtered"), row);
  CHECK(counted.avoided == 2);  // db21, db22; db12 is done
  CHECK(counted.disabled == 0);
}

TEST_CASE("the cache is rebuilt for a new config or tree, not before") {
  auto cfg = two_jobs(R"("filters": {"db": {"whitelist": ["db11"]}})");
  auto tree = make_tree(*cfg, bistro_nodes());
  task_exclusions_cache cache;
  const auto* first = &cache.get(cfg, tree);
  const auto filtered = index_of(*cfg, "filtered");
  CHECK(first->excluded(filtered).size() == 3);
  CHECK(&cache.get(cfg, tree) == first);
  CHECK(cache.get(cfg, tree).excluded(filtered).size() == 3);
  auto fewer = make_tree(*cfg, {{"host1", ""}, {"db11", "host1"}});
  CHECK(cache.get(cfg, fewer).excluded(filtered).empty());
  auto wider = two_jobs(R"("filters": {"db": {"blacklist": ["db11"]}})");
  CHECK(cache.get(wider, tree).excluded(filtered).size() == 1);
}

TEST_CASE("with the round's eligibility the answers are the same") {
  auto cfg = two_jobs(R"("filters": {"db": {"blacklist": ["db12", "db22"]},)"
                      R"( "host": {"whitelist": ["host1", "host3"]}})");
  auto tree = make_tree(*cfg, {{"host1", "", false},
                               {"db11", "host1"},
                               {"db12", "host1"},
                               {"host2", ""},
                               {"db21", "host2"},
                               {"db22", "host2", false},
                               {"host3", ""},
                               {"db31", "host3"},
                               {"db32", "host3", false},
                               {"db33", "host3"}});
  task_eligibility eligibility(*cfg, *tree);
  task_exclusions with(*cfg, *tree, &eligibility);
  task_exclusions without(*cfg, *tree);
  for (std::size_t j = 0; j < cfg->jobs.size(); ++j) {
    INFO(cfg->jobs[j].name);
    CHECK(with.excluded(j) == without.excluded(j));
  }
  CHECK(why(with, *cfg, *tree, "filtered", "db12") == "avoided");
  CHECK(why(with, *cfg, *tree, "filtered", "db11") == "disabled");
  CHECK(why(with, *cfg, *tree, "filtered", "db21") == "avoided");
  CHECK(why(with, *cfg, *tree, "filtered", "db22") == "disabled");
  CHECK(why(with, *cfg, *tree, "filtered", "db32") == "disabled");
  CHECK(why(with, *cfg, *tree, "filtered", "db33") == "");
}
