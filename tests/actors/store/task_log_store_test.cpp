#include "actors/store/task_log_store.hpp"

#include <algorithm>
#include <atomic>
#include <catch2/catch.hpp>
#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "tests/actors/store/store_test_support.hpp"

namespace bistro {
namespace {

using testing::numbered;

constexpr std::int64_t t0 = 1'700'000'000'000;  // ms, Nov 2023

std::unique_ptr<task_log_store> open_store(
    const std::string& dir, const task_log_store_options& options = {}) {
  auto opened = task_log_store::open(dir, options);
  if (auto* error = std::get_if<std::string>(&opened)) FAIL(*error);
  return std::move(std::get<std::unique_ptr<task_log_store>>(opened));
}

void append(task_log_store& store, log_type type,
            const std::vector<log_entry>& batch) {
  auto error = store.append(type, batch);
  if (error) FAIL(*error);
}

log_page run(const task_log_store& store, const log_query& q) {
  auto result = store.query(q);
  if (auto* error = std::get_if<std::string>(&result)) FAIL(*error);
  return std::get<log_page>(std::move(result));
}

std::vector<std::string> texts(const log_page& page) {
  std::vector<std::string> out;
  for (const auto& l : page.lines) out.push_back(l.line);
  return out;
}

// Lines "j<j>/n<n>/<i>" for 3 jobs x 3 nodes, 4 lines each, interleaved in
// time (all in one second for some, across seconds for others).
std::vector<log_entry> grid() {
  std::vector<log_entry> out;
  for (int i = 0; i < 4; ++i) {
    for (int j = 0; j < 3; ++j) {
      for (int n = 0; n < 3; ++n) {
        out.push_back(
            {numbered("j", j), numbered("n", n), t0 + i * 700 + j * 10 + n,
             numbered("j", j) + numbered("/n", n) + numbered("/", i)});
      }
    }
  }
  return out;
}

TEST_CASE("lines of one job and node come back in time order, asc and desc") {
  testing::temp_dir dir;
  auto store = open_store(dir.path());
  append(*store, log_type::stdout_log,
         {{"job", "node", t0, "first"},
          {"job", "node", t0 + 1, "second"},
          {"job", "other", t0 + 2, "elsewhere"},
          {"job", "node", t0 + 5000, "third"}});
  log_query q{.jobs = {"job"}, .nodes = {"node"}};
  auto asc = run(*store, q);
  CHECK(texts(asc) == std::vector<std::string>{"first", "second", "third"});
  CHECK_FALSE(asc.next_line_id);
  CHECK(asc.lines[0].job == "job");
  CHECK(asc.lines[0].node == "node");
  CHECK(asc.lines[0].time_ms == t0);
  CHECK(asc.lines[2].time_ms == t0 + 5000);
  q.ascending = false;
  CHECK(texts(run(*store, q)) ==
        std::vector<std::string>{"third", "second", "first"});
}

TEST_CASE("each log type is kept apart") {
  testing::temp_dir dir;
  auto store = open_store(dir.path());
  append(*store, log_type::stdout_log, {{"j", "n", t0, "out"}});
  append(*store, log_type::stderr_log, {{"j", "n", t0, "err"}});
  append(*store, log_type::statuses, {{"j", "n", t0, "done"}});
  for (auto [type, text] : {std::pair{log_type::stdout_log, "out"},
                            std::pair{log_type::stderr_log, "err"},
                            std::pair{log_type::statuses, "done"}}) {
    CHECK(texts(run(*store, {.type = type})) == std::vector<std::string>{text});
    CHECK(texts(run(*store, {.type = type, .jobs = {"j"}})) ==
          std::vector<std::string>{text});
  }
}

TEST_CASE("job and node filters select lines and merge them in time order") {
  testing::temp_dir dir;
  auto store = open_store(dir.path());
  append(*store, log_type::stderr_log, grid());
  auto check = [&](log_query q, auto keep) {
    q.type = log_type::stderr_log;
    for (bool ascending : {true, false}) {
      q.ascending = ascending;
      std::vector<log_entry> expected;
      for (const auto& e : grid()) {
        if (keep(e)) expected.push_back(e);
      }
      // Ties within a second keep arrival order, as the grid was appended.
      std::stable_sort(expected.begin(), expected.end(),
                       [](const log_entry& a, const log_entry& b) {
                         return a.time_ms / 1000 < b.time_ms / 1000;
                       });
      if (!ascending) std::reverse(expected.begin(), expected.end());
      std::vector<std::string> want;
      for (const auto& e : expected) want.push_back(e.line);
      auto page = run(*store, q);
      CHECK(texts(page) == want);
      for (std::size_t i = 1; i < page.lines.size(); ++i) {
        CHECK((ascending ? page.lines[i - 1].line_id < page.lines[i].line_id
                         : page.lines[i - 1].line_id > page.lines[i].line_id));
      }
    }
  };
  check({.jobs = {"j1"}}, [](const log_entry& e) { return e.job == "j1"; });
  check({.jobs = {"j0", "j2"}, .nodes = {"n1"}},
        [](const log_entry& e) { return e.job != "j1" && e.node == "n1"; });
  check({.nodes = {"n2"}}, [](const log_entry& e) { return e.node == "n2"; });
  check({}, [](const log_entry&) { return true; });
  check({.jobs = {"nope"}}, [](const log_entry&) { return false; });
}

TEST_CASE("paging with next_line_id returns every line exactly once") {
  testing::temp_dir dir;
  auto store = open_store(dir.path());
  append(*store, log_type::stdout_log, grid());
  for (log_query q : {log_query{}, log_query{.jobs = {"j0", "j2"}},
                      log_query{.nodes = {"n0", "n1"}}}) {
    for (bool ascending : {true, false}) {
      q.ascending = ascending;
      q.limit = 5;
      q.start_line_id.reset();
      std::vector<std::string> seen;
      std::optional<std::int64_t> last_id;
      for (int pages = 0; pages < 100; ++pages) {
        auto page = run(*store, q);
        CHECK(page.lines.size() <= 5);
        for (const auto& l : page.lines) {
          if (last_id)
            CHECK((ascending ? *last_id < l.line_id : *last_id > l.line_id));
          last_id = l.line_id;
          seen.push_back(l.line);
        }
        if (!page.next_line_id) break;
        q.start_line_id = page.next_line_id;
      }
      std::size_t expected = 0;
      for (const auto& e : grid()) {
        expected += (q.jobs.empty() || e.job != "j1") &&
                    (q.nodes.empty() || e.node != "n2");
      }
      CHECK(seen.size() == expected);
      CHECK(std::set<std::string>(seen.begin(), seen.end()).size() == expected);
    }
  }
}

TEST_CASE("a start time skips earlier lines, to the millisecond") {
  testing::temp_dir dir;
  auto store = open_store(dir.path());
  append(*store, log_type::stdout_log,
         {{"j", "n", t0 + 100, "a"},
          {"j", "n", t0 + 600, "b"},
          {"j", "n", t0 + 1500, "c"}});
  CHECK(texts(run(*store, {.jobs = {"j"}, .start_time_ms = t0 + 500})) ==
        std::vector<std::string>{"b", "c"});
  CHECK(texts(run(*store, {.start_time_ms = t0 + 500})) ==
        std::vector<std::string>{"b", "c"});
  CHECK(texts(run(
            *store,
            {.jobs = {"j"}, .ascending = false, .start_time_ms = t0 + 500})) ==
        std::vector<std::string>{"a"});
}

TEST_CASE("a regex filter keeps matching lines and pages past the rest") {
  testing::temp_dir dir;
  auto store = open_store(dir.path());
  std::vector<log_entry> batch;
  for (int i = 0; i < 20; ++i) {
    batch.push_back({"j", "n", t0 + i,
                     (i % 5 == 0 ? "ERROR " : "info ") + std::to_string(i)});
  }
  append(*store, log_type::stdout_log, batch);
  log_query q{.jobs = {"j"}, .limit = 2, .regex_filter = "^ERR(OR)? \\d+$"};
  auto page = run(*store, q);
  CHECK(texts(page) == std::vector<std::string>{"ERROR 0", "ERROR 5"});
  REQUIRE(page.next_line_id);
  q.start_line_id = page.next_line_id;
  page = run(*store, q);
  CHECK(texts(page) == std::vector<std::string>{"ERROR 10", "ERROR 15"});
  CHECK_FALSE(page.next_line_id);
  q.jobs.clear();
  q.start_line_id.reset();
  q.limit = 100;
  CHECK(run(*store, q).lines.size() == 4);
}

TEST_CASE("an invalid regex is an error naming it") {
  testing::temp_dir dir;
  auto store = open_store(dir.path());
  auto result = store->query({.regex_filter = "(unclosed"});
  REQUIRE(std::holds_alternative<std::string>(result));
  CHECK_THAT(std::get<std::string>(result), Catch::Contains("(unclosed"));
}

TEST_CASE("pruning removes lines older than the cutoff and nothing else") {
  testing::temp_dir dir;
  auto store = open_store(dir.path(), {.prune_chunk_lines = 3});
  std::vector<log_entry> batch;
  for (int i = 0; i < 20; ++i) {
    batch.push_back(
        {numbered("j", i % 2), "n", t0 + i * 250, std::to_string(i)});
  }
  for (log_type type :
       {log_type::stdout_log, log_type::stderr_log, log_type::statuses}) {
    append(*store, type, batch);
  }
  // Cut inside a second: lines at t0+2000 and t0+2250 share it.
  auto pruned = store->prune_older_than(t0 + 2100);
  REQUIRE(std::holds_alternative<std::size_t>(pruned));
  CHECK(std::get<std::size_t>(pruned) == 3 * 9);
  for (log_type type :
       {log_type::stdout_log, log_type::stderr_log, log_type::statuses}) {
    auto page = run(*store, {.type = type});
    REQUIRE(page.lines.size() == 11);
    CHECK(page.lines.front().line == "9");
    CHECK(run(*store, {.type = type, .jobs = {"j0", "j1"}}).lines.size() == 11);
  }
  pruned = store->prune_older_than(t0 + 2100);
  CHECK(std::get<std::size_t>(pruned) == 0);
}

TEST_CASE("reopening the store keeps its lines and keeps line ids unique") {
  testing::temp_dir dir;
  std::set<std::int64_t> ids;
  for (int round = 0; round < 3; ++round) {
    auto store = open_store(dir.path());
    append(*store, log_type::statuses,
           {{"j", "n", t0, numbered("round ", round)}});
    auto page = run(*store, {.type = log_type::statuses});
    REQUIRE(page.lines.size() == static_cast<std::size_t>(round + 1));
    for (const auto& l : page.lines) ids.insert(l.line_id);
    CHECK(page.lines.back().line == numbered("round ", round));
  }
  CHECK(ids.size() == 3);
}

TEST_CASE("appending more than the initial map size grows the map") {
  testing::temp_dir dir;
  task_log_store_options options;
  options.env.initial_map_bytes = 1 << 20;
  auto store = open_store(dir.path(), options);
  const std::string line(1000, 'x');
  for (int b = 0; b < 40; ++b) {
    std::vector<log_entry> batch;
    for (int i = 0; i < 100; ++i) {
      batch.push_back({"job", numbered("node", i % 7), t0 + b * 100 + i, line});
    }
    append(*store, log_type::stdout_log, batch);
  }
  CHECK(store->map_bytes() > (std::size_t{1} << 20));
  CHECK(run(*store, {.limit = 10000}).lines.size() == 4000);
}

TEST_CASE("queries on another thread see whole batches while the map grows") {
  testing::temp_dir dir;
  task_log_store_options options;
  options.env.initial_map_bytes = 1 << 20;
  auto store = open_store(dir.path(), options);
  constexpr int batches = 30;
  std::atomic<bool> done{false};
  std::thread writer([&] {
    const std::string line(2000, 'x');
    for (int b = 0; b < batches; ++b) {
      std::vector<log_entry> batch(100, {"job", "node", t0 + b, line});
      if (store->append(log_type::stdout_log, batch)) break;
    }
    done = true;
  });
  std::size_t seen = 0;
  bool whole_batches = true;
  for (bool last = false; !last;) {
    last = done;
    auto result = store->query({.jobs = {"job"}, .limit = 100000});
    if (!std::holds_alternative<log_page>(result)) break;
    seen = std::get<log_page>(result).lines.size();
    whole_batches = whole_batches && seen % 100 == 0;
  }
  writer.join();
  CHECK(whole_batches);
  CHECK(seen == batches * 100);
  CHECK(store->map_bytes() > (std::size_t{1} << 20));
}

TEST_CASE("a full store at its map cap reports an error and stays usable") {
  testing::temp_dir dir;
  task_log_store_options options;
  options.env.initial_map_bytes = 1 << 20;
  options.env.max_map_bytes = 1 << 20;
  auto store = open_store(dir.path(), options);
  std::vector<log_entry> big(2000, {"j", "n", t0, std::string(1000, 'x')});
  auto error = store->append(log_type::stdout_log, big);
  REQUIRE(error);
  CHECK_THAT(*error, Catch::Contains("cap"));
  CHECK(run(*store, {}).lines.empty());
  append(*store, log_type::stdout_log, {{"j", "n", t0, "small"}});
  CHECK(texts(run(*store, {})) == std::vector<std::string>{"small"});
}

TEST_CASE("a garbage file in place of data.mdb gives a clear error") {
  testing::temp_dir dir;
  std::filesystem::create_directories(dir / "task_logs");
  {
    std::ofstream out(dir / "task_logs/data.mdb", std::ios::binary);
    for (int i = 0; i < 10000; ++i) out << "not an lmdb file ";
  }
  auto opened = task_log_store::open(dir / "task_logs");
  REQUIRE(std::holds_alternative<std::string>(opened));
  const std::string& error = std::get<std::string>(opened);
  CHECK_THAT(error, Catch::Contains(dir / "task_logs/data.mdb"));
  CHECK_THAT(error, Catch::Contains("move"));
}

TEST_CASE("open creates missing directories") {
  testing::temp_dir dir;
  auto store = open_store(dir / "data/task_logs");
  CHECK(std::filesystem::exists(dir / "data/task_logs/data.mdb"));
}

TEST_CASE("lines longer than 64 KiB are cut, never inside a UTF-8 char") {
  testing::temp_dir dir;
  auto store = open_store(dir.path());
  std::string ascii(100'000, 'a');
  // A 3-byte character straddling the limit.
  std::string utf8(task_log_store::max_line_bytes - 1, 'b');
  utf8 += "\xE2\x82\xAC";  // euro sign
  utf8 += "tail";
  append(*store, log_type::stdout_log,
         {{"j", "n", t0, ascii}, {"j", "n", t0 + 1, utf8}});
  auto page = run(*store, {});
  REQUIRE(page.lines.size() == 2);
  CHECK(page.lines[0].line == ascii.substr(0, task_log_store::max_line_bytes));
  CHECK(page.lines[1].line ==
        utf8.substr(0, task_log_store::max_line_bytes - 1));
}

TEST_CASE("names of any length are kept and queried, by job and by node") {
  testing::temp_dir dir;
  auto store = open_store(dir.path());
  const std::string node600(600, 'n');  // past LMDB's 511-byte keys
  const std::string job5k(5000, 'j');
  append(*store, log_type::stdout_log,
         {{"j", node600, t0, "long node"},
          {"j", "n", t0 + 1, "short"},
          {job5k, node600, t0 + 2, "long job"}});
  CHECK(texts(run(*store, {})) ==
        std::vector<std::string>{"long node", "short", "long job"});
  auto by_job = run(*store, {.jobs = {"j"}});
  CHECK(texts(by_job) == std::vector<std::string>{"long node", "short"});
  CHECK(by_job.lines[0].node == node600);
  CHECK(texts(run(*store, {.jobs = {job5k}, .nodes = {node600}})) ==
        std::vector<std::string>{"long job"});
  CHECK(texts(run(*store, {.nodes = {node600}})) ==
        std::vector<std::string>{"long node", "long job"});
}

TEST_CASE("pruning forgets the names of streams with no line left") {
  testing::temp_dir dir;
  auto store = open_store(dir.path());
  append(*store, log_type::stdout_log,
         {{"old", "n", t0, "a"}, {"new", "n", t0 + 10'000, "b"}});
  append(*store, log_type::stderr_log, {{"old", "n2", t0 + 20'000, "c"}});
  auto pruned = store->prune_older_than(t0 + 5000);
  REQUIRE(std::holds_alternative<std::size_t>(pruned));
  CHECK(std::get<std::size_t>(pruned) == 1);
  store.reset();
  // Count the names left, straight from LMDB.
  lmdb_env_options options;
  options.max_dbs = 16;
  auto opened = lmdb_env::open(dir.path(), options);
  REQUIRE(std::holds_alternative<std::unique_ptr<lmdb_env>>(opened));
  auto& env = *std::get<std::unique_ptr<lmdb_env>>(opened);
  lmdb_txn txn;
  REQUIRE(env.begin_read(&txn) == 0);
  MDB_dbi streams = 0;
  REQUIRE(txn.open_dbi("streams", 0, &streams) == 0);
  MDB_stat st{};
  REQUIRE(mdb_stat(txn.get(), streams, &st) == 0);
  CHECK(st.ms_entries == 2);  // new/n and old/n2; old/n is gone
}

TEST_CASE("a format-1 task log store is migrated at open, lines and ids kept") {
  testing::temp_dir dir;
  // Format 1 as the builds before wrote it (layout in task_log_format.hpp).
  auto v1_prefix = [](const std::string& job, const std::string& node) {
    std::string out;
    out.push_back(static_cast<char>(job.size() >> 8));
    out.push_back(static_cast<char>(job.size() & 0xff));
    out += job;
    out.push_back(static_cast<char>(node.size() >> 8));
    out.push_back(static_cast<char>(node.size() & 0xff));
    out += node;
    return out;
  };
  auto be64 = [](std::int64_t v) {
    std::string out;
    for (int i = 7; i >= 0; --i) out.push_back(static_cast<char>(v >> (8 * i)));
    return out;
  };
  const std::int64_t s0 = t0 / 1000;
  struct line {
    const char* type;
    std::string job, node;
    std::int64_t id;
    std::string text;
  };
  const std::vector<line> lines = {
      {"stdout", "j", "n1", (s0 << 31) | 0, "out 1"},
      {"stdout", "j", "n2", (s0 << 31) | 1, "out 2"},
      {"stderr", "k", "n1", ((s0 + 1) << 31) | 2, "err 1"},
      {"statuses", "j", "n1", ((s0 + 2) << 31) | 3, "done"}};
  {
    lmdb_env_options options;
    options.max_dbs = 16;
    auto opened = lmdb_env::open(dir.path(), options);
    REQUIRE(std::holds_alternative<std::unique_ptr<lmdb_env>>(opened));
    auto& env = *std::get<std::unique_ptr<lmdb_env>>(opened);
    REQUIRE(env.write([&](lmdb_txn& txn) {
      MDB_dbi meta = 0;
      int rc = txn.open_dbi("meta", MDB_CREATE, &meta);
      if (rc ||
          (rc = txn.put(meta, "format_version", std::string("\0\0\0\x01", 4))))
        return rc;
      for (const char* type : {"stdout", "stderr", "statuses"}) {
        MDB_dbi a = 0, b = 0;
        if ((rc = txn.open_dbi(type, MDB_CREATE, &a)) ||
            (rc = txn.open_dbi((std::string(type) + ".by_time").c_str(),
                               MDB_CREATE, &b)))
          return rc;
      }
      for (const auto& l : lines) {
        MDB_dbi a = 0, b = 0;
        const std::string index = std::string(l.type) + ".by_time";
        const std::string prefix = v1_prefix(l.job, l.node);
        const std::int64_t time_ms = (l.id >> 31) * 1000 + 250;
        if ((rc = txn.open_dbi(l.type, 0, &a)) ||
            (rc = txn.open_dbi(index.c_str(), 0, &b)) ||
            (rc = txn.put(b, be64(l.id), prefix)) ||
            (rc = txn.put(a, prefix + be64(l.id),
                          std::string(1, '\x01') + be64(time_ms) + l.text)))
          return rc;
      }
      return 0;
    }) == 0);
  }
  task_log_store_options options;
  options.prune_chunk_lines = 1;  // one line per migration transaction
  auto store = open_store(dir.path(), options);
  auto out = run(*store, {});
  REQUIRE(out.lines.size() == 2);
  CHECK(out.lines[0].line == "out 1");
  CHECK(out.lines[0].line_id == lines[0].id);
  CHECK(out.lines[0].time_ms == (s0 * 1000 + 250));
  CHECK(out.lines[1].node == "n2");
  CHECK(texts(run(*store, {.type = log_type::stderr_log, .jobs = {"k"}})) ==
        std::vector<std::string>{"err 1"});
  CHECK(texts(run(*store, {.type = log_type::statuses, .nodes = {"n1"}})) ==
        std::vector<std::string>{"done"});
  // New lines get ids after the migrated ones.
  append(*store, log_type::stdout_log, {{"j", "n1", t0, "after"}});
  CHECK(texts(run(*store, {.jobs = {"j"}, .nodes = {"n1"}})) ==
        std::vector<std::string>{"out 1", "after"});
  store.reset();
  store = open_store(dir.path());  // format 2 now: opens as is
  CHECK(run(*store, {}).lines.size() == 3);
}

TEST_CASE("log type names round-trip as Bistro spells them") {
  for (auto [type, name] : {std::pair{log_type::stdout_log, "stdout"},
                            std::pair{log_type::stderr_log, "stderr"},
                            std::pair{log_type::statuses, "statuses"}}) {
    CHECK(log_type_name(type) == name);
    CHECK(parse_log_type(name) == type);
  }
  CHECK_FALSE(parse_log_type("stdin"));
}

}  // namespace
}  // namespace bistro
