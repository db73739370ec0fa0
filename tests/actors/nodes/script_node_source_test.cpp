#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "tests/actors/nodes/node_test_support.hpp"

using namespace bistro;
using namespace bistro::test;
namespace fs = std::filesystem;

namespace {

// A shell script in a fresh directory, removed when the test ends.
class temp_script {
 public:
  explicit temp_script(const std::string& body) {
    static int counter = 0;
    dir_ = fs::temp_directory_path() /
           ("bistro_script_test_" + std::to_string(::getpid()) + "_" +
            std::to_string(++counter));
    fs::create_directories(dir_);
    path_ = (dir_ / "nodes.sh").string();
    std::ofstream(path_) << "#!/bin/sh\n" << body;
    fs::permissions(path_, fs::perms::owner_all);
  }
  ~temp_script() {
    std::error_code ignored;
    fs::remove_all(dir_, ignored);
  }
  const std::string& path() const { return path_; }
  std::string prefs(const std::string& parent_level) const {
    return R"({"script": ")" + path_ + R"(", "parent_level": ")" +
           parent_level + R"("})";
  }

 private:
  fs::path dir_;
  std::string path_;
};

}  // namespace

TEST_CASE("script adds one child per non-empty output line of each parent") {
  temp_script script(
      "case \"$1\" in\n"
      "  h1) printf 'a\\n\\nb\\r\\n' ;;\n"
      "  h2) printf 'c' ;;\n"
      "esac\n");
  auto r = build_nodes({"host", "db"},
                       {{"manual", R"({"h1": [], "h2": [], "h3": []})"},
                        {"script", script.prefs("host")}});
  REQUIRE(r.errors.empty());
  REQUIRE(r.ok());
  const auto& t = *r.tree;
  CHECK(names_at(t, 2) == std::vector<std::string>{"a", "b", "c"});
  CHECK(parent_name(t, *t.find("a")) == "h1");
  CHECK(parent_name(t, *t.find("b")) == "h1");
  CHECK(parent_name(t, *t.find("c")) == "h2");
}

TEST_CASE("script fails on a non-zero exit, naming script, parent, status") {
  temp_script script("echo x; exit 3\n");
  auto r = build_nodes({"l1"}, {{"script", script.prefs("instance")}});
  REQUIRE_FALSE(r.ok());
  REQUIRE(r.errors.size() == 1);
  CHECK_THAT(r.errors[0], Catch::Contains(script.path()) &&
                              Catch::Contains("parent \"inst\"") &&
                              Catch::Contains("exited with status 3"));
}

TEST_CASE("script fails when the script cannot be started") {
  const std::string missing = "/nonexistent/bistro/nodes.sh";
  auto r = build_nodes({"l1"},
                       {{"script", R"({"script": ")" + missing +
                                       R"(", "parent_level": "instance"})"}});
  REQUIRE_FALSE(r.ok());
  CHECK_THAT(r.errors[0],
             Catch::Contains(missing) && Catch::Contains("cannot start"));
}

TEST_CASE("script requires the script pref") {
  auto r = build_nodes({"l1"}, {{"script", R"({"parent_level": "instance"})"}});
  REQUIRE_FALSE(r.ok());
  CHECK_THAT(r.errors[0], Catch::Contains("script is required"));
}
