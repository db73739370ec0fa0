#include "actors/store/status_store.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "tests/actors/store/store_test_support.hpp"

namespace bistro {
namespace {

using testing::numbered;
using deletion = std::pair<std::string, std::string>;

constexpr std::int64_t t0 = 1'700'000'000'000;  // ms, Nov 2023

status_store_options fast_options() {
  status_store_options o;
  o.sync = status_sync::no_sync;
  o.initial_map_bytes = std::size_t{1} << 20;
  o.max_map_bytes = std::size_t{1} << 30;
  return o;
}

std::unique_ptr<status_store> open_store(
    const std::string& dir, const status_store_options& options = {}) {
  auto opened = status_store::open(dir, options);
  if (auto* error = std::get_if<std::string>(&opened)) FAIL(*error);
  return std::move(std::get<std::unique_ptr<status_store>>(opened));
}

std::string open_error(const std::string& dir,
                       const status_store_options& options = {}) {
  auto opened = status_store::open(dir, options);
  REQUIRE(std::holds_alternative<std::string>(opened));
  return std::get<std::string>(opened);
}

void commit(status_store& store, const std::vector<stored_status>& upserts,
            const std::vector<deletion>& deletes = {}) {
  if (auto error = store.commit(upserts, deletes)) FAIL(*error);
}

std::vector<stored_status> load(const status_store& store) {
  auto loaded = store.load_all();
  if (auto* error = std::get_if<std::string>(&loaded)) FAIL(*error);
  return std::get<std::vector<stored_status>>(std::move(loaded));
}

std::size_t count(const status_store& store) {
  auto n = store.count();
  if (auto* error = std::get_if<std::string>(&n)) FAIL(*error);
  return std::get<std::size_t>(n);
}

// Every field set to something other than its default.
stored_status full_status(std::string job, std::string node) {
  stored_status s;
  s.job = std::move(job);
  s.node = std::move(node);
  s.status.label = status_label::error_backoff;
  s.status.backoff_step = 65535;
  s.status.backoff_until_ms = t0 + 60'000;
  s.status.updated_ms = t0;
  s.status.overwriteable = true;
  s.status.data = R"({"progress": 0.5, "files": ["a", "b"]})";
  s.status.message = "exit code 3";
  s.run_id = 0xfedc'ba98'7654'3210ULL;
  s.worker = "worker-shard-7";
  s.start_ms = -5;  // negative times survive the unsigned encoding
  s.end_ms = t0 + 1;
  return s;
}

stored_status simple_status(std::string job, std::string node,
                            status_label label = status_label::done) {
  stored_status s;
  s.job = std::move(job);
  s.node = std::move(node);
  s.status.label = label;
  s.status.updated_ms = t0;
  return s;
}

std::vector<std::string> jobs_of(const std::vector<stored_status>& all) {
  std::vector<std::string> out;
  for (const auto& s : all) out.push_back(s.job + "/" + s.node);
  return out;
}

// Overwrites (job, node)'s value with raw bytes, as another build might.
void plant(const std::string& dir, const std::string& job,
           const std::string& node, const std::string& value) {
  auto opened = lmdb_env::open(dir, {});
  REQUIRE(std::holds_alternative<std::unique_ptr<lmdb_env>>(opened));
  auto& env = *std::get<std::unique_ptr<lmdb_env>>(opened);
  int rc = env.write([&](lmdb_txn& txn) {
    MDB_dbi dbi = 0;
    if (int rc = txn.open_dbi("statuses", 0, &dbi)) return rc;
    return txn.put(dbi, status_store::key_of(job, node), value);
  });
  REQUIRE(rc == 0);
}

void set_meta(const std::string& dir, const std::string& key,
              const std::string& value) {
  auto opened = lmdb_env::open(dir, {});
  REQUIRE(std::holds_alternative<std::unique_ptr<lmdb_env>>(opened));
  auto& env = *std::get<std::unique_ptr<lmdb_env>>(opened);
  int rc = env.write([&](lmdb_txn& txn) {
    MDB_dbi dbi = 0;
    if (int rc = txn.open_dbi("meta", 0, &dbi)) return rc;
    return txn.put(dbi, key, value);
  });
  REQUIRE(rc == 0);
}

TEST_CASE("every field of a status survives a round trip", "[status_store]") {
  testing::temp_dir tmp;
  auto store = open_store(tmp / "statuses");
  stored_status full = full_status("job", "node");
  stored_status empty = simple_status("job", "empty");
  empty.status.data.clear();
  stored_status large = full_status("job", "large");
  large.status.data.assign(3 << 20, 'x');  // spans LMDB overflow pages
  large.status.message.assign(70000, 'm');
  stored_status odd = simple_status(std::string("a\0b", 3), "\xff\x01");
  commit(*store, {full, empty, large, odd});

  auto all = load(*store);
  REQUIRE(all.size() == 4);
  // Key order: by name length first, then bytes: "a\0b" < "job", and
  // "node" (4 bytes) < "empty" < "large".
  CHECK(all[0] == odd);
  CHECK(all[1] == full);
  CHECK(all[2] == empty);
  CHECK(all[3] == large);
}

TEST_CASE("a later upsert of the same job and node replaces the record",
          "[status_store]") {
  testing::temp_dir tmp;
  auto store = open_store(tmp / "statuses");
  commit(*store, {full_status("j", "n")});
  stored_status newer = simple_status("j", "n", status_label::running);
  newer.run_id = 2;
  commit(*store, {newer});
  CHECK(load(*store) == std::vector<stored_status>{newer});

  SECTION("and within one batch the last entry wins") {
    stored_status last = simple_status("j", "n", status_label::failed);
    commit(*store, {newer, last});
    CHECK(load(*store) == std::vector<stored_status>{last});
  }
}

TEST_CASE("a deleted status is gone and deleting an absent one is harmless",
          "[status_store]") {
  testing::temp_dir tmp;
  auto store = open_store(tmp / "statuses");
  commit(*store, {simple_status("j", "a"), simple_status("j", "b")});
  commit(*store, {}, {{"j", "a"}, {"j", "never"}, {"other", "a"}});
  CHECK(jobs_of(load(*store)) == std::vector<std::string>{"j/b"});

  SECTION("deletes apply after the upserts of the same commit") {
    commit(*store, {simple_status("j", "c")}, {{"j", "c"}});
    CHECK(jobs_of(load(*store)) == std::vector<std::string>{"j/b"});
  }
}

TEST_CASE("reopening the store keeps every status", "[status_store]") {
  testing::temp_dir tmp;
  std::vector<stored_status> written;
  for (int i = 0; i < 50; ++i) {
    written.push_back(full_status(numbered("job", i % 5), numbered("n", i)));
    written.back().run_id = static_cast<std::uint64_t>(i);
  }
  {
    auto store = open_store(tmp / "statuses");
    commit(*store, written);
  }
  auto store = open_store(tmp / "statuses");
  auto all = load(*store);
  REQUIRE(all.size() == written.size());
  for (const auto& w : written) {
    CHECK(std::find(all.begin(), all.end(), w) != all.end());
  }
  CHECK(count(*store) == 50);
}

TEST_CASE("worker secret hashes survive a reopen, whatever the shard's length",
          "[status_store]") {
  testing::temp_dir tmp;
  const std::string long_shard(4000, 'w');  // past LMDB's 511-byte keys
  const std::string h1(64, 'a'), h2(64, 'b'), h3(64, 'c');
  {
    auto store = open_store(tmp / "statuses");
    REQUIRE_FALSE(store->save_worker_secret_hash("w1", h1));
    REQUIRE_FALSE(store->save_worker_secret_hash(long_shard, h2));
    REQUIRE_FALSE(store->save_worker_secret_hash("w1", h3));  // replaces h1
    auto bad = store->save_worker_secret_hash("w2", "short");
    REQUIRE(bad);
    CHECK(bad->find("w2") != std::string::npos);
  }
  auto store = open_store(tmp / "statuses");
  auto loaded = store->load_worker_secret_hashes();
  REQUIRE(std::holds_alternative<std::map<std::string, std::string>>(loaded));
  CHECK(std::get<std::map<std::string, std::string>>(loaded) ==
        std::map<std::string, std::string>{{"w1", h3}, {long_shard, h2}});
  CHECK(count(*store) == 0);  // statuses are apart
}

TEST_CASE("load_all reads back 100k statuses", "[status_store]") {
  testing::temp_dir tmp;
  auto store = open_store(tmp / "statuses", fast_options());
  std::vector<stored_status> batch;
  for (int i = 0; i < 100'000; ++i) {
    batch.push_back(simple_status(numbered("job", i % 100), numbered("n", i)));
    batch.back().run_id = static_cast<std::uint64_t>(i);
    if (batch.size() == 10'000) {
      commit(*store, batch);
      batch.clear();
    }
  }
  auto all = load(*store);
  REQUIRE(all.size() == 100'000);
  std::vector<bool> seen(100'000);
  for (const auto& s : all) seen[s.run_id] = true;
  CHECK(std::count(seen.begin(), seen.end(), true) == 100'000);
  CHECK(count(*store) == 100'000);
}

TEST_CASE("a record of a newer version fails load_all naming its key",
          "[status_store]") {
  testing::temp_dir tmp;
  const std::string dir = tmp / "statuses";
  open_store(dir).reset();
  plant(dir, "nightly", "host7", std::string("\x02garbage-from-the-future"));
  auto store = open_store(dir);
  auto loaded = store->load_all();
  REQUIRE(std::holds_alternative<std::string>(loaded));
  const auto& error = std::get<std::string>(loaded);
  CHECK_THAT(error, Catch::Contains("job \"nightly\" on node \"host7\""));
  CHECK_THAT(error, Catch::Contains("record version 2"));
  CHECK_THAT(error, Catch::Contains("--clean_statuses"));
}

TEST_CASE("a truncated record or an unknown label is reported as damage",
          "[status_store]") {
  testing::temp_dir tmp;
  const std::string dir = tmp / "statuses";
  {
    auto store = open_store(dir);
    commit(*store, {full_status("j", "n")});
  }
  std::string value = std::string(1, '\x01');
  SECTION("truncated") {
    value += std::string(10, '\0');
    plant(dir, "j", "n", value);
    auto loaded = open_store(dir)->load_all();
    REQUIRE(std::holds_alternative<std::string>(loaded));
    CHECK_THAT(std::get<std::string>(loaded),
               Catch::Contains("job \"j\" on node \"n\" is truncated"));
  }
  SECTION("unknown label") {
    value += std::string(1, '\x63') + std::string(55, '\0');
    plant(dir, "j", "n", value);
    auto loaded = open_store(dir)->load_all();
    REQUIRE(std::holds_alternative<std::string>(loaded));
    CHECK_THAT(std::get<std::string>(loaded),
               Catch::Contains("unknown status label 99"));
  }
}

TEST_CASE("a store of a newer format refuses to open and is left untouched",
          "[status_store]") {
  testing::temp_dir tmp;
  const std::string dir = tmp / "statuses";
  {
    auto store = open_store(dir);
    commit(*store, {simple_status("j", "n")});
  }
  set_meta(dir, "format_version", std::string("\0\0\0\x02", 4));
  const std::string error = open_error(dir);
  CHECK_THAT(error, Catch::Contains(dir + "/data.mdb"));
  CHECK_THAT(error, Catch::Contains("format version 2"));
  CHECK_THAT(error, Catch::Contains("newer bistro_scheduler"));
  set_meta(dir, "format_version", std::string("\0\0\0\x01", 4));
  CHECK(count(*open_store(dir)) == 1);
}

TEST_CASE("an LMDB file of another store is not taken for a status store",
          "[status_store]") {
  testing::temp_dir tmp;
  {
    auto opened = lmdb_env::open(tmp.path(), {});
    REQUIRE(std::holds_alternative<std::unique_ptr<lmdb_env>>(opened));
    auto& env = *std::get<std::unique_ptr<lmdb_env>>(opened);
    REQUIRE(env.write([](lmdb_txn& txn) {
      MDB_dbi dbi = 0;
      if (int rc = txn.open_dbi("meta", MDB_CREATE, &dbi)) return rc;
      return txn.put(dbi, "format_version", std::string("\0\0\0\x01", 4));
    }) == 0);
  }
  CHECK_THAT(open_error(tmp.path()), Catch::Contains("not a status store"));
}

TEST_CASE("a garbage data file fails to open with its path and the advice",
          "[status_store]") {
  testing::temp_dir tmp;
  const std::string dir = tmp / "statuses";
  std::filesystem::create_directories(dir);
  {
    std::ofstream out(dir + "/data.mdb", std::ios::binary);
    for (int i = 0; i < 64 * 1024; ++i) out.put(static_cast<char>(i * 37));
  }
  const std::string error = open_error(dir);
  CHECK_THAT(error, Catch::Contains(dir + "/data.mdb"));
  CHECK_THAT(error, Catch::Contains("move the directory"));
  CHECK_THAT(error, Catch::Contains("--clean_statuses"));

  SECTION("and starting empty replaces it") {
    status_store_options options;
    options.start_empty = true;
    auto store = open_store(dir, options);
    CHECK(count(*store) == 0);
    commit(*store, {simple_status("j", "n")});
    CHECK(count(*store) == 1);
  }
}

TEST_CASE("clear drops every status and the store stays usable",
          "[status_store]") {
  testing::temp_dir tmp;
  auto store = open_store(tmp / "statuses");
  commit(*store, {simple_status("a", "1"), simple_status("b", "2")});
  REQUIRE_FALSE(store->clear());
  CHECK(count(*store) == 0);
  CHECK(load(*store).empty());
  commit(*store, {simple_status("c", "3")});
  CHECK(jobs_of(load(*store)) == std::vector<std::string>{"c/3"});
}

TEST_CASE("prune_jobs_not_in keeps exactly the listed jobs' statuses",
          "[status_store]") {
  testing::temp_dir tmp;
  auto store = open_store(tmp / "statuses");
  // "ab" sorts between "a"'s and "b"'s keys of the same length class, and
  // "a" is a byte prefix of "ab": neither may leak into the other.
  commit(*store, {simple_status("a", "1"), simple_status("a", "2"),
                  simple_status("ab", "1"), simple_status("b", "1"),
                  simple_status("c", "1"), simple_status("c", "2")});
  REQUIRE_FALSE(store->prune_jobs_not_in({"a", "c", "gone"}));
  CHECK(jobs_of(load(*store)) ==
        std::vector<std::string>{"a/1", "a/2", "c/1", "c/2"});
  REQUIRE_FALSE(store->prune_jobs_not_in({}));
  CHECK(count(*store) == 0);
}

TEST_CASE("prune_jobs_not_in deletes more records than one chunk holds",
          "[status_store]") {
  testing::temp_dir tmp;
  auto store = open_store(tmp / "statuses", fast_options());
  std::vector<stored_status> batch;
  for (int i = 0; i < 120'000; ++i) {
    batch.push_back(simple_status(i % 2 ? "drop" : "keep", numbered("n", i)));
  }
  commit(*store, batch);
  REQUIRE_FALSE(store->prune_jobs_not_in({"keep"}));
  CHECK(count(*store) == 60'000);
}

TEST_CASE("the map grows past its initial size as statuses are added",
          "[status_store]") {
  testing::temp_dir tmp;
  auto options = fast_options();
  options.initial_map_bytes = std::size_t{256} << 10;
  auto store = open_store(tmp / "statuses", options);
  const std::size_t initial = store->map_bytes();
  std::vector<stored_status> batch;
  for (int i = 0; i < 2000; ++i) {
    batch.push_back(full_status("j", numbered("n", i)));
    batch.back().status.data.assign(1000, 'd');
  }
  commit(*store, batch);
  CHECK(store->map_bytes() > initial);
  CHECK(load(*store).size() == 2000);
}

TEST_CASE("a commit past the map cap fails and leaves earlier data intact",
          "[status_store]") {
  testing::temp_dir tmp;
  auto options = fast_options();
  options.initial_map_bytes = std::size_t{512} << 10;
  options.max_map_bytes = std::size_t{1} << 20;
  auto store = open_store(tmp / "statuses", options);
  commit(*store, {full_status("j", "before")});

  std::vector<stored_status> too_big;
  for (int i = 0; i < 100; ++i) {
    too_big.push_back(simple_status("j", numbered("big", i)));
    too_big.back().status.data.assign(20'000, 'x');
  }
  auto error = store->commit(too_big);
  REQUIRE(error);
  CHECK_THAT(*error, Catch::Contains("MDB_MAP_FULL"));
  CHECK_THAT(*error, Catch::Contains("nothing was written"));
  CHECK(load(*store) == std::vector<stored_status>{full_status("j", "before")});

  // Still usable for commits that fit.
  commit(*store, {simple_status("j", "after")});
  CHECK(count(*store) == 2);
}

TEST_CASE("names too long for a key are refused and nothing is written",
          "[status_store]") {
  testing::temp_dir tmp;
  auto store = open_store(tmp / "statuses");
  const std::string long_node(600, 'n');
  CHECK_FALSE(store->names_fit("j", long_node));
  auto error = store->commit(
      std::vector{simple_status("j", "ok"), simple_status("j", long_node)});
  REQUIRE(error);
  CHECK_THAT(*error, Catch::Contains("key limit"));
  CHECK(count(*store) == 0);
  // Deleting such a key is a no-op, not an error.
  commit(*store, {}, {{"j", long_node}});
}

}  // namespace
}  // namespace bistro
