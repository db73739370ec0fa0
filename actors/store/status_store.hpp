// The scheduler's store of task statuses: one record per (job, node) holding
// everything needed to resume after a restart (label, backoff step and
// deadline, data, message, run id, worker shard, start and end times, and
// while a task runs the status it had before), plus the run history of each
// task (every run's end: status, times, worker, message), in an LMDB
// environment at `<data_dir>/statuses`. The scheduler writes through one
// actor that batches many statuses into each `commit` (one transaction, one
// fsync per batch) and reads everything back once, with `load_all`, at
// startup.
//
// On disk (format version 2; the byte layout is in status_store.cpp): a
// "meta" database holding the format version; "records" keyed by
// name_hash(job) | name_hash(node) (actors/store/name_key.hpp: 32 bytes
// whatever the names' length, names in the value); "history" keyed by the
// same 32 bytes, then the run's end time and run id; and "workers" holding
// the SHA-256 of each remote worker's secret (actors/workers/
// worker_secret.hpp), keyed by the SHA-256 of its shard id. Each value
// starts with its record version. A format-1 store (length-prefixed name
// keys, which LMDB refused past ~500 bytes) is migrated at open, in chunks
// that are safe to interrupt and redo. A newer format refuses to open and a
// newer record fails `load_all`, each with a message naming what and where;
// nothing is guessed.
//
// Thread contract: one store may be shared by threads. `load_all`, `count`,
// `load_history` and `load_job_history` run in read transactions and never
// wait for writers; the writes serialise on LMDB's writer lock. Every call
// blocks on disk I/O: keep them off CAF's shared threads. Errors are
// values; nothing throws. No CAF include.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "actors/jobs/task_status.hpp"
#include "actors/store/lmdb_env.hpp"

namespace bistro {

/// One task's persisted status.
struct stored_status {
  std::string job;
  std::string node;
  status_record status{};
  /// The run that set this status; 0 = none.
  std::uint64_t run_id = 0;
  /// The worker shard that ran it; empty = none.
  std::string worker{};
  /// Since the epoch; 0 = not started / not ended.
  std::int64_t start_ms = 0;
  std::int64_t end_ms = 0;

  friend bool operator==(const stored_status&, const stored_status&) = default;
};

/// One ended run of a task, as kept in the history.
struct run_history_entry {
  std::uint64_t run_id = 0;
  status_label label = status_label::never_started;
  std::int64_t start_ms = 0;
  std::int64_t end_ms = 0;
  std::string worker{};
  std::string message{};

  friend bool operator==(const run_history_entry&,
                         const run_history_entry&) = default;
};

/// One ended run of one of a job's tasks (status_store::load_job_history).
struct job_run_entry {
  std::string node;
  run_history_entry run;

  friend bool operator==(const job_run_entry&, const job_run_entry&) = default;
};

/// The answer to a history question put to the status store actor: the runs
/// asked for, or why there are none (`error` not empty).
struct run_history_page {
  std::vector<job_run_entry> runs;
  std::string error;
};

/// How commits reach the disk.
enum class status_sync : std::uint8_t {
  /// fsync at every commit: a committed batch survives a power cut.
  durable,
  /// MDB_NOSYNC: the OS writes back when it likes; a crash of the machine
  /// (not of the process) may lose recent batches or, on some file
  /// systems, corrupt the store. For tests and benchmarks.
  no_sync,
};

struct status_store_options {
  status_sync sync = status_sync::durable;
  /// The map to start with; an existing file may already be larger.
  std::size_t initial_map_bytes = std::size_t{64} << 20;
  /// The map doubles on demand up to this; past it commits fail.
  std::size_t max_map_bytes = std::size_t{64} << 30;
  /// Delete the files before opening (`--reset_statuses`, only under the
  /// data dir's lock): also recovers from a store too damaged to open.
  bool start_empty = false;
  /// Records per transaction while migrating a format-1 store.
  std::size_t migrate_chunk = 50000;
};

class status_store {
 public:
  /// The format this build writes; it reads only this format.
  static constexpr std::uint32_t format_version = 2;
  /// The newest record version this build reads (and the one it writes).
  static constexpr std::uint8_t record_version = 2;

  /// Opens or creates the store in `dir` (normally `<data_dir>/statuses`),
  /// creating the directory. An unreadable, corrupt or newer store is an
  /// error naming the file and what to do.
  static std::variant<std::unique_ptr<status_store>, std::string> open(
      const std::string& dir, const status_store_options& options = {});

  /// Opens an existing store in `dir` for reading only (MDB_RDONLY), beside
  /// a scheduler that may be writing it: never creates, migrates or writes
  /// anything (LMDB's reader table in lock.mdb aside), and takes no data dir
  /// lock. A missing, foreign, older or newer store is an error naming the
  /// file. The write calls of such a store fail.
  static std::variant<std::unique_ptr<status_store>, std::string>
  open_read_only(const std::string& dir);

  /// Opens a store of an older format as this build would (migrating it)
  /// and says how many records were migrated; 0 for a current store.
  std::size_t migrated_records() const { return migrated_; }

  /// In one write transaction: writes `upserts` in order (a later entry for
  /// the same (job, node) wins), then removes `deletes` (job, node) pairs
  /// (absent ones are ignored). An upsert that ends a run (a run id, an end
  /// time, a label other than running) also adds the run to the task's
  /// history. On any error nothing is written and the store stays usable:
  /// the map at its cap, a full disk.
  std::optional<std::string> commit(
      std::span<const stored_status> upserts,
      std::span<const std::pair<std::string, std::string>> deletes = {});

  /// Every record, grouped by job (in an order of the jobs' hashes). A
  /// record this build cannot decode fails the whole load.
  std::variant<std::vector<stored_status>, std::string> load_all() const;

  /// Deletes the records and history of every job not in `keep_jobs`.
  std::optional<std::string> prune_jobs_not_in(
      const std::vector<std::string>& keep_jobs);

  /// Deletes every record.
  std::optional<std::string> clear();

  /// The number of records.
  std::variant<std::size_t, std::string> count() const;

  /// Keeps `secret_hash` as the hash of remote worker `shard`'s secret,
  /// replacing the one it had.
  std::optional<std::string> save_worker_secret_hash(
      std::string_view shard, std::string_view secret_hash);

  /// Every kept worker secret hash, by shard id.
  std::variant<std::map<std::string, std::string>, std::string>
  load_worker_secret_hashes() const;

  /// The runs of (job, node) that ended, oldest first.
  std::variant<std::vector<run_history_entry>, std::string> load_history(
      std::string_view job, std::string_view node) const;

  /// The newest `limit` ended runs of `job` across its nodes, newest first
  /// (by end time, then run id). Reads the job's whole history once and
  /// keeps only `limit` entries in memory.
  std::variant<std::vector<job_run_entry>, std::string> load_job_history(
      std::string_view job, std::size_t limit) const;

  /// Deletes history entries of runs that ended before `cutoff_ms`; returns
  /// how many.
  std::variant<std::size_t, std::string> prune_history_older_than(
      std::int64_t cutoff_ms);

  const std::string& dir() const { return env_->dir(); }
  std::size_t map_bytes() const { return env_->map_bytes(); }

  /// The record key of (job, node): job_node_key. Public so that tests can
  /// plant records.
  static std::string key_of(std::string_view job, std::string_view node);
  /// A record's value as this build writes it. Public for tests.
  static std::string encode_record(const stored_status& s);

 private:
  struct dbis {
    MDB_dbi records = 0;
    MDB_dbi history = 0;
    MDB_dbi workers = 0;
  };
  status_store(std::unique_ptr<lmdb_env> env, dbis dbs,
               std::size_t max_map_bytes, std::size_t migrated)
      : env_(std::move(env)),
        dbs_(dbs),
        max_map_bytes_(max_map_bytes),
        migrated_(migrated) {}
  std::string write_error(const std::string& what, int rc) const;

  std::unique_ptr<lmdb_env> env_;
  dbis dbs_;
  std::size_t max_map_bytes_;
  std::size_t migrated_;
};

}  // namespace bistro
