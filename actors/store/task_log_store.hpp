// The worker's store of task output: every stdout, stderr and status-event
// line of every task, in an LMDB environment at `<data_dir>/task_logs`, read
// back per job and node in time order (the `task_logs` HTTP handler) and
// pruned by age.
//
// On disk (format version 2; the byte layout is in task_log_format.hpp):
// per log type one database keyed by (stream id, line_id) holding the line,
// where a stream id is a fixed-size hash of (job, node) whose names live in
// a "streams" database, and one time index keyed by line_id alone, so that
// all-jobs queries and pruning walk time order without visiting every
// (job, node). Names of any length fit. A format-1 store is migrated at
// open. A line_id is
// Bistro's int64 cursor: `time_s << 31 | seq`, with seq a per-store counter,
// so line ids sort by second, then by arrival. Commits use MDB_NOSYNC and
// the owner calls `sync()` about once a second: a crash of the process
// loses nothing (commits are in the OS's page cache), a crash of the machine
// at most the last second of lines — the right trade for logs, since an
// fdatasync per commit would sit between every task's end and the next
// task's start.
//
// Thread contract: one store may be shared by threads. `query` runs in a
// read transaction and never blocks on writers; `append` and
// `prune_older_than` serialise on LMDB's writer lock. Calls block on disk
// I/O: keep them off CAF's shared threads. Errors are values; nothing
// throws. No CAF include.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "actors/store/lmdb_env.hpp"

namespace bistro {

/// Which stream a line came from. Persisted: never renumber, only append.
enum class log_type : std::uint8_t {
  stdout_log = 1,
  stderr_log = 2,
  statuses = 3,
};

/// "stdout", "stderr", "statuses": Bistro's `log_type` names.
std::string_view log_type_name(log_type type);
std::optional<log_type> parse_log_type(std::string_view name);

/// One line to store.
struct log_entry {
  std::string job;
  std::string node;
  std::int64_t time_ms = 0;  // since the epoch
  std::string line;
};

/// One stored line as read back.
struct log_line {
  std::string job;
  std::string node;
  std::int64_t time_ms = 0;
  std::string line;
  /// Opaque, stable, ordered like the lines: a cursor for `log_query`.
  std::int64_t line_id = 0;
};

/// Bistro's `task_logs` request.
struct log_query {
  log_type type = log_type::stdout_log;
  std::vector<std::string> jobs{};   // empty = all jobs
  std::vector<std::string> nodes{};  // empty = all nodes
  bool ascending = true;
  /// Where to start, inclusive: a `next_line_id` from an earlier page. Wins
  /// over `start_time_ms`; neither = from the oldest (or newest) line.
  std::optional<std::int64_t> start_line_id{};
  std::optional<std::int64_t> start_time_ms{};
  std::size_t limit = 1000;
  /// Perl syntax, searched anywhere in the line (as Bistro); "" = all.
  std::string regex_filter{};
};

/// One page of lines, in the query's order.
struct log_page {
  std::vector<log_line> lines{};
  /// Pass as `start_line_id` for the next page; none when no line is left.
  std::optional<std::int64_t> next_line_id{};
};

class line_filter;  // a query's filters, in task_log_store.cpp

struct task_log_store_options {
  lmdb_env_options env{};  // flags gain MDB_NOSYNC
  /// Lines deleted per write transaction while pruning, so that appends
  /// are never held up for long.
  std::size_t prune_chunk_lines = 10000;
};

class task_log_store {
 public:
  /// Longer lines are cut to this many bytes (at a UTF-8 boundary).
  static constexpr std::size_t max_line_bytes = 64 * 1024;
  /// Bistro's `--log_retention` and `--log_prune_frequency` defaults.
  static constexpr std::int64_t default_retention_s = 30 * 24 * 3600;
  static constexpr std::int64_t default_prune_interval_s = 3600;

  /// Opens or creates the store in `dir` (normally `<data_dir>/task_logs`),
  /// creating the directory. The error names the path and what to do.
  static std::variant<std::unique_ptr<task_log_store>, std::string> open(
      const std::string& dir, const task_log_store_options& options = {});

  /// Opens an existing store in `dir` for reading only (MDB_RDONLY), beside
  /// a worker that may be writing it: never creates, migrates or writes
  /// anything (LMDB's reader table in lock.mdb aside). A missing, foreign,
  /// older or newer store is an error naming the file. `append`, `prune_*`
  /// and `sync` of such a store fail.
  static std::variant<std::unique_ptr<task_log_store>, std::string>
  open_read_only(const std::string& dir);

  /// Stores `batch` in one transaction, whatever the names' length. On an
  /// error (disk full, map at its cap) nothing is stored.
  std::optional<std::string> append(log_type type,
                                    std::span<const log_entry> batch);

  /// Reads one page of lines. Errors: a bad regex, an LMDB failure.
  std::variant<log_page, std::string> query(const log_query& q) const;

  /// Deletes every line with time_ms < cutoff_ms, in bounded chunks.
  /// Returns how many lines went.
  std::variant<std::size_t, std::string> prune_older_than(
      std::int64_t cutoff_ms);

  /// Flushes every committed line to disk; the error names the store.
  std::optional<std::string> sync();

  /// `line` cut to `max_line_bytes`, never inside a UTF-8 sequence.
  static std::string_view cut_line(std::string_view line);
  /// The line_id where lines of `time_ms` begin (ascending) or end.
  static std::int64_t line_id_at_time(std::int64_t time_ms, bool ascending);

  const std::string& dir() const { return env_->dir(); }
  std::size_t map_bytes() const { return env_->map_bytes(); }

 private:
  struct dbis {
    MDB_dbi lines;    // (stream id, line_id) -> record
    MDB_dbi by_time;  // line_id -> stream id
  };

  task_log_store(std::unique_ptr<lmdb_env> env, const dbis (&dbs)[3],
                 MDB_dbi streams, std::uint32_t next_seq,
                 std::size_t prune_chunk_lines);
  const dbis* dbs_of(log_type type) const;
  std::optional<std::string> prune_unused_streams();
  std::variant<log_page, std::string> query_streams(
      const lmdb_txn& txn, const dbis& d, const log_query& q,
      const line_filter& f, std::int64_t start_id) const;
  std::variant<log_page, std::string> query_by_time(
      const lmdb_txn& txn, const dbis& d, const log_query& q,
      const line_filter& f, std::int64_t start_id) const;

  std::unique_ptr<lmdb_env> env_;
  dbis dbs_[3];
  MDB_dbi streams_;         // stream id -> names
  std::uint32_t next_seq_;  // only touched inside write transactions
  std::size_t prune_chunk_lines_;
};

}  // namespace bistro
