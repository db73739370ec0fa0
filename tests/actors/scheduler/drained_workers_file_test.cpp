#include "actors/scheduler/drained_workers_file.hpp"

#include <catch2/catch.hpp>
#include <filesystem>

#include "tests/support/e2e_support.hpp"

using namespace bistro;

TEST_CASE("drained workers: no file is no drained worker") {
  bistro::testing::temp_dir dir;
  auto loaded = load_drained_workers(dir.file("drained_workers"));
  CHECK(loaded.error.empty());
  CHECK(loaded.shards.empty());
}

TEST_CASE("drained workers: saved, read back, replaced whole") {
  bistro::testing::temp_dir dir;
  auto path = dir.file("drained_workers");
  REQUIRE_FALSE(save_drained_workers(path, {"w1", "w 2"}));
  CHECK(load_drained_workers(path).shards ==
        std::set<std::string>{"w1", "w 2"});
  REQUIRE_FALSE(save_drained_workers(path, {}));
  CHECK(load_drained_workers(path).shards.empty());
  for (const auto& e : std::filesystem::directory_iterator(dir.path))
    CHECK(e.path().filename() == "drained_workers");  // no temporary left
}

TEST_CASE("drained workers: a damaged file is an error naming it") {
  bistro::testing::temp_dir dir;
  auto path = dir.write("drained_workers", "[\"w1\", 3]");
  auto loaded = load_drained_workers(path);
  CHECK(loaded.error == path + ": expected a JSON list of worker shard ids");
  CHECK(loaded.shards.empty());
  CHECK(save_drained_workers(dir.file("no/such/dir/x"), {"w"})
            ->starts_with(dir.file("no/such/dir/x") + ".tmp."));
}
