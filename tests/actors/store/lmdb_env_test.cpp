#include "actors/store/lmdb_env.hpp"

#include <catch2/catch.hpp>
#include <fstream>
#include <memory>
#include <string>

#include "tests/actors/store/store_test_support.hpp"

namespace bistro {
namespace {

using testing::numbered;

std::unique_ptr<lmdb_env> open_env(const std::string& dir,
                                   lmdb_env_options options = {}) {
  auto opened = lmdb_env::open(dir, options);
  if (auto* error = std::get_if<std::string>(&opened)) FAIL(*error);
  return std::move(std::get<std::unique_ptr<lmdb_env>>(opened));
}

// Fills `dbi` with `count` values of `bytes` bytes each.
int fill(lmdb_txn& txn, MDB_dbi dbi, int count, std::size_t bytes) {
  const std::string value(bytes, 'v');
  for (int i = 0; i < count; ++i) {
    if (int rc = txn.put(dbi, numbered("key", i), value)) return rc;
  }
  return 0;
}

MDB_dbi create_dbi(lmdb_env& env, const char* name) {
  MDB_dbi dbi = 0;
  REQUIRE(env.write([&](lmdb_txn& txn) {
    return txn.open_dbi(name, MDB_CREATE, &dbi);
  }) == 0);
  return dbi;
}

TEST_CASE("a write that outgrows the map grows it and commits") {
  testing::temp_dir dir;
  auto env = open_env(dir.path(), {.initial_map_bytes = 1 << 20});
  MDB_dbi dbi = create_dbi(*env, "data");
  int attempts = 0;
  REQUIRE(env->write([&](lmdb_txn& txn) {
    ++attempts;
    return fill(txn, dbi, 400, 10000);  // ~4 MB in one transaction
  }) == 0);
  CHECK(attempts > 1);
  CHECK(env->map_bytes() >= (std::size_t{4} << 20));
  lmdb_txn txn;
  REQUIRE(env->begin_read(&txn) == 0);
  std::string_view value;
  REQUIRE(txn.get(dbi, "key399", &value) == 0);
  CHECK(value.size() == 10000);
}

TEST_CASE("a write beyond the map cap fails with MDB_MAP_FULL") {
  testing::temp_dir dir;
  auto env = open_env(dir.path(),
                      {.initial_map_bytes = 1 << 20, .max_map_bytes = 2 << 20});
  MDB_dbi dbi = create_dbi(*env, "data");
  CHECK(env->write([&](lmdb_txn& txn) { return fill(txn, dbi, 400, 10000); }) ==
        MDB_MAP_FULL);
  // The env stays usable for writes that fit.
  CHECK(env->write([&](lmdb_txn& txn) { return fill(txn, dbi, 10, 100); }) ==
        0);
}

TEST_CASE("a write whose fill fails is rolled back") {
  testing::temp_dir dir;
  auto env = open_env(dir.path());
  MDB_dbi dbi = create_dbi(*env, "data");
  CHECK(env->write([&](lmdb_txn& txn) {
    txn.put(dbi, "k", "v");
    return EIO;
  }) == EIO);
  lmdb_txn txn;
  REQUIRE(env->begin_read(&txn) == 0);
  std::string_view value;
  CHECK(txn.get(dbi, "k", &value) == MDB_NOTFOUND);
}

TEST_CASE("seek_at_or_before lands on the last key not after the target") {
  testing::temp_dir dir;
  auto env = open_env(dir.path());
  MDB_dbi dbi = create_dbi(*env, "data");
  REQUIRE(env->write([&](lmdb_txn& txn) {
    for (const char* k : {"b", "d", "f"}) {
      if (int rc = txn.put(dbi, k, "v")) return rc;
    }
    return 0;
  }) == 0);
  lmdb_txn txn;
  REQUIRE(env->begin_read(&txn) == 0);
  lmdb_cursor cursor;
  REQUIRE(lmdb_cursor::open(txn, dbi, &cursor) == 0);
  std::string_view key;
  std::string_view value;
  REQUIRE(cursor.seek_at_or_before("d", &key, &value) == 0);
  CHECK(key == "d");
  REQUIRE(cursor.seek_at_or_before("e", &key, &value) == 0);
  CHECK(key == "d");
  REQUIRE(cursor.seek_at_or_before("z", &key, &value) == 0);
  CHECK(key == "f");
  CHECK(cursor.seek_at_or_before("a", &key, &value) == MDB_NOTFOUND);
}

TEST_CASE("a garbage data.mdb is refused with the file and a remedy named") {
  testing::temp_dir dir;
  {
    std::ofstream out(dir / "data.mdb", std::ios::binary);
    out << std::string(64 * 1024, 'x');
  }
  auto opened = lmdb_env::open(dir.path(), {});
  REQUIRE(std::holds_alternative<std::string>(opened));
  const std::string& error = std::get<std::string>(opened);
  CHECK_THAT(error, Catch::Contains(dir / "data.mdb"));
  CHECK_THAT(error, Catch::Contains("move"));
}

}  // namespace
}  // namespace bistro
