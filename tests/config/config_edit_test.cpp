// save_job / delete_job's file rewrite: checked before it is written, the
// previous file kept, and nothing changed when the result would not load.
#include "config/config_edit.hpp"

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "actors/policies/builtin_policies.hpp"
#include "config/config.hpp"
#include "tests/support/e2e_support.hpp"

using namespace bistro;

namespace {

std::string read(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

const char* base_config = R"({"bistro_settings": {"enabled": true,
  "nodes": {"levels": ["db"], "node_sources": [{"source": "manual",
  "prefs": {"d1": []}}]}, "resources": {}},
  "bistro_job->old": {"owner": "a"}})";

}  // namespace

TEST_CASE("save_job adds a job, keeps the previous file as .bak") {
  bistro::testing::temp_dir dir;
  auto path = (dir.path / "config.json").string();
  std::ofstream(path) << base_config;
  REQUIRE_FALSE(edit_config_job(path, "new", R"({"owner": "b"})",
                                builtin_policy_catalog()));
  auto loaded = load_config_file(path, builtin_policy_catalog());
  REQUIRE(loaded.ok());
  CHECK(loaded.value->find_job("new") != nullptr);
  CHECK(loaded.value->find_job("old") != nullptr);
  CHECK(read(path + ".bak") == base_config);

  REQUIRE_FALSE(edit_config_job(path, "old", "", builtin_policy_catalog()));
  loaded = load_config_file(path, builtin_policy_catalog());
  REQUIRE(loaded.ok());
  CHECK(loaded.value->find_job("old") == nullptr);
  CHECK(edit_config_job(path, "old", "", builtin_policy_catalog()) ==
        "unknown job old");
}

TEST_CASE("a delete of a job the file lacks says so in the report") {
  bistro::testing::temp_dir dir;
  auto path = (dir.path / "config.json").string();
  std::ofstream(path) << base_config;
  config_edit_report missing;
  CHECK(edit_config_job(path, "nope", "", builtin_policy_catalog(),
                        default_config_max_bytes, 0,
                        &missing) == "unknown job nope");
  CHECK(missing.job_missing);
  // Another refusal is not a missing job.
  config_edit_report invalid;
  CHECK(edit_config_job(path, "j", "[1]", builtin_policy_catalog(),
                        default_config_max_bytes, 0, &invalid));
  CHECK_FALSE(invalid.job_missing);
}

TEST_CASE("save_job refuses what would not load and changes nothing") {
  bistro::testing::temp_dir dir;
  auto path = (dir.path / "config.json").string();
  std::ofstream(path) << base_config;
  CHECK(edit_config_job(path, "j", R"({"owner": true})",
                        builtin_policy_catalog()) ==
        "bistro_job->j.owner: expected a string, got true");
  CHECK(edit_config_job(path, "j", "[1]", builtin_policy_catalog()) ==
        "job j: expected a JSON object");
  CHECK(edit_config_job(path, "j", "{nope", builtin_policy_catalog()) ==
        "job j: not JSON: syntax error");
  CHECK(edit_config_job(path, "../x", "{}", builtin_policy_catalog())
            ->starts_with("job ../x: "));
  CHECK(read(path) == base_config);
  std::ofstream(path) << "{broken";
  CHECK(edit_config_job(path, "j", R"({"owner": "b"})",
                        builtin_policy_catalog()) ==
        path + ": the file on disk is not a JSON object; fix it first");
}

TEST_CASE("save_job writes the file pretty-printed, keys in their order") {
  bistro::testing::temp_dir dir;
  auto path = (dir.path / "config.json").string();
  std::ofstream(path) << R"({"bistro_settings": {"enabled": true,
    "idle_wait": 1.0, "working_wait": 0.05,
    "nodes": {"levels": ["db"], "node_sources": [{"source": "manual",
    "prefs": {"d1": []}}]}, "resources": {}},
    "bistro_job->b": {"owner": "x", "priority": 2.0, "enabled": true},
    "bistro_job->a": {"owner": "y"}})";
  // The request names b's keys in another order and adds one.
  REQUIRE_FALSE(edit_config_job(
      path, "b", R"({"enabled": false, "backoff": [1, 2], "owner": "x",
                     "priority": 3.5})",
      builtin_policy_catalog()));
  REQUIRE_FALSE(edit_config_job(path, "c", R"({"owner": "z"})",
                                builtin_policy_catalog()));
  CHECK(read(path) ==
        R"({
  "bistro_settings": {
    "enabled": true,
    "idle_wait": 1.0,
    "working_wait": 0.05,
    "nodes": {
      "levels": ["db"],
      "node_sources": [
        {
          "source": "manual",
          "prefs": {
            "d1": []
          }
        }
      ]
    },
    "resources": {}
  },
  "bistro_job->b": {
    "owner": "x",
    "priority": 3.5,
    "enabled": false,
    "backoff": [1, 2]
  },
  "bistro_job->a": {
    "owner": "y"
  },
  "bistro_job->c": {
    "owner": "z"
  }
}
)");
  CHECK(load_config_file(path, builtin_policy_catalog()).ok());
}

TEST_CASE("save_job keeps the last N versions, newest as .bak") {
  bistro::testing::temp_dir dir;
  auto path = (dir.path / "config.json").string();
  std::ofstream(path) << base_config;
  std::vector<std::string> versions{read(path)};
  for (int i = 0; i < 5; ++i) {
    REQUIRE_FALSE(edit_config_job(path, "j" + std::to_string(i),
                                  R"({"owner": "b"})", builtin_policy_catalog(),
                                  default_config_max_bytes, 3));
    versions.push_back(read(path));
  }
  // versions[5] is the file; .bak, .bak.1, .bak.2 the three before it.
  CHECK(read(path + ".bak") == versions[4]);
  CHECK(read(path + ".bak.1") == versions[3]);
  CHECK(read(path + ".bak.2") == versions[2]);
  CHECK_FALSE(std::filesystem::exists(path + ".bak.3"));
  CHECK(config_backup_path(path, 2) == path + ".bak.2");

  bistro::testing::temp_dir none;
  auto bare = (none.path / "config.json").string();
  std::ofstream(bare) << base_config;
  REQUIRE_FALSE(edit_config_job(bare, "j", R"({"owner": "b"})",
                                builtin_policy_catalog(),
                                default_config_max_bytes, 0));
  CHECK_FALSE(std::filesystem::exists(bare + ".bak"));
}

TEST_CASE("save_job reports the change as a diff of the pretty files") {
  bistro::testing::temp_dir dir;
  auto path = (dir.path / "config.json").string();
  std::ofstream(path) << base_config;
  config_edit_report report;
  REQUIRE_FALSE(edit_config_job(path, "old", R"({"owner": "b"})",
                                builtin_policy_catalog(),
                                default_config_max_bytes, 1, &report));
  CHECK(report.backup == path + ".bak");
  CHECK(report.diff ==
        "@@ -16,5 +16,5 @@\n"
        "   },\n"
        "   \"bistro_job->old\": {\n"
        "-    \"owner\": \"a\"\n"
        "+    \"owner\": \"b\"\n"
        "   }\n"
        " }\n");
  REQUIRE_FALSE(edit_config_job(path, "old", "", builtin_policy_catalog(),
                                default_config_max_bytes, 1, &report));
  CHECK(report.diff.find("-  \"bistro_job->old\": {\n") != std::string::npos);
}
