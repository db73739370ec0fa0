// save_job / delete_job's file rewrite: checked before it is written, the
// previous file kept, and nothing changed when the result would not load.
#include "config/config_edit.hpp"

#include <catch2/catch.hpp>
#include <fstream>
#include <sstream>

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
  REQUIRE_FALSE(edit_config_job(path, "new", R"({"owner": "b"})"));
  auto loaded = load_config_file(path);
  REQUIRE(loaded.ok());
  CHECK(loaded.value->find_job("new") != nullptr);
  CHECK(loaded.value->find_job("old") != nullptr);
  CHECK(read(path + ".bak") == base_config);

  REQUIRE_FALSE(edit_config_job(path, "old", ""));
  loaded = load_config_file(path);
  REQUIRE(loaded.ok());
  CHECK(loaded.value->find_job("old") == nullptr);
  CHECK(edit_config_job(path, "old", "") == "unknown job old");
}

TEST_CASE("save_job refuses what would not load and changes nothing") {
  bistro::testing::temp_dir dir;
  auto path = (dir.path / "config.json").string();
  std::ofstream(path) << base_config;
  CHECK(edit_config_job(path, "j", R"({"owner": true})") ==
        "bistro_job->j.owner: expected a string, got true");
  CHECK(edit_config_job(path, "j", "[1]") == "job j: expected a JSON object");
  CHECK(edit_config_job(path, "j", "{nope") == "job j: not JSON: syntax error");
  CHECK(edit_config_job(path, "../x", "{}")->starts_with("job ../x: "));
  CHECK(read(path) == base_config);
  std::ofstream(path) << "{broken";
  CHECK(edit_config_job(path, "j", R"({"owner": "b"})") ==
        path + ": the file on disk is not a JSON object; fix it first");
}
