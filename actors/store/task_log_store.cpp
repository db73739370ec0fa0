#include "actors/store/task_log_store.hpp"

#include <algorithm>
#include <boost/regex.hpp>
#include <filesystem>
#include <functional>
#include <limits>
#include <set>
#include <stdexcept>
#include <system_error>
#include <utility>

#include "actors/store/task_log_format.hpp"
namespace bistro {

namespace {

using namespace task_log_format;

// Collects one page: the first `limit` kept lines, then the id of the next.
struct page_builder {
  std::size_t limit;
  log_page page;

  // False once the page is full.
  bool add(job_node jn, const record_view& r, std::int64_t id) {
    if (page.lines.size() >= limit) {
      page.next_line_id = id;
      return false;
    }
    page.lines.push_back(log_line{std::string(jn.job), std::string(jn.node),
                                  r.time_ms, std::string(r.line), id});
    return true;
  }
};

std::string lmdb_failure(const std::string& dir, const char* what, int rc) {
  return "task log store " + dir + ": " + what +
         " failed: " + lmdb_error_text(rc);
}

int open_type_dbis(lmdb_txn& txn, std::size_t type, MDB_dbi* lines,
                   MDB_dbi* by_time) {
  const std::string name = std::string(type_names[type]) + ".2";
  const std::string index = name + ".by_time";
  int rc = txn.open_dbi(name.c_str(), MDB_CREATE, lines);
  return rc ? rc : txn.open_dbi(index.c_str(), MDB_CREATE, by_time);
}

// The names of a stream, read in `txn` (views into the map).
std::optional<job_node> names_of(const lmdb_txn& txn, MDB_dbi streams,
                                 std::string_view stream_id) {
  std::string_view value;
  if (txn.get(streams, stream_id, &value) != 0) return std::nullopt;
  return parse_stream_names(value);
}

// Format 1 -> 2, per type in chunks of `chunk` lines: each line is copied
// under its stream id and the same line id (so redoing a chunk after a
// crash overwrites the same keys), then the old databases are dropped and
// the format version written, in one last transaction.
std::optional<std::string> migrate_v1(lmdb_env& env, const std::string& dir,
                                      std::size_t chunk) {
  chunk = std::max<std::size_t>(chunk, 1);
  for (std::size_t type = 0; type < 3; ++type) {
    std::string resume = id_key(0);
    for (bool finished = false; !finished;) {
      std::string next_resume;
      int rc = env.write([&](lmdb_txn& txn) {
        finished = false;
        MDB_dbi old_lines = 0, old_index = 0, lines = 0, index = 0, streams = 0;
        const std::string old_index_name =
            std::string(type_names[type]) + ".by_time";
        int rc = txn.open_dbi(type_names[type], 0, &old_lines);
        if (rc == MDB_NOTFOUND) {
          finished = true;
          return 0;
        }
        if (rc || (rc = txn.open_dbi(old_index_name.c_str(), 0, &old_index)) ||
            (rc = txn.open_dbi("streams", MDB_CREATE, &streams)) ||
            (rc = open_type_dbis(txn, type, &lines, &index))) {
          return rc;
        }
        lmdb_cursor cursor;
        if ((rc = lmdb_cursor::open(txn, old_index, &cursor))) return rc;
        std::string_view key = resume, value;
        std::size_t done = 0;
        std::string old_key;
        for (rc = cursor.get(MDB_SET_RANGE, &key, &value); rc == 0;
             rc = cursor.get(MDB_NEXT, &key, &value)) {
          if (done++ >= chunk) {
            next_resume.assign(key);
            return 0;
          }
          auto jn = parse_v1_prefix(value);
          if (!jn || key.size() != id_bytes) continue;  // unreadable: skip
          old_key.assign(value);
          old_key.append(key);
          std::string_view record;
          rc = txn.get(old_lines, old_key, &record);
          if (rc == MDB_NOTFOUND) continue;
          if (rc) return rc;
          const std::string id = stream_prefix(jn->job, jn->node);
          if ((rc = txn.put(streams, id, stream_names(jn->job, jn->node))) ||
              (rc = txn.put(index, key, id)) ||
              (rc = txn.put(lines, id + std::string(key), record))) {
            return rc;
          }
        }
        if (rc != MDB_NOTFOUND) return rc;
        finished = true;
        return 0;
      });
      if (rc != 0) {
        return "task log store: cannot migrate " + dir + " from format 1 (" +
               lmdb_error_text(rc) +
               "); nothing is lost: the next start migrates again";
      }
      resume = std::move(next_resume);
    }
  }
  int rc = env.write([&](lmdb_txn& txn) {
    for (std::size_t type = 0; type < 3; ++type) {
      const std::string index = std::string(type_names[type]) + ".by_time";
      for (const char* name : {type_names[type], index.c_str()}) {
        MDB_dbi dbi = 0;
        int rc = txn.open_dbi(name, 0, &dbi);
        if (rc == MDB_NOTFOUND) continue;
        if (rc || (rc = mdb_drop(txn.get(), dbi, 1))) return rc;
      }
    }
    MDB_dbi meta = 0;
    std::string v;
    put_be(v, format_version, 4);
    int rc = txn.open_dbi("meta", 0, &meta);
    return rc ? rc : txn.put(meta, "format_version", v);
  });
  if (rc != 0) {
    return "task log store: cannot finish migrating " + dir +
           " from format 1 (" + lmdb_error_text(rc) +
           "); nothing is lost: the next start migrates again";
  }
  return std::nullopt;
}

}  // namespace

// The per-line tests of a query: its regex and, when it starts at a time,
// the millisecond bound inside the first second.
class line_filter {
 public:
  static std::variant<line_filter, std::string> make(const log_query& q) {
    line_filter f;
    if (!q.regex_filter.empty()) {
      try {
        f.re_.emplace(q.regex_filter, boost::regex::perl);
      } catch (const std::exception& e) {
        return "task_logs: regex_filter \"" + q.regex_filter +
               "\" is not a valid regex: " + e.what();
      }
    }
    if (!q.start_line_id && q.start_time_ms) {
      (q.ascending ? f.min_time_ms_ : f.max_time_ms_) = *q.start_time_ms;
    }
    return f;
  }

  /// Sets `error` when the regex gives up on a line (too complex).
  bool keep(const record_view& r, std::string& error) const {
    if (min_time_ms_ && r.time_ms < *min_time_ms_) return false;
    if (max_time_ms_ && r.time_ms > *max_time_ms_) return false;
    if (!re_) return true;
    try {
      return boost::regex_search(r.line.begin(), r.line.end(), *re_);
    } catch (const std::exception& e) {
      error = std::string("task_logs: regex_filter failed: ") + e.what();
      return false;
    }
  }

 private:
  std::optional<boost::regex> re_;
  std::optional<std::int64_t> min_time_ms_;
  std::optional<std::int64_t> max_time_ms_;
};

std::string_view log_type_name(log_type type) {
  switch (type) {
    case log_type::stdout_log:
      return "stdout";
    case log_type::stderr_log:
      return "stderr";
    case log_type::statuses:
      return "statuses";
  }
  return "unknown";
}

std::optional<log_type> parse_log_type(std::string_view name) {
  for (log_type t : all_types) {
    if (log_type_name(t) == name) return t;
  }
  return std::nullopt;
}

std::optional<std::string> task_log_store::sync() {
  if (int rc = env_->sync(); rc != 0)
    return "task log store " + env_->dir() + ": sync: " + lmdb_error_text(rc);
  return std::nullopt;
}

std::string_view task_log_store::cut_line(std::string_view line) {
  if (line.size() <= max_line_bytes) return line;
  auto continuation = [&](std::size_t i) {
    return (static_cast<unsigned char>(line[i]) & 0xC0) == 0x80;
  };
  // line[n] is the first byte left out: if it continues a UTF-8 sequence,
  // leave out the whole sequence. Not UTF-8 at all: cut at the byte.
  std::size_t n = max_line_bytes;
  while (n > max_line_bytes - 3 && continuation(n)) --n;
  if (continuation(n)) n = max_line_bytes;
  return line.substr(0, n);
}

std::int64_t task_log_store::line_id_at_time(std::int64_t time_ms,
                                             bool ascending) {
  return make_line_id(time_s_of(time_ms), ascending ? 0 : seq_mask);
}

task_log_store::task_log_store(std::unique_ptr<lmdb_env> env,
                               const dbis (&dbs)[3], MDB_dbi streams,
                               std::uint32_t next_seq,
                               std::size_t prune_chunk_lines)
    : env_(std::move(env)),
      dbs_{dbs[0], dbs[1], dbs[2]},
      streams_(streams),
      next_seq_(next_seq),
      prune_chunk_lines_(std::max<std::size_t>(prune_chunk_lines, 1)) {}

const task_log_store::dbis* task_log_store::dbs_of(log_type type) const {
  auto i = static_cast<std::size_t>(type);
  return i >= 1 && i <= 3 ? &dbs_[i - 1] : nullptr;
}

std::variant<std::unique_ptr<task_log_store>, std::string> task_log_store::open(
    const std::string& dir, const task_log_store_options& options) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) {
    return "task log store: cannot create the directory " + dir + " (" +
           ec.message() + "); check --data_dir and its permissions";
  }
  lmdb_env_options env_options = options.env;
  env_options.flags |= MDB_NOSYNC;
  // meta, streams, 3 x 2 of format 2 and, while migrating, 3 x 2 of format 1.
  env_options.max_dbs = std::max(env_options.max_dbs, 16u);
  auto opened = lmdb_env::open(dir, env_options);
  if (auto* error = std::get_if<std::string>(&opened)) {
    return "task log store: " + *error;
  }
  auto env = std::move(std::get<std::unique_ptr<lmdb_env>>(opened));

  std::uint32_t found_version = 0;
  int rc = env->write([&](lmdb_txn& txn) {
    MDB_dbi meta = 0;
    if (int rc = txn.open_dbi("meta", MDB_CREATE, &meta)) return rc;
    std::string_view stored;
    int rc = txn.get(meta, "format_version", &stored);
    if (rc == MDB_NOTFOUND) {
      std::string v;
      put_be(v, format_version, 4);
      rc = txn.put(meta, "format_version", v);
      found_version = format_version;
    } else if (rc == 0) {
      found_version = stored.size() == 4 ? get_be(stored, 4) : 0;
    }
    return rc;
  });
  auto failed = [&](int rc) {
    return "task log store: cannot read " + dir + "/data.mdb (" +
           lmdb_error_text(rc) + "); move the directory " + dir +
           " away and restart to begin with an empty store";
  };
  if (rc != 0) return failed(rc);
  if (found_version == 1) {
    if (auto error = migrate_v1(*env, dir, options.prune_chunk_lines))
      return *error;
    found_version = format_version;
  }
  if (found_version != format_version) {
    return "task log store: " + dir + " holds format version " +
           std::to_string(found_version) + ", this build reads version " +
           std::to_string(format_version) +
           "; run a matching bistro_worker or move the directory away";
  }
  dbis dbs[3] = {};
  MDB_dbi streams = 0;
  std::int64_t max_seq = -1;
  rc = env->write([&](lmdb_txn& txn) {
    int rc = txn.open_dbi("streams", MDB_CREATE, &streams);
    if (rc) return rc;
    for (std::size_t i = 0; i < 3; ++i) {
      if ((rc = open_type_dbis(txn, i, &dbs[i].lines, &dbs[i].by_time))) {
        return rc;
      }
      lmdb_cursor cursor;
      if ((rc = lmdb_cursor::open(txn, dbs[i].by_time, &cursor))) return rc;
      std::string_view key;
      rc = cursor.get(MDB_LAST, &key, nullptr);
      if (rc == 0 && key.size() == id_bytes) {
        max_seq = std::max<std::int64_t>(
            max_seq, static_cast<std::int64_t>(get_be(key, 8)) & seq_mask);
      } else if (rc != 0 && rc != MDB_NOTFOUND) {
        return rc;
      }
    }
    return 0;
  });
  if (rc != 0) return failed(rc);
  return std::unique_ptr<task_log_store>(new task_log_store(
      std::move(env), dbs, streams, static_cast<std::uint32_t>(max_seq + 1),
      options.prune_chunk_lines));
}

std::optional<std::string> task_log_store::append(
    log_type type, std::span<const log_entry> batch) {
  const dbis* d = dbs_of(type);
  if (!d) return "task log store: unknown log type";
  if (batch.empty()) return std::nullopt;
  int rc = env_->write([&](lmdb_txn& txn) {
    std::string key;
    std::string prefix;
    std::string_view last_job, last_node;
    bool have_last = false;
    for (const log_entry& e : batch) {
      // Batches come mostly from one task: hash and name a stream once.
      if (!have_last || e.job != last_job || e.node != last_node) {
        prefix = stream_prefix(e.job, e.node);
        std::string_view known;
        int rc = txn.get(streams_, prefix, &known);
        if (rc == MDB_NOTFOUND) {
          rc = txn.put(streams_, prefix, stream_names(e.job, e.node));
        }
        if (rc != 0) return rc;
        last_job = e.job;
        last_node = e.node;
        have_last = true;
      }
      const std::string record = make_record(e.time_ms, cut_line(e.line));
      const std::int64_t time_s = time_s_of(e.time_ms);
      // A clash means the counter wrapped within one second, or lines of an
      // earlier run share this second: take the next seq.
      for (int attempt = 0;; ++attempt) {
        const std::string id = id_key(make_line_id(time_s, next_seq_++));
        int rc = txn.put(d->by_time, id, prefix, MDB_NOOVERWRITE);
        if (rc == MDB_KEYEXIST && attempt < 1000) continue;
        if (rc != 0) return rc;
        key = prefix;
        key += id;
        if ((rc = txn.put(d->lines, key, record))) return rc;
        break;
      }
    }
    return 0;
  });
  if (rc == MDB_MAP_FULL) {
    return "task log store " + dir() + ": full at its cap of " +
           std::to_string(map_bytes() >> 20) +
           " MiB; shorten --log_retention or raise the cap";
  }
  if (rc != 0) return lmdb_failure(dir(), "append", rc);
  return std::nullopt;
}

std::variant<log_page, std::string> task_log_store::query(
    const log_query& q) const {
  const dbis* d = dbs_of(q.type);
  if (!d) return std::string("task_logs: unknown log type");
  auto made = line_filter::make(q);
  if (auto* error = std::get_if<std::string>(&made)) return *error;
  const line_filter& filter = std::get<line_filter>(made);
  std::int64_t start_id =
      q.ascending ? 0 : std::numeric_limits<std::int64_t>::max();
  if (q.start_line_id) {
    start_id = std::max<std::int64_t>(*q.start_line_id, 0);
  } else if (q.start_time_ms) {
    start_id = line_id_at_time(*q.start_time_ms, q.ascending);
  }
  lmdb_txn txn;
  if (int rc = env_->begin_read(&txn)) {
    return lmdb_failure(dir(), "query", rc);
  }
  return q.jobs.empty() ? query_by_time(txn, *d, q, filter, start_id)
                        : query_streams(txn, *d, q, filter, start_id);
}

// Jobs named: merge the (job, node) streams in line_id order, each read
// straight from the "<type>" database. One seek per stream to start, then
// one step per line (plus a seek when the merge switches streams).
std::variant<log_page, std::string> task_log_store::query_streams(
    const lmdb_txn& txn, const dbis& d, const log_query& q,
    const line_filter& filter, std::int64_t start_id) const {
  lmdb_cursor cursor;
  if (int rc = lmdb_cursor::open(txn, d.lines, &cursor)) {
    return lmdb_failure(dir(), "query", rc);
  }
  const std::set<std::string> jobs(q.jobs.begin(), q.jobs.end());
  const std::set<std::string> nodes(q.nodes.begin(), q.nodes.end());
  std::vector<std::string> streams;
  for (const std::string& job : jobs) {
    if (!nodes.empty()) {
      for (const std::string& node : nodes)
        streams.push_back(stream_prefix(job, node));
      continue;
    }
    // Every node of the job: hop from one (job, node) to the next.
    const std::string job_prefix = job_key_prefix(job);
    std::string target = job_prefix;
    std::string_view key = target;
    int rc = cursor.get(MDB_SET_RANGE, &key, nullptr);
    while (rc == 0 && key.substr(0, job_prefix.size()) == job_prefix &&
           job_node_key_length(key) + id_bytes == key.size()) {
      streams.emplace_back(key.substr(0, key.size() - id_bytes));
      // Ids are non-negative, so 0x80 sorts after every id of the stream.
      target = streams.back() + '\x80';
      key = target;
      rc = cursor.get(MDB_SET_RANGE, &key, nullptr);
    }
    if (rc != 0 && rc != MDB_NOTFOUND) return lmdb_failure(dir(), "query", rc);
  }

  struct head {
    std::int64_t id;
    std::size_t stream;
    std::string_view key;
    std::string_view value;
  };
  // A heap's top is its greatest element: invert for ascending order.
  auto after = [asc = q.ascending](const head& a, const head& b) {
    return asc ? a.id > b.id : a.id < b.id;
  };
  constexpr std::size_t nowhere = std::numeric_limits<std::size_t>::max();
  std::size_t cursor_stream = nowhere;  // whose current line the cursor is on
  std::vector<head> heap;
  // Leaves `h` on stream s's next line; MDB_NOTFOUND at the stream's end.
  auto step = [&](std::size_t s, head& h, bool first) {
    std::string target;
    int rc = 0;
    std::string_view key;
    if (first) {
      target = streams[s] + id_key(start_id);
      if (q.ascending) {
        key = target;
        rc = cursor.get(MDB_SET_RANGE, &key, &h.value);
      } else {
        rc = cursor.seek_at_or_before(target, &key, &h.value);
      }
    } else {
      if (cursor_stream != s) {
        key = h.key;
        rc = cursor.get(MDB_SET_RANGE, &key, &h.value);
      }
      if (rc == 0) {
        rc = cursor.get(q.ascending ? MDB_NEXT : MDB_PREV, &key, &h.value);
      }
    }
    if (rc == 0 && !in_stream(key, streams[s])) rc = MDB_NOTFOUND;
    cursor_stream = rc == 0 ? s : nowhere;
    if (rc == 0) {
      h = head{static_cast<std::int64_t>(get_be(key.substr(key.size() - 8), 8)),
               s, key, h.value};
    }
    return rc;
  };
  for (std::size_t s = 0; s < streams.size(); ++s) {
    head h{};
    int rc = step(s, h, true);
    if (rc == MDB_NOTFOUND) continue;
    if (rc != 0) return lmdb_failure(dir(), "query", rc);
    heap.push_back(h);
    std::push_heap(heap.begin(), heap.end(), after);
  }

  page_builder page{q.limit, {}};
  std::string error;
  while (!heap.empty()) {
    std::pop_heap(heap.begin(), heap.end(), after);
    head h = heap.back();
    heap.pop_back();
    auto record = parse_record(h.value);
    if (record && filter.keep(*record, error)) {
      auto jn = names_of(txn, streams_, streams[h.stream]);
      if (jn && !page.add(*jn, *record, h.id)) break;
    }
    if (!error.empty()) return error;
    int rc = step(h.stream, h, false);
    if (rc == MDB_NOTFOUND) continue;
    if (rc != 0) return lmdb_failure(dir(), "query", rc);
    heap.push_back(h);
    std::push_heap(heap.begin(), heap.end(), after);
  }
  return std::move(page.page);
}

// All jobs: walk the time index, which is already in line_id order, and
// fetch each kept line from "<type>".
std::variant<log_page, std::string> task_log_store::query_by_time(
    const lmdb_txn& txn, const dbis& d, const log_query& q,
    const line_filter& filter, std::int64_t start_id) const {
  lmdb_cursor cursor;
  if (int rc = lmdb_cursor::open(txn, d.by_time, &cursor)) {
    return lmdb_failure(dir(), "query", rc);
  }
  const std::set<std::string, std::less<>> nodes(q.nodes.begin(),
                                                 q.nodes.end());
  const std::string start = id_key(start_id);
  std::string_view key = start;
  std::string_view value;
  int rc = q.ascending ? cursor.get(MDB_SET_RANGE, &key, &value)
                       : cursor.seek_at_or_before(start, &key, &value);
  page_builder page{q.limit, {}};
  std::string error;
  std::string line_key;
  for (; rc == 0;
       rc = cursor.get(q.ascending ? MDB_NEXT : MDB_PREV, &key, &value)) {
    auto jn = names_of(txn, streams_, value);
    if (!jn || key.size() != id_bytes) continue;
    if (!nodes.empty() && !nodes.contains(jn->node)) continue;
    line_key.assign(value);
    line_key.append(key);
    std::string_view stored;
    rc = txn.get(d.lines, line_key, &stored);
    if (rc == MDB_NOTFOUND) continue;
    if (rc != 0) break;
    auto record = parse_record(stored);
    if (!record || !filter.keep(*record, error)) {
      if (!error.empty()) return error;
      continue;
    }
    if (!page.add(*jn, *record, static_cast<std::int64_t>(get_be(key, 8)))) {
      break;
    }
  }
  if (rc != 0 && rc != MDB_NOTFOUND) return lmdb_failure(dir(), "query", rc);
  return std::move(page.page);
}

std::variant<std::size_t, std::string> task_log_store::prune_older_than(
    std::int64_t cutoff_ms) {
  const std::int64_t cutoff_s = time_s_of(cutoff_ms);
  std::size_t total = 0;
  for (log_type type : all_types) {
    const dbis& d = *dbs_of(type);
    std::string resume = id_key(0);
    for (bool finished = false; !finished;) {
      std::size_t deleted = 0;
      std::string next_resume;
      int rc = env_->write([&](lmdb_txn& txn) {
        deleted = 0;
        finished = false;
        lmdb_cursor cursor;
        if (int rc = lmdb_cursor::open(txn, d.by_time, &cursor)) return rc;
        std::string_view key = resume;
        std::string_view value;
        int rc = cursor.get(MDB_SET_RANGE, &key, &value);
        std::string line_key;
        for (;;) {
          if (rc == MDB_NOTFOUND) {
            finished = true;
            return 0;
          }
          if (rc != 0) return rc;
          if (deleted >= prune_chunk_lines_) {
            next_resume.assign(key);
            return 0;
          }
          const auto id = static_cast<std::int64_t>(get_be(key, 8));
          if ((id >> seq_bits) > cutoff_s) {
            finished = true;
            return 0;
          }
          line_key.assign(value);
          line_key.append(key);
          // Lines of the cutoff's own second need their exact time.
          bool old = (id >> seq_bits) < cutoff_s;
          if (!old) {
            std::string_view stored;
            rc = txn.get(d.lines, line_key, &stored);
            if (rc != 0 && rc != MDB_NOTFOUND) return rc;
            auto record = rc == 0 ? parse_record(stored) : std::nullopt;
            old = !record || record->time_ms < cutoff_ms;
          }
          if (old) {
            rc = txn.del(d.lines, line_key);
            if (rc != 0 && rc != MDB_NOTFOUND) return rc;
            if ((rc = cursor.del())) return rc;
            ++deleted;
          }
          // After a delete, MDB_NEXT lands on the entry that moved up.
          rc = cursor.get(MDB_NEXT, &key, &value);
        }
      });
      if (rc != 0) return lmdb_failure(dir(), "prune", rc);
      total += deleted;
      resume = std::move(next_resume);
    }
  }
  if (auto error = prune_unused_streams()) return *error;
  return total;
}

// Forgets the names of streams that have no line left in any type: one
// walk over "streams", three seeks per stream, in bounded chunks.
std::optional<std::string> task_log_store::prune_unused_streams() {
  std::string resume;
  for (bool finished = false; !finished;) {
    std::string next_resume;
    int rc = env_->write([&](lmdb_txn& txn) {
      finished = false;
      lmdb_cursor streams, lines[3];
      if (int rc = lmdb_cursor::open(txn, streams_, &streams)) return rc;
      for (std::size_t i = 0; i < 3; ++i) {
        if (int rc = lmdb_cursor::open(txn, dbs_[i].lines, &lines[i]))
          return rc;
      }
      std::string_view key = resume, value;
      int rc =
          streams.get(resume.empty() ? MDB_FIRST : MDB_SET_RANGE, &key, &value);
      for (std::size_t seen = 0; rc == 0; ++seen) {
        if (seen >= prune_chunk_lines_) {
          next_resume.assign(key);
          return 0;
        }
        bool used = false;
        const std::string id{key};
        for (auto& cursor : lines) {
          std::string_view at = id;
          int found = cursor.get(MDB_SET_RANGE, &at, nullptr);
          if (found != 0 && found != MDB_NOTFOUND) return found;
          if (found == 0 && at.substr(0, id.size()) == id) {
            used = true;
            break;
          }
        }
        // After a delete, MDB_NEXT lands on the entry that moved up.
        if (!used && (rc = streams.del())) return rc;
        rc = streams.get(MDB_NEXT, &key, &value);
      }
      if (rc != 0 && rc != MDB_NOTFOUND) return rc;
      finished = true;
      return 0;
    });
    if (rc != 0) return lmdb_failure(dir(), "prune", rc);
    resume = std::move(next_resume);
  }
  return std::nullopt;
}

std::variant<std::unique_ptr<task_log_store>, std::string>
task_log_store::open_read_only(const std::string& dir) {
  const std::string file = dir + "/data.mdb";
  std::error_code ec;
  if (!std::filesystem::is_regular_file(file, ec)) {
    return "task log store: " + file +
           " does not exist; give the --data_dir of a worker (it holds "
           "task_logs/data.mdb)";
  }
  lmdb_env_options env_options;
  env_options.max_dbs = 16;
  env_options.flags = MDB_RDONLY;
  auto opened = lmdb_env::open(dir, env_options);
  if (auto* error = std::get_if<std::string>(&opened)) {
    return "task log store (read-only): " + *error;
  }
  auto env = std::move(std::get<std::unique_ptr<lmdb_env>>(opened));
  auto failed = [&](int rc) {
    return "task log store: cannot read " + file + " (" + lmdb_error_text(rc) +
           ")";
  };
  lmdb_txn txn;
  MDB_dbi meta = 0;
  std::string_view stored;
  int rc = env->begin_read(&txn);
  if (rc == 0) rc = txn.open_dbi("meta", 0, &meta);
  if (rc == 0) rc = txn.get(meta, "format_version", &stored);
  if (rc == MDB_NOTFOUND || (rc == 0 && stored.size() != 4)) {
    return "task log store: " + file +
           " is not a task log store (no format version); check --data_dir";
  }
  if (rc != 0) return failed(rc);
  const auto found = static_cast<std::uint32_t>(get_be(stored, 4));
  if (found != format_version) {
    return "task log store: " + file + " holds format version " +
           std::to_string(found) + " and this build reads version " +
           std::to_string(format_version) + " (" +
           (found > format_version
                ? std::string{"run a newer bistro_shell"}
                : std::string{"start a current bistro_worker on it once to "
                              "migrate it"}) +
           "); a read-only open never migrates";
  }
  dbis dbs[3] = {};
  MDB_dbi streams = 0;
  rc = txn.open_dbi("streams", 0, &streams);
  for (std::size_t i = 0; i < 3 && rc == 0; ++i) {
    const std::string name = std::string(type_names[i]) + ".2";
    const std::string index = name + ".by_time";
    rc = txn.open_dbi(name.c_str(), 0, &dbs[i].lines);
    if (rc == 0) rc = txn.open_dbi(index.c_str(), 0, &dbs[i].by_time);
  }
  if (rc == 0) rc = txn.commit();
  if (rc != 0) return failed(rc);
  return std::unique_ptr<task_log_store>(
      new task_log_store(std::move(env), dbs, streams, 0, 1));
}

}  // namespace bistro
