#include "actors/store/status_store.hpp"

#include <openssl/sha.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>
#include <limits>
#include <system_error>
#include <tuple>
#include <unordered_set>

#include "actors/store/big_endian.hpp"
#include "actors/store/name_key.hpp"

namespace bistro {

// On-disk layout, format version 2. Changing the key or the meta layout
// means a new format_version; changing a value means a new record_version,
// whose reader is added beside the old ones. Never renumber either, nor the
// label bytes (status_label's values).
//
//   "meta"      "format_version" -> u32be format_version (2)
//               "store"          -> "statuses" (tells this store from others)
//   "records"   key:   job_node_key(job, node) (actors/store/name_key.hpp:
//                      format 1's length-prefixed names while a job name
//                      has at most 64 bytes and a node name at most 380;
//                      past those, cut and hashed; at most 482 bytes)
//               value (record version 2), all integers big-endian:
//                 u8  record_version (2)
//                 u8  status_label
//                 u8  flags: bit 0 overwriteable, bit 1 before_run present,
//                     bit 2 names present (the key hashed a name); others
//                     written 0, ignored
//                 u16 backoff_step
//                 i64 backoff_until_ms | i64 updated_ms
//                 u64 run_id | i64 start_ms | i64 end_ms
//                 names, when flagged: u32 len | job, u32 len | node
//                 u32 len | worker, u32 len | data, u32 len | message
//                 before_run, when flagged: u8 status_label | u8 flags
//                   (bit 0 overwriteable) | u16 backoff_step |
//                   i64 backoff_until_ms | i64 updated_ms | u32 len | message
//   "history"   key:   job_node_key(job, node) | u64be end_ms |
//                      u64be run_id (a task's runs in the order they ended)
//               value (record version 1): u8 record_version (1) |
//                 u8 status_label | i64 start_ms | u32 len | worker |
//                 u32 len | message
//   "workers"   key:   SHA-256(shard), 32 bytes
//               value (record version 1): u8 record_version (1) |
//                 64 hex digits: SHA-256 of the worker's secret | shard
//
// Format 1 (migrated at open, then dropped): "statuses" keyed by
// u16be len(job) | job | u16be len(node) | node (refused by LMDB past ~500
// bytes together), values of record version 1: as version 2 without names
// and before_run.

namespace {

constexpr const char* store_kind = "statuses";
constexpr std::size_t v1_fixed_bytes = 1 + 1 + 1 + 2 + 8 * 5;
constexpr std::uint8_t overwriteable_bit = 1;
constexpr std::uint8_t before_run_bit = 2;
constexpr std::uint8_t names_bit = 4;
constexpr std::uint8_t history_record_version = 1;
constexpr std::uint8_t worker_record_version = 1;
constexpr std::size_t history_suffix_bytes = 16;
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

// A name for a message: quoted, cut at 200 bytes, each byte that is not
// printable ASCII as \xNN, so the message is plain ASCII whatever it holds.
std::string escaped_name(std::string_view name) {
  static constexpr char hex[] = "0123456789abcdef";
  std::string out = "\"";
  for (unsigned char c : name.substr(0, 200)) {
    if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
      out.push_back(static_cast<char>(c));
    } else {
      out += "\\x";
      out.push_back(hex[c >> 4]);
      out.push_back(hex[c & 15]);
    }
  }
  if (name.size() > 200) out += "...";
  out.push_back('"');
  return out;
}

constexpr const char* records_db = "records";
constexpr const char* history_db = "history";
constexpr const char* workers_db = "workers";
constexpr const char* v1_statuses_db = "statuses";

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

// Fills job and node from a format-1 key; false if it is not one.
bool decode_v1_key(std::string_view key, stored_status* out) {
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

// The fields versions 1 and 2 share, from label to end_ms.
void decode_common(byte_reader& r, stored_status* out) {
  status_record& s = out->status;
  s.label = static_cast<status_label>(r.be(1));
  const auto flags = r.be(1);
  s.overwriteable = (flags & overwriteable_bit) != 0;
  s.backoff_step = static_cast<std::uint16_t>(r.be(2));
  s.backoff_until_ms = static_cast<std::int64_t>(r.be(8));
  s.updated_ms = static_cast<std::int64_t>(r.be(8));
  out->run_id = r.be(8);
  out->start_ms = static_cast<std::int64_t>(r.be(8));
  out->end_ms = static_cast<std::int64_t>(r.be(8));
  if (flags & before_run_bit) s.before_run.emplace();
}

std::optional<std::string> check_label(std::string_view body) {
  const auto label = static_cast<std::uint8_t>(body.front());
  if (label >= num_status_labels) {
    return "has the unknown status label " + std::to_string(label);
  }
  return std::nullopt;
}

// Decodes a version-1 value (without its version byte); nullopt if ok, else
// what is wrong.
std::optional<std::string> decode_v1(std::string_view body,
                                     stored_status* out) {
  if (body.size() + 1 < v1_fixed_bytes) return "is truncated";
  if (auto problem = check_label(body)) return problem;
  byte_reader r{body};
  decode_common(r, out);
  out->status.before_run.reset();
  r.text(&out->worker);
  r.text(&out->status.data);
  r.text(&out->status.message);
  if (!r.ok) return "is truncated";
  if (!r.in.empty())
    return "has " + std::to_string(r.in.size()) + " bytes past its end";
  return std::nullopt;
}

// Decodes a version-2 value (without its version byte) whose key is `key`.
std::optional<std::string> decode_v2(std::string_view key,
                                     std::string_view body,
                                     stored_status* out) {
  key_parts parts;
  if (!parse_job_node_key(key, &parts) || parts.length != key.size())
    return "has a malformed key";
  if (body.size() + 1 < v1_fixed_bytes) return "is truncated";
  if (auto problem = check_label(body)) return problem;
  const bool names_in_value =
      (static_cast<std::uint8_t>(body[1]) & names_bit) != 0;
  byte_reader r{body};
  decode_common(r, out);
  if (names_in_value) {
    r.text(&out->job);
    r.text(&out->node);
  } else {
    if (!key_holds_name(parts.job, max_raw_job_bytes) ||
        !key_holds_name(parts.node, max_raw_node_bytes))
      return "has a hashed key but no names";
    out->job.assign(parts.job);
    out->node.assign(parts.node);
  }
  r.text(&out->worker);
  r.text(&out->status.data);
  r.text(&out->status.message);
  if (out->status.before_run) {
    prior_status& p = *out->status.before_run;
    const auto label = r.be(1);
    if (r.ok && label >= num_status_labels)
      return "has the unknown earlier status label " + std::to_string(label);
    p.label = static_cast<status_label>(label);
    p.overwriteable = (r.be(1) & overwriteable_bit) != 0;
    p.backoff_step = static_cast<std::uint16_t>(r.be(2));
    p.backoff_until_ms = static_cast<std::int64_t>(r.be(8));
    p.updated_ms = static_cast<std::int64_t>(r.be(8));
    r.text(&p.message);
  }
  if (!r.ok) return "is truncated";
  if (!r.in.empty())
    return "has " + std::to_string(r.in.size()) + " bytes past its end";
  if (names_in_value && key != job_node_key(out->job, out->node))
    return "is stored under a key that is not its names' key";
  return std::nullopt;
}

std::string describe(const stored_status& s, std::size_t key_bytes,
                     bool names_known) {
  if (!names_known) {
    return "a record under a key of " + std::to_string(key_bytes) + " bytes";
  }
  return "the record of job " + escaped_name(s.job) + " on node " +
         escaped_name(s.node);
}

// Decodes one entry of "records" (v1 = false) or of format 1's "statuses"
// (v1 = true); nullopt if ok, else the whole error message.
std::optional<std::string> decode_entry(const std::string& file,
                                        std::string_view key,
                                        std::string_view value, bool v1,
                                        stored_status* out) {
  const auto version =
      value.empty() ? 0 : static_cast<std::uint8_t>(value.front());
  bool names_known = false;
  std::optional<std::string> problem;
  if (v1) {
    names_known = decode_v1_key(key, out);
    if (!names_known) {
      problem = "has a malformed key";
    } else if (version == 1) {
      problem = decode_v1(value.substr(1), out);
    } else {
      problem = "has the record version " + std::to_string(version) +
                " in a format-1 store";
    }
  } else if (version > status_store::record_version) {
    return "status store: " + file + ": a record has record version " +
           std::to_string(version) + ", newer than this build reads (" +
           std::to_string(status_store::record_version) +
           "); run a newer bistro_scheduler, or " + clean_advice;
  } else if (version == 2) {
    problem = decode_v2(key, value.substr(1), out);
    names_known = !problem || out->job.size() + out->node.size() > 0;
  } else {
    problem = "has the invalid record version " + std::to_string(version);
  }
  if (!problem) return std::nullopt;
  return "status store: " + file + ": " +
         describe(*out, key.size(), names_known) + " " + *problem +
         ": the store is damaged; " + clean_advice;
}

std::string history_key(std::string_view record_key, std::int64_t end_ms,
                        std::uint64_t run_id) {
  std::string out{record_key};
  put_be(out, static_cast<std::uint64_t>(end_ms), 8);
  put_be(out, run_id, 8);
  return out;
}

std::string encode_history(const stored_status& s) {
  std::string out;
  out.reserve(18 + 8 + s.worker.size() + s.status.message.size());
  out.push_back(static_cast<char>(history_record_version));
  out.push_back(static_cast<char>(s.status.label));
  put_be(out, static_cast<std::uint64_t>(s.start_ms), 8);
  put_text(out, s.worker);
  put_text(out, s.status.message);
  return out;
}

// Whether the status ends a run: what goes into the history.
bool ends_run(const stored_status& s) {
  return s.run_id != 0 && s.end_ms != 0 &&
         s.status.label != status_label::running &&
         s.status.label != status_label::never_started;
}

}  // namespace

std::string status_store::key_of(std::string_view job, std::string_view node) {
  return job_node_key(job, node);
}

std::string status_store::encode_record(const stored_status& s) {
  const status_record& r = s.status;
  std::string out;
  out.reserve(v1_fixed_bytes + 20 + s.job.size() + s.node.size() +
              s.worker.size() + r.data.size() + r.message.size() +
              (r.before_run ? 24 + r.before_run->message.size() : 0));
  out.push_back(static_cast<char>(record_version));
  out.push_back(static_cast<char>(r.label));
  const bool names_in_value = !key_holds_name(s.job, max_raw_job_bytes) ||
                              !key_holds_name(s.node, max_raw_node_bytes);
  out.push_back(static_cast<char>((r.overwriteable ? overwriteable_bit : 0) |
                                  (r.before_run ? before_run_bit : 0) |
                                  (names_in_value ? names_bit : 0)));
  put_be(out, r.backoff_step, 2);
  put_be(out, static_cast<std::uint64_t>(r.backoff_until_ms), 8);
  put_be(out, static_cast<std::uint64_t>(r.updated_ms), 8);
  put_be(out, s.run_id, 8);
  put_be(out, static_cast<std::uint64_t>(s.start_ms), 8);
  put_be(out, static_cast<std::uint64_t>(s.end_ms), 8);
  if (names_in_value) {
    put_text(out, s.job);
    put_text(out, s.node);
  }
  put_text(out, s.worker);
  put_text(out, r.data);
  put_text(out, r.message);
  if (const auto& p = r.before_run) {
    out.push_back(static_cast<char>(p->label));
    out.push_back(static_cast<char>(p->overwriteable ? overwriteable_bit : 0));
    put_be(out, p->backoff_step, 2);
    put_be(out, static_cast<std::uint64_t>(p->backoff_until_ms), 8);
    put_be(out, static_cast<std::uint64_t>(p->updated_ms), 8);
    put_text(out, p->message);
  }
  return out;
}

namespace {

// Format 1 -> 2: rewrites "statuses" into "records" (and each ended run into
// "history") in chunks of `chunk` records, then drops "statuses" and writes
// the new format version. Every chunk overwrites what an interrupted earlier
// attempt may have written, so a crash at any point leaves a store that the
// next open migrates again. Returns the records migrated, or the error.
std::variant<std::size_t, std::string> migrate_v1(lmdb_env& env,
                                                  const std::string& file,
                                                  std::size_t chunk) {
  std::string resume;  // "" = from the first record
  std::size_t total = 0;
  std::string error;
  for (bool finished = false; !finished;) {
    std::string next_resume;
    std::size_t done = 0;
    int rc = env.write([&](lmdb_txn& txn) {
      finished = false;
      done = 0;
      MDB_dbi old_db = 0, records = 0, history = 0;
      int rc = txn.open_dbi(v1_statuses_db, 0, &old_db);
      if (rc == MDB_NOTFOUND) {
        finished = true;  // an empty format-1 store
        return 0;
      }
      if (rc || (rc = txn.open_dbi(records_db, MDB_CREATE, &records)) ||
          (rc = txn.open_dbi(history_db, MDB_CREATE, &history))) {
        return rc;
      }
      lmdb_cursor cursor;
      if ((rc = lmdb_cursor::open(txn, old_db, &cursor))) return rc;
      std::string_view key = resume, value;
      rc = cursor.get(resume.empty() ? MDB_FIRST : MDB_SET_RANGE, &key, &value);
      for (; rc == 0; rc = cursor.get(MDB_NEXT, &key, &value)) {
        if (done >= chunk) {
          next_resume.assign(key);
          return 0;
        }
        stored_status s;
        if (auto problem = decode_entry(file, key, value, true, &s)) {
          error = *problem;
          return MDB_NOTFOUND;  // abort: this chunk writes nothing
        }
        const std::string new_key = job_node_key(s.job, s.node);
        if ((rc = txn.put(records, new_key, status_store::encode_record(s))))
          return rc;
        if (ends_run(s) &&
            (rc = txn.put(history, history_key(new_key, s.end_ms, s.run_id),
                          encode_history(s)))) {
          return rc;
        }
        ++done;
      }
      if (rc != MDB_NOTFOUND) return rc;
      // Every record is in "records": retire format 1 in this transaction.
      finished = true;
      MDB_dbi meta = 0;
      std::string v;
      put_be(v, status_store::format_version, 4);
      if ((rc = mdb_drop(txn.get(), old_db, 1)) ||
          (rc = txn.open_dbi("meta", 0, &meta)) ||
          (rc = txn.put(meta, "format_version", v))) {
        return rc;
      }
      return 0;
    });
    if (!error.empty()) return error;
    if (rc != 0) {
      return "status store: cannot migrate " + file + " from format 1 (" +
             lmdb_error_text(rc) +
             "); nothing is lost: the next start migrates again";
    }
    total += done;
    resume = std::move(next_resume);
  }
  return total;
}

}  // namespace

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
  env_options.max_dbs = 6;
  env_options.flags = options.sync == status_sync::no_sync ? MDB_NOSYNC : 0;
  auto opened = lmdb_env::open(dir, env_options);
  if (auto* error = std::get_if<std::string>(&opened)) {
    return "status store: " + *error + "; or " + clean_advice;
  }
  auto env = std::move(std::get<std::unique_ptr<lmdb_env>>(opened));

  // Check meta before creating anything, so that a newer or foreign store
  // is left exactly as it was.
  enum class verdict { ours, older, fresh, newer, foreign };
  auto check = [&](verdict* seen, std::uint32_t* found_version) {
    return env->write([&](lmdb_txn& txn) {
      MDB_dbi meta = 0;
      int rc = txn.open_dbi("meta", 0, &meta);
      std::string_view version, kind;
      *seen = verdict::fresh;
      if (rc == MDB_NOTFOUND) {
        MDB_stat st{};
        if ((rc = mdb_stat(txn.get(), 0, &st))) return rc;
        *seen = st.ms_entries == 0 ? verdict::fresh : verdict::foreign;
      } else if (rc == MDB_INCOMPATIBLE) {
        *seen = verdict::foreign;
      } else if (rc != 0) {
        return rc;
      } else if ((rc = txn.get(meta, "format_version", &version)) ||
                 (rc = txn.get(meta, "store", &kind))) {
        if (rc != MDB_NOTFOUND) return rc;
        *seen = verdict::foreign;
      } else if (kind != store_kind || version.size() != 4) {
        *seen = verdict::foreign;
      } else {
        *found_version = static_cast<std::uint32_t>(get_be(version, 4));
        *seen = *found_version > format_version    ? verdict::newer
                : *found_version == format_version ? verdict::ours
                : *found_version == 1              ? verdict::older
                                                   : verdict::foreign;
      }
      if (*seen != verdict::fresh) return MDB_NOTFOUND;  // touch nothing
      std::string v;
      put_be(v, format_version, 4);
      if ((rc = txn.open_dbi("meta", MDB_CREATE, &meta)) ||
          (rc = txn.put(meta, "format_version", v)) ||
          (rc = txn.put(meta, "store", store_kind))) {
        return rc;
      }
      return 0;
    });
  };
  verdict seen = verdict::fresh;
  std::uint32_t found_version = 0;
  int rc = check(&seen, &found_version);
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
  if (rc != 0 && rc != MDB_NOTFOUND) {
    return "status store: cannot read " + file + " (" + lmdb_error_text(rc) +
           "); " + clean_advice;
  }
  std::size_t migrated = 0;
  if (seen == verdict::older) {
    auto done =
        migrate_v1(*env, file, std::max<std::size_t>(options.migrate_chunk, 1));
    if (auto* error = std::get_if<std::string>(&done)) return *error;
    migrated = std::get<std::size_t>(done);
  }
  dbis dbs;
  rc = env->write([&](lmdb_txn& txn) {
    int rc = 0;
    if ((rc = txn.open_dbi(workers_db, MDB_CREATE, &dbs.workers)) ||
        (rc = txn.open_dbi(history_db, MDB_CREATE, &dbs.history))) {
      return rc;
    }
    return txn.open_dbi(records_db, MDB_CREATE, &dbs.records);
  });
  if (rc != 0) {
    return "status store: cannot read " + file + " (" + lmdb_error_text(rc) +
           "); " + clean_advice;
  }
  return std::unique_ptr<status_store>(new status_store(
      std::move(env), dbs,
      std::max(options.max_map_bytes, options.initial_map_bytes), migrated));
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
  struct put {
    std::string key;
    std::string value;
    std::string history_key{};
    std::string history_value{};
  };
  std::vector<put> puts;
  puts.reserve(upserts.size());
  for (const stored_status& s : upserts) {
    constexpr auto max_text = std::numeric_limits<std::uint32_t>::max();
    if (s.status.data.size() > max_text || s.status.message.size() > max_text ||
        s.worker.size() > max_text || s.job.size() > max_text ||
        s.node.size() > max_text) {
      return "status store: job " + escaped_name(s.job.substr(0, 200)) +
             " on node " + escaped_name(s.node.substr(0, 200)) +
             ": a text is over 4 GiB; nothing was written";
    }
    put& p = puts.emplace_back(put{key_of(s.job, s.node), encode_record(s)});
    if (ends_run(s)) {
      p.history_key = history_key(p.key, s.end_ms, s.run_id);
      p.history_value = encode_history(s);
    }
  }
  std::vector<std::string> dels;
  dels.reserve(deletes.size());
  for (const auto& [job, node] : deletes) dels.push_back(key_of(job, node));
  int rc = env_->write([&](lmdb_txn& txn) {
    for (const put& p : puts) {
      if (int rc = txn.put(dbs_.records, p.key, p.value)) return rc;
      if (!p.history_key.empty()) {
        if (int rc = txn.put(dbs_.history, p.history_key, p.history_value))
          return rc;
      }
    }
    for (const std::string& key : dels) {
      int rc = txn.del(dbs_.records, key);
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
  if (int rc = mdb_stat(txn.get(), dbs_.records, &st)) return failed(rc);
  std::vector<stored_status> out;
  out.reserve(st.ms_entries);
  lmdb_cursor cursor;
  if (int rc = lmdb_cursor::open(txn, dbs_.records, &cursor)) return failed(rc);
  std::string_view key, value;
  int rc = cursor.get(MDB_FIRST, &key, &value);
  for (; rc == 0; rc = cursor.get(MDB_NEXT, &key, &value)) {
    stored_status& s = out.emplace_back();
    if (auto error = decode_entry(file, key, value, false, &s)) return *error;
  }
  if (rc != MDB_NOTFOUND) return failed(rc);
  return out;
}

namespace {

// Deletes, in transactions of at most `chunk` deletions, every entry of
// `dbi` whose key does not start with one of `keep` (job hashes): keys
// begin with job_key_prefix(job), so a kept job is one range to hop over.
int prune_by_job(lmdb_env& env, MDB_dbi dbi,
                 const std::unordered_set<std::string>& keep,
                 std::size_t chunk) {
  std::string resume;  // the key to continue from; "" = the first
  for (bool finished = false; !finished;) {
    std::string next_resume;
    int rc = env.write([&](lmdb_txn& txn) {
      finished = false;
      lmdb_cursor cursor;
      if (int rc = lmdb_cursor::open(txn, dbi, &cursor)) return rc;
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
        if (deleted >= chunk) {
          next_resume.assign(key);
          return 0;
        }
        key_parts parts;
        if (parse_job_node_key(key, &parts) &&
            keep.contains(std::string{key.substr(0, 2 + parts.job.size())})) {
          // Hop over the job's entries.
          past_job = key_after_job(key.substr(0, 2 + parts.job.size()));
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
    if (rc != 0) return rc;
    resume = std::move(next_resume);
  }
  return 0;
}

}  // namespace

std::optional<std::string> status_store::prune_jobs_not_in(
    const std::vector<std::string>& keep_jobs) {
  std::unordered_set<std::string> keep;
  for (const auto& job : keep_jobs) keep.insert(job_key_prefix(job));
  for (MDB_dbi dbi : {dbs_.records, dbs_.history}) {
    if (int rc = prune_by_job(*env_, dbi, keep, prune_chunk)) {
      return write_error("prune statuses", rc) +
             "; some may be gone, the rest are intact: prune again";
    }
  }
  return std::nullopt;
}

std::optional<std::string> status_store::clear() {
  int rc = env_->write([&](lmdb_txn& txn) {
    int rc = mdb_drop(txn.get(), dbs_.records, 0);
    return rc ? rc : mdb_drop(txn.get(), dbs_.history, 0);
  });
  if (rc == 0) return std::nullopt;
  return write_error("clear the statuses", rc);
}

std::variant<std::size_t, std::string> status_store::count() const {
  lmdb_txn txn;
  MDB_stat st{};
  int rc = env_->begin_read(&txn);
  if (rc == 0) rc = mdb_stat(txn.get(), dbs_.records, &st);
  if (rc != 0) {
    return "status store: cannot read " + dir() + "/data.mdb (" +
           lmdb_error_text(rc) + ")";
  }
  return std::size_t{st.ms_entries};
}

namespace {

// Decodes a history entry whose key's (job, node) part is `prefix_len`
// bytes long; false when it is damaged or newer than this build reads.
bool decode_history(std::string_view key, std::size_t prefix_len,
                    std::string_view value, run_history_entry* e) {
  e->end_ms = static_cast<std::int64_t>(get_be(key.substr(prefix_len), 8));
  e->run_id = get_be(key.substr(prefix_len + 8), 8);
  byte_reader r{value};
  const auto version = r.be(1);
  const auto label = r.be(1);
  e->label = static_cast<status_label>(label);
  e->start_ms = static_cast<std::int64_t>(r.be(8));
  r.text(&e->worker);
  r.text(&e->message);
  return r.ok && version == history_record_version && label < num_status_labels;
}

}  // namespace

std::variant<std::vector<run_history_entry>, std::string>
status_store::load_history(std::string_view job, std::string_view node) const {
  const std::string file = dir() + "/data.mdb";
  auto failed = [&](int rc) {
    return "status store: cannot read the run history in " + file + " (" +
           lmdb_error_text(rc) + ")";
  };
  lmdb_txn txn;
  if (int rc = env_->begin_read(&txn)) return failed(rc);
  lmdb_cursor cursor;
  if (int rc = lmdb_cursor::open(txn, dbs_.history, &cursor)) return failed(rc);
  const std::string prefix = key_of(job, node);
  std::vector<run_history_entry> out;
  std::string_view key = prefix, value;
  int rc = cursor.get(MDB_SET_RANGE, &key, &value);
  for (; rc == 0 && key.size() == prefix.size() + history_suffix_bytes &&
         key.substr(0, prefix.size()) == prefix;
       rc = cursor.get(MDB_NEXT, &key, &value)) {
    run_history_entry& e = out.emplace_back();
    if (!decode_history(key, prefix.size(), value, &e)) {
      return "status store: " + file + ": the history of job " +
             escaped_name(job) + " on node " + escaped_name(node) +
             " holds a damaged or newer entry (run " +
             std::to_string(e.run_id) + ")";
    }
  }
  if (rc != 0 && rc != MDB_NOTFOUND) return failed(rc);
  return out;
}

std::variant<std::vector<job_run_entry>, std::string>
status_store::load_job_history(std::string_view job, std::size_t limit) const {
  const std::string file = dir() + "/data.mdb";
  auto failed = [&](int rc) {
    return "status store: cannot read the run history in " + file + " (" +
           lmdb_error_text(rc) + ")";
  };
  std::vector<job_run_entry> out;
  if (limit == 0) return out;
  lmdb_txn txn;
  if (int rc = env_->begin_read(&txn)) return failed(rc);
  lmdb_cursor cursor;
  if (int rc = lmdb_cursor::open(txn, dbs_.history, &cursor)) return failed(rc);
  const std::string prefix = job_key_prefix(job);
  // The newest `limit` runs across the job's nodes: a min-heap by (end,
  // run id), so a job with millions of runs costs `limit` entries of
  // memory. The node parts stay as in the key until the end, where the
  // few hashed ones (names past max_raw_node_bytes) are named from their
  // records.
  struct found {
    run_history_entry run;
    std::string node_part;
  };
  auto newer = [](const found& a, const found& b) {
    return std::tie(a.run.end_ms, a.run.run_id) >
           std::tie(b.run.end_ms, b.run.run_id);
  };
  std::vector<found> heap;
  std::string_view key = prefix, value;
  int rc = cursor.get(MDB_SET_RANGE, &key, &value);
  for (; rc == 0 && key.substr(0, prefix.size()) == prefix;
       rc = cursor.get(MDB_NEXT, &key, &value)) {
    key_parts parts;
    if (!parse_job_node_key(key, &parts) ||
        parts.job.size() + 2 != prefix.size() ||
        key.size() != parts.length + history_suffix_bytes)
      return "status store: " + file + ": the history of job " +
             escaped_name(job) + " holds an entry with a malformed key";
    found f;
    if (!decode_history(key, parts.length, value, &f.run))
      return "status store: " + file + ": the history of job " +
             escaped_name(job) + " on node " + escaped_name(parts.node) +
             " holds a damaged or newer entry (run " +
             std::to_string(f.run.run_id) + ")";
    if (heap.size() == limit && !newer(f, heap.front())) continue;
    f.node_part.assign(parts.node);
    heap.push_back(std::move(f));
    std::push_heap(heap.begin(), heap.end(), newer);
    if (heap.size() > limit) {
      std::pop_heap(heap.begin(), heap.end(), newer);
      heap.pop_back();
    }
  }
  if (rc != 0 && rc != MDB_NOTFOUND) return failed(rc);
  std::sort(heap.begin(), heap.end(), newer);
  out.reserve(heap.size());
  for (auto& f : heap) {
    job_run_entry e{std::move(f.node_part), std::move(f.run)};
    if (!key_holds_name(e.node, max_raw_node_bytes)) {
      // A hashed part: the task's record keeps the whole name.
      std::string record_key = prefix;
      put_be(record_key, e.node.size(), 2);
      record_key += e.node;
      std::string_view record;
      stored_status s;
      if (txn.get(dbs_.records, record_key, &record) == 0 &&
          !decode_entry(file, record_key, record, false, &s))
        e.node = std::move(s.node);
      else
        e.node = e.node.substr(0, max_raw_node_bytes) + "...";
    }
    out.push_back(std::move(e));
  }
  return out;
}

std::variant<std::size_t, std::string> status_store::prune_history_older_than(
    std::int64_t cutoff_ms) {
  std::size_t total = 0;
  std::string resume;
  for (bool finished = false; !finished;) {
    std::string next_resume;
    std::size_t deleted = 0;
    int rc = env_->write([&](lmdb_txn& txn) {
      finished = false;
      deleted = 0;
      lmdb_cursor cursor;
      if (int rc = lmdb_cursor::open(txn, dbs_.history, &cursor)) return rc;
      std::string_view key = resume, value;
      int rc =
          cursor.get(resume.empty() ? MDB_FIRST : MDB_SET_RANGE, &key, &value);
      while (rc == 0) {
        if (deleted >= prune_chunk) {
          next_resume.assign(key);
          return 0;
        }
        const std::size_t n = job_node_key_length(key);
        const bool old =
            n == 0 || key.size() != n + history_suffix_bytes ||
            static_cast<std::int64_t>(get_be(key.substr(n), 8)) < cutoff_ms;
        if (old) {
          if ((rc = cursor.del())) return rc;
          ++deleted;
        }
        rc = cursor.get(MDB_NEXT, &key, &value);
      }
      if (rc != MDB_NOTFOUND) return rc;
      finished = true;
      return 0;
    });
    if (rc != 0) return write_error("prune the run history", rc);
    total += deleted;
    resume = std::move(next_resume);
  }
  return total;
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
  value.push_back(static_cast<char>(worker_record_version));
  value.append(secret_hash);
  value.append(shard);
  auto key = shard_key(shard);
  int rc = env_->write(
      [&](lmdb_txn& txn) { return txn.put(dbs_.workers, key, value); });
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
  if (int rc = lmdb_cursor::open(txn, dbs_.workers, &cursor)) return failed(rc);
  std::map<std::string, std::string> out;
  std::string_view key, value;
  int rc = cursor.get(MDB_FIRST, &key, &value);
  for (; rc == 0; rc = cursor.get(MDB_NEXT, &key, &value)) {
    if (value.empty() ||
        static_cast<std::uint8_t>(value[0]) != worker_record_version ||
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

std::variant<std::unique_ptr<status_store>, std::string>
status_store::open_read_only(const std::string& dir) {
  const std::string file = dir + "/data.mdb";
  std::error_code ec;
  if (!std::filesystem::is_regular_file(file, ec)) {
    return "status store: " + file +
           " does not exist; give the --data_dir of a scheduler (it holds "
           "statuses/data.mdb)";
  }
  lmdb_env_options env_options;
  env_options.max_dbs = 6;
  env_options.flags = MDB_RDONLY;
  auto opened = lmdb_env::open(dir, env_options);
  if (auto* error = std::get_if<std::string>(&opened)) {
    return "status store (read-only): " + *error;
  }
  auto env = std::move(std::get<std::unique_ptr<lmdb_env>>(opened));
  dbis dbs;
  lmdb_txn txn;
  int rc = env->begin_read(&txn);
  MDB_dbi meta = 0;
  std::string_view version, kind;
  if (rc == 0) rc = txn.open_dbi("meta", 0, &meta);
  if (rc == 0) rc = txn.get(meta, "store", &kind);
  if (rc == 0) rc = txn.get(meta, "format_version", &version);
  if (rc == MDB_NOTFOUND ||
      (rc == 0 && (kind != store_kind || version.size() != 4))) {
    return "status store: " + file +
           " is not a status store (no or unknown format version); check "
           "--data_dir";
  }
  if (rc != 0) {
    return "status store: cannot read " + file + " (" + lmdb_error_text(rc) +
           ")";
  }
  const auto found = static_cast<std::uint32_t>(get_be(version, 4));
  if (found != format_version) {
    return "status store: " + file + " holds format version " +
           std::to_string(found) + " and this build reads version " +
           std::to_string(format_version) + " (" +
           (found > format_version
                ? std::string{"run a newer bistro_shell"}
                : std::string{"start a current bistro_scheduler on it once "
                              "to migrate it"}) +
           "); a read-only open never migrates";
  }
  if ((rc = txn.open_dbi(records_db, 0, &dbs.records)) ||
      (rc = txn.open_dbi(history_db, 0, &dbs.history)) ||
      (rc = txn.open_dbi(workers_db, 0, &dbs.workers)) || (rc = txn.commit())) {
    return "status store: cannot read " + file + " (" + lmdb_error_text(rc) +
           ")";
  }
  return std::unique_ptr<status_store>(
      new status_store(std::move(env), dbs, env_options.max_map_bytes, 0));
}

}  // namespace bistro
