// The stores opened read-only (bistro_shell --data_dir): they read what
// another handle writes, refuse what they cannot read with a message naming
// the file, and write nothing.
#include <catch2/catch.hpp>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "actors/store/big_endian.hpp"
#include "actors/store/status_store.hpp"
#include "actors/store/task_log_store.hpp"
#include "tests/actors/store/store_test_support.hpp"

namespace bistro {
namespace {

constexpr std::int64_t t0 = 1'700'000'000'000;  // ms, Nov 2023

template <class T>
std::unique_ptr<T> must(std::variant<std::unique_ptr<T>, std::string> opened) {
  if (auto* error = std::get_if<std::string>(&opened)) FAIL(*error);
  return std::move(std::get<std::unique_ptr<T>>(opened));
}

template <class T>
std::string error_of(std::variant<std::unique_ptr<T>, std::string> opened) {
  if (auto* error = std::get_if<std::string>(&opened)) return *error;
  return "(opened)";
}

stored_status ended(const std::string& node, std::uint64_t run_id,
                    status_label label, std::int64_t end_ms) {
  stored_status s;
  s.job = "job1";
  s.node = node;
  s.status.label = label;
  s.status.updated_ms = end_ms;
  s.status.message = "run " + std::to_string(run_id);
  s.run_id = run_id;
  s.worker = "w1";
  s.start_ms = end_ms - 500;
  s.end_ms = end_ms;
  return s;
}

struct file_state {
  std::uintmax_t size;
  std::filesystem::file_time_type mtime;
  bool operator==(const file_state&) const = default;
};

file_state state_of(const std::string& file) {
  return {std::filesystem::file_size(file),
          std::filesystem::last_write_time(file)};
}

TEST_CASE("a read-only status store reads what an open writer commits",
          "[read_only]") {
  testing::temp_dir dir;
  status_store_options o;
  o.sync = status_sync::no_sync;
  auto writer = must(status_store::open(dir / "statuses", o));
  std::vector<stored_status> first{
      ended("n1", 1, status_label::error_backoff, t0)};
  REQUIRE_FALSE(writer->commit(first));

  auto reader = must(status_store::open_read_only(dir / "statuses"));
  auto all = std::get<std::vector<stored_status>>(reader->load_all());
  REQUIRE(all.size() == 1);
  CHECK(all[0] == first[0]);

  // The writer goes on; a new read sees its next commit and history.
  std::vector<stored_status> second{ended("n1", 2, status_label::done, t0 + 9)};
  REQUIRE_FALSE(writer->commit(second));
  all = std::get<std::vector<stored_status>>(reader->load_all());
  REQUIRE(all.size() == 1);
  CHECK(all[0].status.label == status_label::done);
  auto runs = std::get<std::vector<run_history_entry>>(
      reader->load_history("job1", "n1"));
  REQUIRE(runs.size() == 2);
  CHECK(runs[0].run_id == 1);
  CHECK(runs[0].label == status_label::error_backoff);
  CHECK(runs[1].run_id == 2);
  CHECK(runs[1].label == status_label::done);
  CHECK(runs[1].worker == "w1");
  CHECK(runs[1].message == "run 2");
  CHECK(runs[1].start_ms == t0 + 9 - 500);
  CHECK(runs[1].end_ms == t0 + 9);
}

TEST_CASE("a read-only status store writes nothing", "[read_only]") {
  testing::temp_dir dir;
  const std::string file = dir / "statuses/data.mdb";
  {
    auto writer = must(status_store::open(dir / "statuses"));
    std::vector<stored_status> one{ended("n1", 1, status_label::done, t0)};
    REQUIRE_FALSE(writer->commit(one));
  }
  auto before = state_of(file);
  {
    auto reader = must(status_store::open_read_only(dir / "statuses"));
    CHECK(std::get<std::vector<stored_status>>(reader->load_all()).size() == 1);
    CHECK(std::get<std::vector<run_history_entry>>(
              reader->load_history("job1", "n1"))
              .size() == 1);
    // Its write calls fail instead of writing.
    std::vector<stored_status> more{ended("n2", 2, status_label::done, t0)};
    CHECK(reader->commit(more).has_value());
  }
  CHECK(state_of(file) == before);
  CHECK(std::get<std::size_t>(
            must(status_store::open_read_only(dir / "statuses"))->count()) ==
        1);
}

TEST_CASE("a read-only open of a missing store is a clear error",
          "[read_only]") {
  testing::temp_dir dir;
  auto error = error_of(status_store::open_read_only(dir / "nowhere"));
  CHECK_THAT(error, Catch::Contains(dir / "nowhere/data.mdb") &&
                        Catch::Contains("does not exist"));
  CHECK_FALSE(std::filesystem::exists(dir / "nowhere"));
  error = error_of(task_log_store::open_read_only(dir / "nowhere"));
  CHECK_THAT(error, Catch::Contains(dir / "nowhere/data.mdb") &&
                        Catch::Contains("does not exist"));
  CHECK_FALSE(std::filesystem::exists(dir / "nowhere"));
}

TEST_CASE("a read-only open refuses a newer status store without touching it",
          "[read_only]") {
  testing::temp_dir dir;
  must(status_store::open(dir / "statuses")).reset();
  {
    auto env = std::get<std::unique_ptr<lmdb_env>>(
        lmdb_env::open(dir / "statuses", lmdb_env_options{.max_dbs = 6}));
    REQUIRE(env->write([](lmdb_txn& txn) {
      MDB_dbi meta = 0;
      std::string v;
      put_be(v, status_store::format_version + 1, 4);
      int rc = txn.open_dbi("meta", 0, &meta);
      return rc ? rc : txn.put(meta, "format_version", v);
    }) == 0);
  }
  auto before = state_of(dir / "statuses/data.mdb");
  auto error = error_of(status_store::open_read_only(dir / "statuses"));
  CHECK_THAT(error, Catch::Contains(dir / "statuses/data.mdb") &&
                        Catch::Contains("format version 3") &&
                        Catch::Contains("never migrates"));
  CHECK(state_of(dir / "statuses/data.mdb") == before);
}

TEST_CASE(
    "a read-only task log store reads an open writer's lines and "
    "writes nothing",
    "[read_only]") {
  testing::temp_dir dir;
  const std::string file = dir / "task_logs/data.mdb";
  auto writer = must(task_log_store::open(dir / "task_logs"));
  std::vector<log_entry> batch{{"job1", "n1", t0, "hello"},
                               {"job1", "n1", t0 + 1, "world"}};
  REQUIRE_FALSE(writer->append(log_type::stdout_log, batch));
  REQUIRE_FALSE(writer->sync());
  auto before = state_of(file);
  {
    auto reader = must(task_log_store::open_read_only(dir / "task_logs"));
    log_query q;
    q.jobs = {"job1"};
    auto page = std::get<log_page>(reader->query(q));
    REQUIRE(page.lines.size() == 2);
    CHECK(page.lines[0].line == "hello");
    CHECK(page.lines[1].line == "world");
    CHECK(reader->append(log_type::stdout_log, batch).has_value());
  }
  CHECK(state_of(file) == before);
}

}  // namespace
}  // namespace bistro
