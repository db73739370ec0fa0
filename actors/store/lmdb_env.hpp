// A small RAII layer over LMDB shared by the project's stores (task logs on
// the worker, statuses on the scheduler): an environment that grows its map
// when a write runs out of room, and move-only transaction and cursor
// handles that abort / close themselves.
//
// Errors are values: every call returns LMDB's int code (0 = success,
// MDB_NOTFOUND for a missing key, ...) and `lmdb_error_text` renders one;
// nothing here throws.
//
// Thread contract: an `lmdb_env` may be shared by any number of threads.
// Each `lmdb_txn` / `lmdb_cursor` belongs to one thread at a time (the env
// is opened with MDB_NOTLS, so a read transaction may move between threads
// but never be used by two at once). LMDB lets one write transaction run at
// a time; others wait. Growing the map needs every transaction of this
// process closed, so transactions hold a shared lock on the env and
// `write` takes it exclusively to grow: never hold a transaction while
// calling `write` on the same thread, or it waits for itself. No CAF
// include.
#pragma once

#include <lmdb.h>

#include <cstddef>
#include <functional>
#include <memory>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace bistro {

/// "MDB_MAP_FULL: Environment mapsize limit reached" and the like.
std::string lmdb_error_text(int rc);

/// How to open an environment.
struct lmdb_env_options {
  /// The map size to start with; existing files may already be larger.
  std::size_t initial_map_bytes = std::size_t{64} << 20;
  /// The map never grows beyond this: a write that would needs it fails
  /// with MDB_MAP_FULL.
  std::size_t max_map_bytes = std::size_t{64} << 30;
  /// Named databases the env may hold.
  unsigned max_dbs = 8;
  /// Extra mdb_env_open flags, e.g. MDB_NOMETASYNC or MDB_NOSYNC.
  unsigned flags = 0;
};

class lmdb_env;

/// A transaction, aborted on destruction unless committed.
class lmdb_txn {
 public:
  lmdb_txn() = default;
  lmdb_txn(lmdb_txn&& other) noexcept;
  lmdb_txn& operator=(lmdb_txn&& other) noexcept;
  ~lmdb_txn();

  MDB_txn* get() const { return txn_; }
  explicit operator bool() const { return txn_ != nullptr; }

  /// Opens (with MDB_CREATE in `flags`: creates) the named database.
  int open_dbi(const char* name, unsigned flags, MDB_dbi* out) const;
  /// `value` views LMDB's memory: valid until the transaction ends or, in a
  /// write transaction, until the next write.
  int get(MDB_dbi dbi, std::string_view key, std::string_view* value) const;
  int put(MDB_dbi dbi, std::string_view key, std::string_view value,
          unsigned flags = 0) const;
  int del(MDB_dbi dbi, std::string_view key) const;

  int commit();
  void abort();

 private:
  friend class lmdb_env;
  MDB_txn* txn_ = nullptr;
  std::shared_lock<std::shared_mutex> growth_lock_;
};

/// A cursor over one database inside one transaction; closed on
/// destruction, which must come before its transaction ends.
class lmdb_cursor {
 public:
  lmdb_cursor() = default;
  lmdb_cursor(lmdb_cursor&& other) noexcept;
  lmdb_cursor& operator=(lmdb_cursor&& other) noexcept;
  ~lmdb_cursor();

  static int open(const lmdb_txn& txn, MDB_dbi dbi, lmdb_cursor* out);

  /// Moves by `op` (MDB_FIRST, MDB_NEXT, MDB_SET_RANGE with `*key` as the
  /// target, ...) and views the entry it lands on.
  int get(MDB_cursor_op op, std::string_view* key, std::string_view* value);
  /// The last entry whose key is <= `key` (or MDB_NOTFOUND).
  int seek_at_or_before(std::string_view key, std::string_view* found_key,
                        std::string_view* value);
  /// Deletes the entry under the cursor.
  int del();

 private:
  MDB_cursor* cursor_ = nullptr;
};

class lmdb_env {
 public:
  /// Opens or creates the environment in directory `dir` (which must
  /// exist). On failure, the text names the path and what to do.
  static std::variant<std::unique_ptr<lmdb_env>, std::string> open(
      const std::string& dir, const lmdb_env_options& options);

  ~lmdb_env();
  lmdb_env(const lmdb_env&) = delete;
  lmdb_env& operator=(const lmdb_env&) = delete;

  MDB_env* get() const { return env_; }
  const std::string& dir() const { return dir_; }
  /// The current map size in bytes.
  std::size_t map_bytes() const;
  /// The largest key LMDB accepts.
  std::size_t max_key_bytes() const;

  /// Flushes committed transactions to disk (for MDB_NOSYNC environments).
  int sync() const { return mdb_env_sync(env_, 1); }

  /// Begins a read-only transaction.
  int begin_read(lmdb_txn* out) const;

  /// Runs `fill` in a write transaction and commits it. When `fill` or the
  /// commit hits MDB_MAP_FULL, the transaction is aborted, the map doubled
  /// (up to the cap) and `fill` run again from scratch, so it must only
  /// publish effects after `write` returns 0. Any other non-zero code from
  /// `fill` aborts and is returned.
  int write(const std::function<int(lmdb_txn&)>& fill);

 private:
  lmdb_env(MDB_env* env, std::string dir, std::size_t max_map_bytes)
      : env_(env), dir_(std::move(dir)), max_map_bytes_(max_map_bytes) {}
  int begin(unsigned flags, lmdb_txn* out) const;
  int grow_map(std::size_t seen);
  int adopt_resized_map();

  MDB_env* env_;
  std::string dir_;
  std::size_t max_map_bytes_;
  mutable std::shared_mutex growth_mutex_;
};

}  // namespace bistro
