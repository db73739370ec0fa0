// Reading the config file: only a regular file, at most max_bytes, never
// blocking. A FIFO without a writer or a symlink to /dev/zero must be
// refused at once, naming the file and why; the old loader blocked forever
// on the first and read the second until memory ran out.
#include "config/config_file.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <future>
#include <memory>
#include <optional>
#include <sstream>
#include <thread>

#include "actors/policies/builtin_policies.hpp"
#include "config/config.hpp"
#include "config/config_edit.hpp"
#include "tests/support/e2e_support.hpp"

using namespace bistro;
using bistro::testing::temp_dir;

namespace {

const char* good_config = R"({"bistro_settings": {"enabled": true,
  "nodes": {"levels": ["db"], "node_sources": [{"source": "manual",
  "prefs": {"d1": []}}]}, "resources": {}},
  "bistro_job->old": {"owner": "a"}})";

// Runs `load` on a thread of its own and waits at most 5 s for it: a call
// that blocks fails the test instead of hanging it (the stuck thread is left
// behind, detached, and dies with the test process).
template <class T, class F>
std::optional<T> within_5s(F load) {
  auto done = std::make_shared<std::promise<T>>();
  auto result = done->get_future();
  std::thread([done, load] { done->set_value(load()); }).detach();
  if (result.wait_for(std::chrono::seconds(5)) != std::future_status::ready)
    return std::nullopt;
  return result.get();
}

std::string read(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

}  // namespace

TEST_CASE("a config that is a symlink to /dev/zero is refused at once") {
  temp_dir dir;
  const auto path = dir.file("config.json");
  std::filesystem::create_symlink("/dev/zero", path);
  auto r = within_5s<config_result>(
      [path] { return load_config_file(path, builtin_policy_catalog()); });
  REQUIRE(r.has_value());
  REQUIRE_FALSE(r->ok());
  REQUIRE(r->errors.size() == 1);
  CHECK(r->errors[0] == path +
                            ": refused: the config must be a regular file, "
                            "this is a character device");
}

TEST_CASE("a config that is a FIFO without a writer is refused at once") {
  temp_dir dir;
  const auto path = dir.file("config.json");
  REQUIRE(::mkfifo(path.c_str(), 0600) == 0);
  auto r = within_5s<config_result>(
      [path] { return load_config_file(path, builtin_policy_catalog()); });
  REQUIRE(r.has_value());
  REQUIRE_FALSE(r->ok());
  CHECK_THAT(r->errors.at(0),
             Catch::StartsWith(path + ": refused") && Catch::Contains("FIFO"));
}

TEST_CASE("a config over max_bytes is refused, naming the size and limit") {
  temp_dir dir;
  const auto path = dir.write("config.json", good_config);
  const auto size = std::filesystem::file_size(path);
  auto over = load_config_file(path, builtin_policy_catalog(),
                               static_cast<std::int64_t>(size) - 1);
  REQUIRE_FALSE(over.ok());
  CHECK(over.errors.at(0) == path + ": refused: " + std::to_string(size) +
                                 " bytes, over the limit of " +
                                 std::to_string(size - 1) +
                                 " (--config_max_bytes)");
  auto exact = load_config_file(path, builtin_policy_catalog(),
                                static_cast<std::int64_t>(size));
  REQUIRE(exact.ok());
  CHECK(exact.value->find_job("old") != nullptr);
}

TEST_CASE("read_config_text reads a regular file, also through a symlink") {
  temp_dir dir;
  const auto target = dir.write("real.json", good_config);
  const auto link = dir.file("config.json");
  std::filesystem::create_symlink(target, link);
  auto r = read_config_text(link, default_config_max_bytes);
  REQUIRE(r.ok());
  CHECK(r.text == good_config);
  CHECK(default_config_max_bytes == 16 * 1024 * 1024);
}

TEST_CASE("a directory as the config is refused") {
  temp_dir dir;
  auto r = read_config_text(dir.path.string(), default_config_max_bytes);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error == dir.path.string() +
                       ": refused: the config must be a regular file, this "
                       "is a directory");
}

TEST_CASE("save_job on a FIFO config answers at once and writes nothing") {
  temp_dir dir;
  const auto path = dir.file("config.json");
  REQUIRE(::mkfifo(path.c_str(), 0600) == 0);
  auto err = within_5s<std::optional<std::string>>([path] {
    return edit_config_job(path, "new", R"({"owner": "b"})",
                           builtin_policy_catalog());
  });
  REQUIRE(err.has_value());
  REQUIRE(err->has_value());
  CHECK_THAT(**err, Catch::Contains("FIFO"));
  struct stat st;
  REQUIRE(::lstat(path.c_str(), &st) == 0);
  CHECK(S_ISFIFO(st.st_mode));  // not replaced: the answer was "failed"
}

TEST_CASE("save_job refuses a result over max_bytes and leaves the file") {
  temp_dir dir;
  const auto path = dir.write("config.json", good_config);
  const auto limit = static_cast<std::int64_t>(std::strlen(good_config)) + 20;
  const std::string big = R"({"owner": "b", "config": {"pad": ")" +
                          std::string(200, 'x') + R"("}})";
  auto err = edit_config_job(path, "new", big, builtin_policy_catalog(), limit);
  REQUIRE(err);
  CHECK_THAT(*err,
             Catch::StartsWith(path + ": the new file would be ") &&
                 Catch::Contains("over the limit of " + std::to_string(limit)));
  CHECK(read(path) == good_config);
}
