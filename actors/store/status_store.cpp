#include "actors/store/status_store.hpp"

#include <openssl/sha.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>
#include <limits>
#include <system_error>
#include <unordered_set>

#include "actors/store/big_endian.hpp"
namespace bistro {

// On-disk layout, format version 1. Changing the key or the meta layout
// means a new format_version; changing a value means a new record_version,
// whose reader is added beside the old ones. Never renumber either, nor the
// label bytes (status_label's values).
//
//   "meta"      "format_version" -> u32be format_version (1)
//               "store"          -> "statuses" (tells this store from others)
//   "workers"   key:   SHA-256(shard), 32 bytes
//               value (record version 1): u8 record_version (1) |
//                 64 hex digits: SHA-256 of the worker's secret | shard
//               (added beside format 1: older builds never open it)
//   "statuses"  key:   u16be len(job) | job | u16be len(node) | node
//               value (record version 1), all integers big-endian:
//                 u8  record_version (1)
//                 u8  status_label
//                 u8  flags: bit 0 overwriteable; others written 0, ignored
//                 u16 backoff_step
//                 i64 backoff_until_ms | i64 updated_ms
//                 u64 run_id | i64 start_ms | i64 end_ms
//                 u32 len | worker, u32 len | data, u32 len | message
//
// Length-prefixed names keep a job's records contiguous whatever bytes the
// names hold: the prefix u16be len(job) | job covers exactly that job.

namespace {

constexpr const char* store_kind = "statuses";
constexpr std::size_t v1_fixed_bytes = 1 + 1 + 1 + 2 + 8 * 5;
constexpr std::uint8_t overwriteable_bit = 1;
// Deletions per write transaction while pruning: keeps each transaction's
// dirty pages bounded whatever the store's size.
constexpr std::size_t prune_chunk = 100000;
constexpr const char* clean_advice =
    "move the directory away, start with --reset_statuses to delete every "
    "status, or with --clean_statuses to run without stored statuses";

void put_text(std::string& out, std::string_view s) {
  put_be(out, s.size(), 4);
  out.append(s);
}

std::string encode_record(const stored_status& s) {
  const status_record& r = s.status;
  std::string out;
  out.reserve(v1_fixed_bytes + 12 + s.worker.size() + r.data.size() +
              r.message.size());
  out.push_back(static_cast<char>(status_store::record_version));
  out.push_back(static_cast<char>(r.label));
  out.push_back(static_cast<char>(r.overwriteable ? overwriteable_bit : 0));
  put_be(out, r.backoff_step, 2);
  put_be(out, static_cast<std::uint64_t>(r.backoff_until_ms), 8);
  put_be(out, static_cast<std::uint64_t>(r.updated_ms), 8);
  put_be(out, s.run_id, 8);
  put_be(out, static_cast<std::uint64_t>(s.start_ms), 8);
  put_be(out, static_cast<std::uint64_t>(s.end_ms), 8);
  put_text(out, s.worker);
  put_text(out, r.data);
  put_text(out, r.message);
  return out;
}

// Reads a value front to back; any read past the end clears `ok`.
struct byte_reader {
  std::string_view in;
  bool ok = true;

  std::uint64_t be(int bytes) {
    if (!ok || in.size() < static_cast<std::size_t>(bytes)) {
      ok = false;
      return 0;
    }
    std::uint64_t v = get_be(in, bytes);
    in.remove_prefix(bytes);
    return v;
  }
  void text(std::string* out) {
    std::uint64_t n = be(4);
    if (!ok || in.size() < n) {
      ok = false;
      return;
    }
    out->assign(in.substr(0, n));
    in.remove_prefix(n);
  }
};

// Fills job and node from a key; false if it is not a (job, node) key.
bool decode_key(std::string_view key, stored_status* out) {
  byte_reader r{key};
  std::size_t job_len = r.be(2);
  if (!r.ok || r.in.size() < job_len) return false;
  out->job.assign(r.in.substr(0, job_len));
  r.in.remove_prefix(job_len);
  std::size_t node_len = r.be(2);
  if (!r.ok || r.in.size() != node_len) return false;
  out->node.assign(r.in);
  return true;
}

// Decodes a version-1 value (without its version byte); nullopt if ok, else
// what is wrong.
std::optional<std::string> decode_v1(std::string_view body,
                                     stored_status* out) {
  if (body.size() + 1 < v1_fixed_bytes) return "is truncated";
  byte_reader r{body};
  status_record& s = out->status;
  auto label = r.be(1);
  if (label >= num_status_labels) {
    return "has the unknown status label " + std::to_string(label);
  }
  s.label = static_cast<status_label>(label);
  s.overwriteable = (r.be(1) & overwriteable_bit) != 0;
  s.backoff_step = static_cast<std::uint16_t>(r.be(2));
  s.backoff_until_ms = static_cast<std::int64_t>(r.be(8));
  s.updated_ms = static_cast<std::int64_t>(r.be(8));
  out->run_id = r.be(8);
  out->start_ms = static_cast<std::int64_t>(r.be(8));
  out->end_ms = static_cast<std::int64_t>(r.be(8));
  r.text(&out->worker);
  r.text(&s.data);
  r.text(&s.message);
  if (!r.ok) return "is truncated";
  if (!r.in.empty())
    return "has " + std::to_string(r.in.size()) + " bytes past its end";
  return std::nullopt;
}

std::string describe_key(std::string_view key, const stored_status& s,
                         bool key_ok) {
  if (!key_ok) {
    return "a record under a malformed key of " + std::to_string(key.size()) +
           " bytes";
  }
  return "the record of job \"" + s.job + "\" on node \"" + s.node + "\"";
}

// Decodes one entry; nullopt if ok, else the whole error message.
std::optional<std::string> decode_entry(const std::string& file,
                                        std::string_view key,
                                        std::string_view value,
                                        stored_status* out) {
  const bool key_ok = decode_key(key, out);
  std::optional<std::string> problem;
  const auto version =
      value.empty() ? 0 : static_cast<std::uint8_t>(value.front());
  if (version > status_store::record_version) {
    return "status store: " + file + ": " + describe_key(key, *out, key_ok) +
           " has record version " + std::to_string(version) +
           ", newer than this build reads (" +
           std::to_string(status_store::record_version) +
           "); run a newer bistro_scheduler, or " + clean_advice;
  }
  if (!key_ok) {
    problem = "";
  } else if (version == 1) {
    problem = decode_v1(value.substr(1), out);
  } else {
    problem = "has the invalid record version " + std::to_string(version);
  }
  if (!problem) return std::nullopt;
  return "status store: " + file + ": " + describe_key(key, *out, key_ok) +
         (problem->empty() ? "" : " ") + *problem + ": the store is damaged; " +
         clean_advice;
}

}  // namespace

std::string status_store::key_of(std::string_view job, std::string_view node) {
  std::string out;
  out.reserve(4 + job.size() + node.size());
  put_be(out, job.size(), 2);
  out.append(job);
  put_be(out, node.size(), 2);
  out.append(node);
  return out;
}

bool status_store::names_fit(std::string_view job,
                             std::string_view node) const {
  return job.size() + node.size() + 4 <= env_->max_key_bytes();
}

std::variant<std::unique_ptr<status_store>, std::string> status_store::open(
    const std::string& dir, const status_store_options& options) {
  const std::string file = dir + "/data.mdb";
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) {
    return "status store: cannot create the directory " + dir + " (" +
           ec.message() + "); check --data_dir and its permissions";
  }
  if (options.start_empty) {
    for (const char* name : {"/data.mdb", "/lock.mdb"}) {
      std::filesystem::remove(dir + name, ec);
      if (ec) {
        return "status store: cannot delete " + dir + name + " (" +
               ec.message() + ") to start without statuses";
      }
    }
  }
  lmdb_env_options env_options;
  env_options.initial_map_bytes = options.initial_map_bytes;
  env_options.max_map_bytes = options.max_map_bytes;
  env_options.max_dbs = 4;
  env_options.flags = options.sync == status_sync::no_sync ? MDB_NOSYNC : 0;
  auto opened = lmdb_env::open(dir, env_options);
  if (auto* error = std::get_if<std::string>(&opened)) {
    return "status store: " + *error + "; or " + clean_advice;
  }
  auto env = std::move(std::get<std::unique_ptr<lmdb_env>>(opened));

  // Check meta before creating anything, so that a newer or foreign store
  // is left exactly as it was.
  enum class verdict { ours, fresh, newer, foreign };
  verdict seen = verdict::fresh;
  std::uint32_t found_version = 0;
  MDB_dbi statuses = 0;
  MDB_dbi workers = 0;
  int rc = env->write([&](lmdb_txn& txn) {
    MDB_dbi meta = 0;
    int rc = txn.open_dbi("meta", 0, &meta);
    std::string_view version, kind;
    if (rc == MDB_NOTFOUND) {
      MDB_stat st{};
      if ((rc = mdb_stat(txn.get(), 0, &st))) return rc;
      seen = st.ms_entries == 0 ? verdict::fresh : verdict::foreign;
    } else if (rc == MDB_INCOMPATIBLE) {
      seen = verdict::foreign;
    } else if (rc != 0) {
      return rc;
    } else if ((rc = txn.get(meta, "format_version", &version)) ||
               (rc = txn.get(meta, "store", &kind))) {
      if (rc != MDB_NOTFOUND) return rc;
      seen = verdict::foreign;
    } else if (kind != store_kind || version.size() != 4) {
      seen = verdict::foreign;
    } else {
      found_version = static_cast<std::uint32_t>(get_be(version, 4));
      seen = found_version > format_version    ? verdict::newer
             : found_version == format_version ? verdict::ours
                                               : verdict::foreign;
    }
    if (seen == verdict::newer || seen == verdict::foreign) {
      return MDB_NOTFOUND;  // abort: touch nothing
    }
    if (seen == verdict::fresh) {
      std::string v;
      put_be(v, format_version, 4);
      if ((rc = txn.open_dbi("meta", MDB_CREATE, &meta)) ||
          (rc = txn.put(meta, "format_version", v)) ||
          (rc = txn.put(meta, "store", store_kind))) {
        return rc;
      }
    }
    if ((rc = txn.open_dbi("workers", MDB_CREATE, &workers))) return rc;
    return txn.open_dbi("statuses", MDB_CREATE, &statuses);
  });
  if (seen == verdict::newer) {
    return "status store: " + file + " holds format version " +
           std::to_string(found_version) + ", newer than this build reads (" +
           std::to_string(format_version) +
           "); run a newer bistro_scheduler, or " + clean_advice;
  }
  if (seen == verdict::foreign) {
    return "status store: " + file +
           " is an LMDB file but not a status store (no or unknown format "
           "version); check --data_dir, or " +
           clean_advice;
  }
  if (rc != 0) {
    return "status store: cannot read " + file + " (" + lmdb_error_text(rc) +
           "); " + clean_advice;
  }
  return std::unique_ptr<status_store>(new status_store(
      std::move(env), statuses, workers,
      std::max(options.max_map_bytes, options.initial_map_bytes)));
}

std::string status_store::write_error(const std::string& what, int rc) const {
  std::string out = "status store: cannot " + what + " (" + dir() +
                    "/data.mdb: " + lmdb_error_text(rc) + ")";
  switch (rc) {
    case MDB_MAP_FULL:
      out += "; the map reached its cap of " + std::to_string(max_map_bytes_) +
             " bytes: raise the store's max map size";
      break;
    case ENOSPC:
      out += "; the disk is full: free some space";
      break;
    case MDB_TXN_FULL:
      out += "; too many changes for one transaction: commit smaller batches";
      break;
    case MDB_CORRUPTED:
    case MDB_PAGE_NOTFOUND:
      out += "; the store is damaged: ";
      out += clean_advice;
      break;
    default:
      break;
  }
  return out;
}

std::optional<std::string> status_store::commit(
    std::span<const stored_status> upserts,
    std::span<const std::pair<std::string, std::string>> deletes) {
  if (upserts.empty() && deletes.empty()) return std::nullopt;
  // Encode outside the transaction: less time holding the writer lock, and
  // nothing to redo if the map grows and the transaction reruns.
  std::vector<std::pair<std::string, std::string>> puts;
  puts.reserve(upserts.size());
  for (const stored_status& s : upserts) {
    if (!names_fit(s.job, s.node)) {
      return "status store: job \"" + s.job + "\" on node \"" + s.node +
             "\": the names together exceed the store's key limit of " +
             std::to_string(env_->max_key_bytes() - 4) +
             " bytes; nothing was written";
    }
    constexpr auto max_text = std::numeric_limits<std::uint32_t>::max();
    if (s.status.data.size() > max_text || s.status.message.size() > max_text ||
        s.worker.size() > max_text) {
      return "status store: job \"" + s.job + "\" on node \"" + s.node +
             "\": a text is over 4 GiB; nothing was written";
    }
    puts.emplace_back(key_of(s.job, s.node), encode_record(s));
  }
  std::vector<std::string> dels;
  dels.reserve(deletes.size());
  for (const auto& [job, node] : deletes) {
    // A key too long to store was never stored.
    if (names_fit(job, node)) dels.push_back(key_of(job, node));
  }
  int rc = env_->write([&](lmdb_txn& txn) {
    for (const auto& [key, value] : puts) {
      if (int rc = txn.put(statuses_, key, value)) return rc;
    }
    for (const std::string& key : dels) {
      int rc = txn.del(statuses_, key);
      if (rc != 0 && rc != MDB_NOTFOUND) return rc;
    }
    return 0;
  });
  if (rc == 0) return std::nullopt;
  return write_error("commit " + std::to_string(upserts.size()) +
                         " statuses and " + std::to_string(deletes.size()) +
                         " deletions",
                     rc) +
         "; nothing was written";
}

std::variant<std::vector<stored_status>, std::string> status_store::load_all()
    const {
  const std::string file = dir() + "/data.mdb";
  auto failed = [&](int rc) {
    return "status store: cannot read " + file + " (" + lmdb_error_text(rc) +
           "); " + clean_advice;
  };
  lmdb_txn txn;
  if (int rc = env_->begin_read(&txn)) return failed(rc);
  MDB_stat st{};
  if (int rc = mdb_stat(txn.get(), statuses_, &st)) return failed(rc);
  std::vector<stored_status> out;
  out.reserve(st.ms_entries);
  lmdb_cursor cursor;
  if (int rc = lmdb_cursor::open(txn, statuses_, &cursor)) return failed(rc);
  std::string_view key, value;
  int rc = cursor.get(MDB_FIRST, &key, &value);
  for (; rc == 0; rc = cursor.get(MDB_NEXT, &key, &value)) {
    stored_status& s = out.emplace_back();
    if (auto error = decode_entry(file, key, value, &s)) return *error;
  }
  if (rc != MDB_NOTFOUND) return failed(rc);
  return out;
}

std::optional<std::string> status_store::prune_jobs_not_in(
    const std::vector<std::string>& keep_jobs) {
  std::unordered_set<std::string_view> keep(keep_jobs.begin(), keep_jobs.end());
  std::string resume;  // the key to continue from; "" = the first
  for (bool finished = false; !finished;) {
    std::string next_resume;
    int rc = env_->write([&](lmdb_txn& txn) {
      finished = false;
      lmdb_cursor cursor;
      if (int rc = lmdb_cursor::open(txn, statuses_, &cursor)) return rc;
      std::string_view key = resume, value;
      int rc =
          cursor.get(resume.empty() ? MDB_FIRST : MDB_SET_RANGE, &key, &value);
      std::string past_job;
      std::size_t deleted = 0;
      for (;;) {
        if (rc == MDB_NOTFOUND) {
          finished = true;
          return 0;
        }
        if (rc != 0) return rc;
        if (deleted >= prune_chunk) {
          next_resume.assign(key);
          return 0;
        }
        const std::size_t job_len = key.size() >= 2 ? get_be(key, 2) : 0;
        const bool key_ok = key.size() >= 2 + job_len;
        if (key_ok && keep.contains(key.substr(2, job_len))) {
          // Skip the job's records: no node length reaches 0xffff.
          past_job.assign(key.substr(0, 2 + job_len));
          past_job.append("\xff\xff");
          key = past_job;
          rc = cursor.get(MDB_SET_RANGE, &key, &value);
          continue;
        }
        // A malformed key belongs to no kept job: it goes too.
        if ((rc = cursor.del())) return rc;
        ++deleted;
        // After a delete, MDB_NEXT lands on the entry that moved up.
        rc = cursor.get(MDB_NEXT, &key, &value);
      }
    });
    if (rc != 0) {
      return write_error("prune statuses", rc) +
             "; some may be gone, the rest are intact: prune again";
    }
    resume = std::move(next_resume);
  }
  return std::nullopt;
}

std::optional<std::string> status_store::clear() {
  int rc = env_->write(
      [&](lmdb_txn& txn) { return mdb_drop(txn.get(), statuses_, 0); });
  if (rc == 0) return std::nullopt;
  return write_error("clear the statuses", rc);
}

std::variant<std::size_t, std::string> status_store::count() const {
  lmdb_txn txn;
  MDB_stat st{};
  int rc = env_->begin_read(&txn);
  if (rc == 0) rc = mdb_stat(txn.get(), statuses_, &st);
  if (rc != 0) {
    return "status store: cannot read " + dir() + "/data.mdb (" +
           lmdb_error_text(rc) + ")";
  }
  return std::size_t{st.ms_entries};
}

namespace {

constexpr std::size_t secret_hash_chars = 64;

std::string shard_key(std::string_view shard) {
  std::string key(SHA256_DIGEST_LENGTH, '\0');
  SHA256(reinterpret_cast<const unsigned char*>(shard.data()), shard.size(),
         reinterpret_cast<unsigned char*>(key.data()));
  return key;
}

}  // namespace

std::optional<std::string> status_store::save_worker_secret_hash(
    std::string_view shard, std::string_view secret_hash) {
  if (secret_hash.size() != secret_hash_chars)
    return "status store: worker \"" + std::string{shard} +
           "\": a secret hash must be 64 hex digits";
  std::string value;
  value.push_back(static_cast<char>(record_version));
  value.append(secret_hash);
  value.append(shard);
  auto key = shard_key(shard);
  int rc =
      env_->write([&](lmdb_txn& txn) { return txn.put(workers_, key, value); });
  if (rc == 0) return std::nullopt;
  return write_error(
      "keep the secret hash of worker \"" + std::string{shard} + "\"", rc);
}

std::variant<std::map<std::string, std::string>, std::string>
status_store::load_worker_secret_hashes() const {
  const std::string file = dir() + "/data.mdb";
  auto failed = [&](int rc) {
    return "status store: cannot read the worker secrets in " + file + " (" +
           lmdb_error_text(rc) + ")";
  };
  lmdb_txn txn;
  if (int rc = env_->begin_read(&txn)) return failed(rc);
  lmdb_cursor cursor;
  if (int rc = lmdb_cursor::open(txn, workers_, &cursor)) return failed(rc);
  std::map<std::string, std::string> out;
  std::string_view key, value;
  int rc = cursor.get(MDB_FIRST, &key, &value);
  for (; rc == 0; rc = cursor.get(MDB_NEXT, &key, &value)) {
    if (value.empty() || static_cast<std::uint8_t>(value[0]) != 1 ||
        value.size() < 1 + secret_hash_chars) {
      return "status store: " + file +
             ": a worker secret record of an unknown version or size; run a "
             "newer bistro_scheduler";
    }
    out.emplace(std::string{value.substr(1 + secret_hash_chars)},
                std::string{value.substr(1, secret_hash_chars)});
  }
  if (rc != MDB_NOTFOUND) return failed(rc);
  return out;
}

}  // namespace bistro
