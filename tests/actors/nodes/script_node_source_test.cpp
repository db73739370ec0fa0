#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <thread>

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
  std::string dir() const { return dir_.string(); }
  std::string prefs(const std::string& parent_level,
                    const std::string& extra = "") const {
    return R"({"script": ")" + path_ + R"(", "parent_level": ")" +
           parent_level + R"(")" + extra + "}";
  }

 private:
  fs::path dir_;
  std::string path_;
};

using steady = std::chrono::steady_clock;

// Waits (bounded) for a file the script writes, and returns its first line.
std::string await_file(const std::string& path) {
  const auto until = steady::now() + std::chrono::seconds(10);
  while (steady::now() < until) {
    std::ifstream in(path);
    std::string line;
    if (in && std::getline(in, line) && !line.empty()) return line;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  FAIL("the script never wrote " << path);
  return {};
}

// True once no process is left in group `pgid`. The test process is a
// subreaper, so the script's orphans are its children: reap them, or their
// zombies would still count as members.
bool group_gone(pid_t pgid) {
  const auto until = steady::now() + std::chrono::seconds(5);
  while (steady::now() < until) {
    while (::waitpid(-pgid, nullptr, WNOHANG) > 0) {
    }
    if (::kill(-pgid, 0) != 0 && errno == ESRCH) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return false;
}

// The script's shell writes its pid (its process group's id: every run is a
// group of its own) and then waits forever on two children.
const char* hanging_body =
    "echo $$ > \"$(dirname \"$0\")/pgid\"\n"
    "sleep 1000 &\n"
    "sleep 1000\n";

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

TEST_CASE("a script that never exits times out and its process group dies") {
  REQUIRE(::prctl(PR_SET_CHILD_SUBREAPER, 1) == 0);
  temp_script script(hanging_body);
  const auto started = steady::now();
  auto r = build_nodes(
      {"l1"}, {{"script", script.prefs("instance", R"(, "timeout_ms": 300)")}});
  const auto took = steady::now() - started;
  REQUIRE_FALSE(r.ok());
  REQUIRE(r.errors.size() == 1);
  CHECK_THAT(r.errors[0], Catch::Contains(script.path()) &&
                              Catch::Contains("parent \"inst\"") &&
                              Catch::Contains("timed out after 300 ms"));
  CHECK(took < std::chrono::seconds(5));
  const pid_t pgid = std::stoi(await_file(script.dir() + "/pgid"));
  CHECK(group_gone(pgid));
}

TEST_CASE("a requested stop kills a running script at once") {
  REQUIRE(::prctl(PR_SET_CHILD_SUBREAPER, 1) == 0);
  temp_script script(hanging_body);
  node_source_stop stop;
  const auto pgid_file = script.dir() + "/pgid";
  std::thread stopper([&] {
    await_file(pgid_file);
    stop.request();
  });
  const auto started = steady::now();
  auto r = build_node_tree(
      make_node_config(
          {"l1"},
          {{"script", script.prefs("instance", R"(, "timeout_ms": 600000)")}}),
      "inst", 0, &stop);
  const auto took = steady::now() - started;
  stopper.join();
  REQUIRE_FALSE(r.ok());
  CHECK_THAT(r.errors[0], Catch::Contains(script.path()) &&
                              Catch::Contains("the scheduler is stopping"));
  CHECK(took < std::chrono::seconds(5));
  CHECK(group_gone(std::stoi(await_file(pgid_file))));
  // Once stopped, no script starts again.
  auto again = build_node_tree(
      make_node_config({"l1"}, {{"script", script.prefs("instance")}}), "inst",
      0, &stop);
  REQUIRE_FALSE(again.ok());
  CHECK_THAT(again.errors[0], Catch::Contains("not started"));
}

TEST_CASE("script rejects a timeout_ms that is not positive") {
  temp_script script("echo a\n");
  auto r = build_nodes(
      {"l1"}, {{"script", script.prefs("instance", R"(, "timeout_ms": 0)")}});
  REQUIRE_FALSE(r.ok());
  CHECK_THAT(
      r.errors[0],
      Catch::Contains("timeout_ms must be between 1 and 86400000, got 0"));
}

TEST_CASE("a script's output is complete even when it leaves a child behind") {
  temp_script script("echo a\necho b\nsleep 1000 &\n");
  const auto started = steady::now();
  auto r = build_nodes({"l1"}, {{"script", script.prefs("instance")}});
  REQUIRE(r.ok());
  CHECK(names_at(*r.tree, 1) == std::vector<std::string>{"a", "b"});
  CHECK(steady::now() - started < std::chrono::seconds(5));
}
