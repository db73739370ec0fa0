#include "actors/store/lmdb_env.hpp"

#include <algorithm>
#include <cerrno>
#include <mutex>
#include <utility>

namespace bistro {

namespace {

MDB_val to_val(std::string_view s) {
  return MDB_val{s.size(), const_cast<char*>(s.data())};
}

std::string_view to_view(const MDB_val& v) {
  return {static_cast<const char*>(v.mv_data), v.mv_size};
}

std::string open_error(const std::string& dir, int rc) {
  const std::string file = dir + "/data.mdb";
  switch (rc) {
    case MDB_INVALID:
    case MDB_VERSION_MISMATCH:
    case MDB_CORRUPTED:
    case MDB_PAGE_NOTFOUND:
    case EINVAL:
      return "lmdb: " + file + " is not a readable LMDB file (" +
             lmdb_error_text(rc) + "); move the directory " + dir +
             " away (e.g. mv " + dir + " " + dir +
             ".broken) and restart to begin with an empty store";
    case EACCES:
    case EPERM:
    case EROFS:
      return "lmdb: cannot open " + file + " (" + lmdb_error_text(rc) +
             "); give this process read and write access to " + dir;
    default:
      return "lmdb: cannot open " + file + " (" + lmdb_error_text(rc) + ")";
  }
}

}  // namespace

std::string lmdb_error_text(int rc) {
  const char* text = mdb_strerror(rc);
  std::string out;
  switch (rc) {
    case MDB_MAP_FULL:
      out = "MDB_MAP_FULL: ";
      break;
    case MDB_NOTFOUND:
      out = "MDB_NOTFOUND: ";
      break;
    case MDB_INVALID:
      out = "MDB_INVALID: ";
      break;
    case MDB_CORRUPTED:
      out = "MDB_CORRUPTED: ";
      break;
    default:
      break;
  }
  out += text ? text : "unknown error";
  return out;
}

// --- lmdb_txn ---------------------------------------------------------------

lmdb_txn::lmdb_txn(lmdb_txn&& other) noexcept
    : txn_(std::exchange(other.txn_, nullptr)),
      growth_lock_(std::move(other.growth_lock_)) {}

lmdb_txn& lmdb_txn::operator=(lmdb_txn&& other) noexcept {
  if (this != &other) {
    abort();
    txn_ = std::exchange(other.txn_, nullptr);
    growth_lock_ = std::move(other.growth_lock_);
  }
  return *this;
}

lmdb_txn::~lmdb_txn() { abort(); }

int lmdb_txn::open_dbi(const char* name, unsigned flags, MDB_dbi* out) const {
  return mdb_dbi_open(txn_, name, flags, out);
}

int lmdb_txn::get(MDB_dbi dbi, std::string_view key,
                  std::string_view* value) const {
  MDB_val k = to_val(key);
  MDB_val v{};
  int rc = mdb_get(txn_, dbi, &k, &v);
  if (rc == 0) *value = to_view(v);
  return rc;
}

int lmdb_txn::put(MDB_dbi dbi, std::string_view key, std::string_view value,
                  unsigned flags) const {
  MDB_val k = to_val(key);
  MDB_val v = to_val(value);
  return mdb_put(txn_, dbi, &k, &v, flags);
}

int lmdb_txn::del(MDB_dbi dbi, std::string_view key) const {
  MDB_val k = to_val(key);
  return mdb_del(txn_, dbi, &k, nullptr);
}

int lmdb_txn::commit() {
  // mdb_txn_commit frees the handle whether or not it succeeds.
  int rc = txn_ ? mdb_txn_commit(std::exchange(txn_, nullptr)) : EINVAL;
  if (growth_lock_.owns_lock()) growth_lock_.unlock();
  return rc;
}

void lmdb_txn::abort() {
  if (txn_) mdb_txn_abort(std::exchange(txn_, nullptr));
  if (growth_lock_.owns_lock()) growth_lock_.unlock();
}

// --- lmdb_cursor ------------------------------------------------------------

lmdb_cursor::lmdb_cursor(lmdb_cursor&& other) noexcept
    : cursor_(std::exchange(other.cursor_, nullptr)) {}

lmdb_cursor& lmdb_cursor::operator=(lmdb_cursor&& other) noexcept {
  if (this != &other) {
    if (cursor_) mdb_cursor_close(cursor_);
    cursor_ = std::exchange(other.cursor_, nullptr);
  }
  return *this;
}

lmdb_cursor::~lmdb_cursor() {
  if (cursor_) mdb_cursor_close(cursor_);
}

int lmdb_cursor::open(const lmdb_txn& txn, MDB_dbi dbi, lmdb_cursor* out) {
  MDB_cursor* c = nullptr;
  int rc = mdb_cursor_open(txn.get(), dbi, &c);
  if (rc == 0) {
    *out = lmdb_cursor{};
    out->cursor_ = c;
  }
  return rc;
}

int lmdb_cursor::get(MDB_cursor_op op, std::string_view* key,
                     std::string_view* value) {
  MDB_val k = to_val(*key);
  MDB_val v{};
  int rc = mdb_cursor_get(cursor_, &k, &v, op);
  if (rc == 0) {
    *key = to_view(k);
    if (value) *value = to_view(v);
  }
  return rc;
}

int lmdb_cursor::seek_at_or_before(std::string_view key,
                                   std::string_view* found_key,
                                   std::string_view* value) {
  std::string_view k = key;
  int rc = get(MDB_SET_RANGE, &k, value);
  if (rc == 0 && k == key) {
    *found_key = k;
    return 0;
  }
  if (rc == 0) {
    rc = get(MDB_PREV, &k, value);
  } else if (rc == MDB_NOTFOUND) {
    rc = get(MDB_LAST, &k, value);
  }
  if (rc == 0) *found_key = k;
  return rc;
}

int lmdb_cursor::del() { return mdb_cursor_del(cursor_, 0); }

// --- lmdb_env ---------------------------------------------------------------

std::variant<std::unique_ptr<lmdb_env>, std::string> lmdb_env::open(
    const std::string& dir, const lmdb_env_options& options) {
  MDB_env* env = nullptr;
  int rc = mdb_env_create(&env);
  if (rc != 0)
    return "lmdb: cannot create an environment for " + dir + " (" +
           lmdb_error_text(rc) + ")";
  rc = mdb_env_set_maxdbs(env, options.max_dbs);
  if (rc == 0) {
    rc = mdb_env_set_mapsize(
        env, std::min(options.initial_map_bytes, options.max_map_bytes));
  }
  if (rc == 0)
    rc = mdb_env_open(env, dir.c_str(), options.flags | MDB_NOTLS, 0644);
  if (rc != 0) {
    mdb_env_close(env);
    return open_error(dir, rc);
  }
  // A stale reader slot left by a crashed process pins old pages forever.
  int dead = 0;
  mdb_reader_check(env, &dead);
  return std::unique_ptr<lmdb_env>(new lmdb_env(
      env, dir, std::max(options.max_map_bytes, options.initial_map_bytes)));
}

lmdb_env::~lmdb_env() { mdb_env_close(env_); }

std::size_t lmdb_env::map_bytes() const {
  MDB_envinfo info{};
  mdb_env_info(env_, &info);
  return info.me_mapsize;
}

std::size_t lmdb_env::max_key_bytes() const {
  return static_cast<std::size_t>(mdb_env_get_maxkeysize(env_));
}

int lmdb_env::begin_read(lmdb_txn* out) const { return begin(MDB_RDONLY, out); }

int lmdb_env::begin(unsigned flags, lmdb_txn* out) const {
  for (int attempt = 0;; ++attempt) {
    std::shared_lock<std::shared_mutex> lock(growth_mutex_);
    MDB_txn* txn = nullptr;
    int rc = mdb_txn_begin(env_, nullptr, flags, &txn);
    if (rc == MDB_MAP_RESIZED && attempt == 0) {
      // Another process grew the map: adopt its size, then retry.
      lock.unlock();
      rc = const_cast<lmdb_env*>(this)->adopt_resized_map();
      if (rc != 0) return rc;
      continue;
    }
    if (rc != 0) return rc;
    *out = lmdb_txn{};
    out->txn_ = txn;
    out->growth_lock_ = std::move(lock);
    return 0;
  }
}

int lmdb_env::adopt_resized_map() {
  std::unique_lock<std::shared_mutex> lock(growth_mutex_);
  return mdb_env_set_mapsize(env_, 0);
}

int lmdb_env::grow_map(std::size_t seen) {
  std::unique_lock<std::shared_mutex> lock(growth_mutex_);
  std::size_t now = map_bytes();
  if (now != seen) return 0;  // another writer grew it meanwhile
  if (now >= max_map_bytes_) return MDB_MAP_FULL;
  return mdb_env_set_mapsize(env_, std::min(now * 2, max_map_bytes_));
}

int lmdb_env::write(const std::function<int(lmdb_txn&)>& fill) {
  for (;;) {
    std::size_t seen = map_bytes();
    int rc = 0;
    {
      lmdb_txn txn;
      rc = begin(0, &txn);
      if (rc != 0) return rc;
      rc = fill(txn);
      if (rc == 0) rc = txn.commit();
    }  // aborts unless committed, and releases the growth lock
    if (rc != MDB_MAP_FULL) return rc;
    rc = grow_map(seen);
    if (rc != 0) return rc;
  }
}

}  // namespace bistro
