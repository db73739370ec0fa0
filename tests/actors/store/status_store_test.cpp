#include "actors/store/status_store.hpp"

#include <openssl/sha.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <tuple>
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

// Puts raw bytes under `key` in database `db`, as another build might.
void plant_raw(const std::string& dir, const char* db, const std::string& key,
               const std::string& value) {
  lmdb_env_options options;
  options.max_dbs = 8;
  auto opened = lmdb_env::open(dir, options);
  REQUIRE(std::holds_alternative<std::unique_ptr<lmdb_env>>(opened));
  auto& env = *std::get<std::unique_ptr<lmdb_env>>(opened);
  int rc = env.write([&](lmdb_txn& txn) {
    MDB_dbi dbi = 0;
    if (int rc = txn.open_dbi(db, MDB_CREATE, &dbi)) return rc;
    return txn.put(dbi, key, value);
  });
  REQUIRE(rc == 0);
}

// Overwrites (job, node)'s value with raw bytes, as another build might.
void plant(const std::string& dir, const std::string& job,
           const std::string& node, const std::string& value) {
  plant_raw(dir, "records", status_store::key_of(job, node), value);
}

void put_be_test(std::string& out, std::uint64_t v, int bytes) {
  for (int i = bytes - 1; i >= 0; --i)
    out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

// Format 1's key and record-version-1 value, written from the layout the
// store documents (status_store.cpp), as the builds before format 2 wrote.
std::string v1_key(const std::string& job, const std::string& node) {
  std::string out;
  put_be_test(out, job.size(), 2);
  out += job;
  put_be_test(out, node.size(), 2);
  out += node;
  return out;
}

std::string v1_value(const stored_status& s) {
  std::string out(1, '\x01');
  out.push_back(static_cast<char>(s.status.label));
  out.push_back(static_cast<char>(s.status.overwriteable ? 1 : 0));
  put_be_test(out, s.status.backoff_step, 2);
  for (std::int64_t v : {s.status.backoff_until_ms, s.status.updated_ms})
    put_be_test(out, static_cast<std::uint64_t>(v), 8);
  put_be_test(out, s.run_id, 8);
  for (std::int64_t v : {s.start_ms, s.end_ms})
    put_be_test(out, static_cast<std::uint64_t>(v), 8);
  for (const std::string* t : {&s.worker, &s.status.data, &s.status.message}) {
    put_be_test(out, t->size(), 4);
    out += *t;
  }
  return out;
}

// A format-1 store at `dir` holding `statuses` and one worker secret hash.
void make_v1_store(const std::string& dir,
                   const std::vector<stored_status>& statuses,
                   const std::string& shard, const std::string& secret_hash) {
  std::filesystem::create_directories(dir);
  lmdb_env_options options;
  options.max_dbs = 8;
  auto opened = lmdb_env::open(dir, options);
  REQUIRE(std::holds_alternative<std::unique_ptr<lmdb_env>>(opened));
  auto& env = *std::get<std::unique_ptr<lmdb_env>>(opened);
  int rc = env.write([&](lmdb_txn& txn) {
    MDB_dbi meta = 0, st = 0, workers = 0;
    int rc = 0;
    if ((rc = txn.open_dbi("meta", MDB_CREATE, &meta)) ||
        (rc = txn.put(meta, "format_version", std::string("\0\0\0\x01", 4))) ||
        (rc = txn.put(meta, "store", "statuses")) ||
        (rc = txn.open_dbi("statuses", MDB_CREATE, &st)) ||
        (rc = txn.open_dbi("workers", MDB_CREATE, &workers))) {
      return rc;
    }
    for (const auto& s : statuses) {
      if ((rc = txn.put(st, v1_key(s.job, s.node), v1_value(s)))) return rc;
    }
    // The workers database is unchanged by format 2: its key is the
    // SHA-256 of the shard, its value version 1.
    std::string key(32, '\0');
    SHA256(reinterpret_cast<const unsigned char*>(shard.data()), shard.size(),
           reinterpret_cast<unsigned char*>(key.data()));
    return txn.put(workers, key, std::string(1, '\x01') + secret_hash + shard);
  });
  REQUIRE(rc == 0);
}

std::vector<stored_status> sorted(std::vector<stored_status> v) {
  std::sort(v.begin(), v.end(), [](const auto& a, const auto& b) {
    return std::tie(a.job, a.node) < std::tie(b.job, b.node);
  });
  return v;
}

std::vector<run_history_entry> history(const status_store& store,
                                       const std::string& job,
                                       const std::string& node) {
  auto loaded = store.load_history(job, node);
  if (auto* error = std::get_if<std::string>(&loaded)) FAIL(*error);
  return std::get<std::vector<run_history_entry>>(std::move(loaded));
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
  stored_status running = full_status("job", "running");
  running.status.label = status_label::running;
  running.status.overwriteable = false;
  running.status.before_run = prior_status{status_label::error_backoff,
                                           3,
                                           t0 - 1000,
                                           t0 - 60'000,
                                           true,
                                           "exit code 1"};
  commit(*store, {full, empty, large, odd, running});

  CHECK(sorted(load(*store)) == sorted({full, empty, large, odd, running}));
}

TEST_CASE("node names of any length are stored, read back and deleted",
          "[status_store]") {
  testing::temp_dir tmp;
  auto store = open_store(tmp / "statuses");
  const std::string name600(600, 'n');     // past LMDB's 511-byte keys
  const std::string name64k(65'536, 'm');  // past a u16 length too
  const std::string job300(300, 'j');
  // Kept whole up to 400 bytes, then cut and hashed: two long names that
  // share their first 400 bytes are still two records.
  const std::string name400(400, 'n'), name401(401, 'n');
  const std::string twin_a = std::string(400, 't') + "a" + std::string(99, 'x');
  const std::string twin_b = std::string(400, 't') + "b" + std::string(99, 'x');
  std::vector<stored_status> written = {
      simple_status("j", "ok"),       simple_status("j", name600),
      simple_status(job300, name64k), simple_status("j", name400),
      simple_status("j", name401),    simple_status("j", twin_a),
      simple_status("j", twin_b)};
  commit(*store, written);
  CHECK(sorted(load(*store)) == sorted(written));
  commit(*store, {},
         {{"j", name600},
          {"j", name400},
          {"j", name401},
          {"j", twin_a},
          {"j", twin_b}});
  CHECK(count(*store) == 2);
  REQUIRE_FALSE(store->prune_jobs_not_in({job300}));
  CHECK(jobs_of(load(*store)) ==
        std::vector<std::string>{job300 + "/" + name64k});
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
  plant(dir, "nightly", "host7", std::string("\x03garbage-from-the-future"));
  auto store = open_store(dir);
  auto loaded = store->load_all();
  REQUIRE(std::holds_alternative<std::string>(loaded));
  const auto& error = std::get<std::string>(loaded);
  CHECK_THAT(error, Catch::Contains(dir + "/data.mdb"));
  CHECK_THAT(error, Catch::Contains("record version 3"));
  CHECK_THAT(error, Catch::Contains("newer bistro_scheduler"));
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
  std::string value = std::string(1, '\x02');
  SECTION("truncated") {
    value += std::string(10, '\0');
    plant(dir, "j", "n", value);
    auto loaded = open_store(dir)->load_all();
    REQUIRE(std::holds_alternative<std::string>(loaded));
    CHECK_THAT(std::get<std::string>(loaded),
               Catch::Contains("a record under a key of 6 bytes is truncated"));
  }
  SECTION("names whose key is not the one they are under") {
    // A long name's record carries its names (its key hashed them).
    plant(
        dir, "j", "n",
        status_store::encode_record(simple_status("j", std::string(500, 'o'))));
    auto loaded = open_store(dir)->load_all();
    REQUIRE(std::holds_alternative<std::string>(loaded));
    CHECK_THAT(std::get<std::string>(loaded),
               Catch::Contains("job \"j\" on node \"ooo"));
    CHECK_THAT(std::get<std::string>(loaded),
               Catch::Contains("...\" is stored under a key that is not its "
                               "names' key"));
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
  set_meta(dir, "format_version", std::string("\0\0\0\x03", 4));
  const std::string error = open_error(dir);
  CHECK_THAT(error, Catch::Contains(dir + "/data.mdb"));
  CHECK_THAT(error, Catch::Contains("format version 3"));
  CHECK_THAT(error, Catch::Contains("newer bistro_scheduler"));
  set_meta(dir, "format_version", std::string("\0\0\0\x02", 4));
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
  // "a" is a byte prefix of "ab": neither may leak into the other.
  commit(*store, {simple_status("a", "1"), simple_status("a", "2"),
                  simple_status("ab", "1"), simple_status("b", "1"),
                  simple_status("c", "1"), simple_status("c", "2")});
  REQUIRE_FALSE(store->prune_jobs_not_in({"a", "c", "gone"}));
  CHECK(jobs_of(sorted(load(*store))) ==
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

TEST_CASE("a format-1 store is migrated whole at open, secrets included",
          "[status_store]") {
  testing::temp_dir tmp;
  const std::string dir = tmp / "statuses";
  std::vector<stored_status> v1;
  for (int i = 0; i < 10; ++i) {
    v1.push_back(full_status(numbered("job", i % 3), numbered("node", i)));
    v1.back().run_id = static_cast<std::uint64_t>(100 + i);
  }
  v1[4].status.label = status_label::running;  // a run not ended: no history
  v1[4].end_ms = 0;
  const std::string hash(64, 'e');
  make_v1_store(dir, v1, "worker-a", hash);

  status_store_options options;
  options.migrate_chunk = 3;  // four chunks and the final step
  auto store = open_store(dir, options);
  CHECK(store->migrated_records() == 10);
  CHECK(sorted(load(*store)) == sorted(v1));
  auto secrets = store->load_worker_secret_hashes();
  REQUIRE(std::holds_alternative<std::map<std::string, std::string>>(secrets));
  CHECK(std::get<std::map<std::string, std::string>>(secrets) ==
        std::map<std::string, std::string>{{"worker-a", hash}});
  // Each ended run is the first entry of its task's history.
  auto h = history(*store, "job0", "node0");
  REQUIRE(h.size() == 1);
  CHECK(h[0] == run_history_entry{100, status_label::error_backoff, -5, t0 + 1,
                                  "worker-shard-7", "exit code 3"});
  CHECK(history(*store, "job1", "node4").empty());
  store.reset();

  // Migrated once: the next open finds format 2 and nothing to do.
  store = open_store(dir, options);
  CHECK(store->migrated_records() == 0);
  CHECK(count(*store) == 10);

  SECTION("and a newer build's store is never taken for format 1") {
    store.reset();
    set_meta(dir, "format_version", std::string("\0\0\0\x07", 4));
    CHECK_THAT(open_error(dir), Catch::Contains("format version 7"));
  }
}

TEST_CASE("a damaged format-1 record stops the migration and loses nothing",
          "[status_store]") {
  testing::temp_dir tmp;
  const std::string dir = tmp / "statuses";
  std::vector<stored_status> v1 = {full_status("j", "a"),
                                   full_status("j", "b")};
  make_v1_store(dir, v1, "w", std::string(64, 'f'));
  plant_raw(dir, "statuses", v1_key("j", "c"), std::string("\x01short"));
  status_store_options options;
  options.migrate_chunk = 1;
  const std::string error = open_error(dir, options);
  CHECK_THAT(error, Catch::Contains("job \"j\" on node \"c\" is truncated"));
  // Still format 1, every record still there: fixing the record (here:
  // deleting it) and opening again migrates.
  {
    lmdb_env_options env_options;
    env_options.max_dbs = 8;
    auto opened = lmdb_env::open(dir, env_options);
    REQUIRE(std::holds_alternative<std::unique_ptr<lmdb_env>>(opened));
    auto& env = *std::get<std::unique_ptr<lmdb_env>>(opened);
    REQUIRE(env.write([&](lmdb_txn& txn) {
      MDB_dbi dbi = 0;
      if (int rc = txn.open_dbi("statuses", 0, &dbi)) return rc;
      MDB_stat st{};
      if (int rc = mdb_stat(txn.get(), dbi, &st)) return rc;
      if (st.ms_entries != 3) return MDB_CORRUPTED;
      return txn.del(dbi, v1_key("j", "c"));
    }) == 0);
  }
  auto store = open_store(dir, options);
  CHECK(store->migrated_records() == 2);
  CHECK(sorted(load(*store)) == sorted(v1));
}

TEST_CASE("each ended run goes into the task's history, oldest first",
          "[status_store]") {
  testing::temp_dir tmp;
  auto store = open_store(tmp / "statuses");
  auto run = [](std::uint64_t id, status_label label, std::int64_t end_ms) {
    stored_status s = simple_status("j", "n", label);
    s.run_id = id;
    s.start_ms = end_ms - 100;
    s.end_ms = end_ms;
    s.worker = "w1";
    s.status.message = label == status_label::done ? "" : "exit code 1";
    return s;
  };
  stored_status started = run(3, status_label::running, 0);
  commit(*store, {run(1, status_label::error_backoff, t0 + 1000)});
  commit(*store, {run(2, status_label::done, t0 + 2000), started});
  commit(*store, {simple_status("j", "other", status_label::done)});
  CHECK(history(*store, "j", "n") ==
        std::vector<run_history_entry>{
            {1, status_label::error_backoff, t0 + 900, t0 + 1000, "w1",
             "exit code 1"},
            {2, status_label::done, t0 + 1900, t0 + 2000, "w1", ""}});
  CHECK(history(*store, "j", "other").empty());  // no run id: no run

  auto pruned = store->prune_history_older_than(t0 + 1500);
  REQUIRE(std::holds_alternative<std::size_t>(pruned));
  CHECK(std::get<std::size_t>(pruned) == 1);
  CHECK(history(*store, "j", "n").size() == 1);

  REQUIRE_FALSE(store->prune_jobs_not_in({"other-job"}));
  CHECK(history(*store, "j", "n").empty());
}

TEST_CASE(
    "a job's history is its newest ended runs across its nodes, newest "
    "first, bounded, long node names whole",
    "[status_store]") {
  testing::temp_dir tmp;
  auto store = open_store(tmp / "statuses");
  const std::string long_node(500, 'n');  // hashed in the key
  auto run = [](const std::string& job, const std::string& node,
                std::uint64_t id, status_label label, std::int64_t end_ms) {
    stored_status s = simple_status(job, node, label);
    s.run_id = id;
    s.start_ms = end_ms - 100;
    s.end_ms = end_ms;
    s.worker = "w1";
    return s;
  };
  commit(*store, {run("j", "a", 1, status_label::incomplete, t0 + 1000),
                  run("j", "b", 2, status_label::failed, t0 + 1500),
                  run("jj", "a", 3, status_label::done, t0 + 9000)});
  commit(*store,
         {run("j", "a", 4, status_label::done, t0 + 2000),
          run("j", long_node, 5, status_label::error_backoff, t0 + 3000),
          // Same end as run 4: the larger run id is the newer.
          run("j", "c", 6, status_label::done, t0 + 2000)});
  auto load = [&](std::size_t limit) {
    auto loaded = store->load_job_history("j", limit);
    if (auto* error = std::get_if<std::string>(&loaded)) FAIL(*error);
    std::vector<std::pair<std::string, std::uint64_t>> out;
    for (const auto& e : std::get<std::vector<job_run_entry>>(loaded))
      out.emplace_back(e.node, e.run.run_id);
    return out;
  };
  using runs = std::vector<std::pair<std::string, std::uint64_t>>;
  CHECK(load(100) ==
        runs{{long_node, 5}, {"c", 6}, {"a", 4}, {"b", 2}, {"a", 1}});
  CHECK(load(3) == runs{{long_node, 5}, {"c", 6}, {"a", 4}});
  CHECK(load(0).empty());
  auto none = store->load_job_history("nobody", 10);
  REQUIRE(std::holds_alternative<std::vector<job_run_entry>>(none));
  CHECK(std::get<std::vector<job_run_entry>>(none).empty());
  // Each entry whole: label, times, worker.
  auto loaded = store->load_job_history("j", 1);
  REQUIRE(std::holds_alternative<std::vector<job_run_entry>>(loaded));
  CHECK(std::get<std::vector<job_run_entry>>(loaded).at(0) ==
        job_run_entry{
            long_node,
            {5, status_label::error_backoff, t0 + 2900, t0 + 3000, "w1", ""}});
}

}  // namespace
}  // namespace bistro
