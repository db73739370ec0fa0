// LMDB keys for (job, node) names of any length: LMDB refuses keys past
// 511 bytes, and node names may be much longer (a documented cap of KiBs,
// see the `nodes.max_name_bytes` setting).
//
//   key  = u16be len(part(job)) | part(job) | u16be len(part(node)) |
//          part(node)
//   part = the name itself while it has at most max_raw_job_bytes (job) or
//          max_raw_node_bytes (node) bytes; else its first that many bytes
//          | 0xff | the first 16 bytes of its SHA-256 (17 bytes longer than
//          any plain part, so the two never meet)
//
// For names within the limits this is the length-prefixed key of the
// stores' format 1, byte for byte: one job's keys are one contiguous range,
// and within it nodes sort by length, then bytes, as they usually arrive
// (host-1, host-2, ...), so a batch of one job's statuses touches few
// pages. A key is self-delimiting (the lengths), so no (job, node) key is
// a prefix of another, and a 16-byte suffix (time, run id) keeps a key under
// LMDB's limit. A key with a hashed part cannot give back its name: such
// records keep the names in their values.
//
// Pure functions; thread-safe.
#pragma once

#include <openssl/sha.h>

#include <cstddef>
#include <string>
#include <string_view>

#include "actors/store/big_endian.hpp"

namespace bistro {

inline constexpr std::size_t max_raw_job_bytes = 64;
inline constexpr std::size_t max_raw_node_bytes = 380;
inline constexpr std::size_t name_hash_bytes = 16;
/// The longest (job, node) key: 2 + 81 + 2 + 397 bytes.
inline constexpr std::size_t max_job_node_key_bytes =
    4 + max_raw_job_bytes + max_raw_node_bytes + 2 * (1 + name_hash_bytes);

/// The first `name_hash_bytes` bytes of SHA-256(name).
inline std::string name_hash(std::string_view name) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(name.data()), name.size(),
         digest);
  return std::string(reinterpret_cast<const char*>(digest), name_hash_bytes);
}

/// Appends u16be len(part(name)) | part(name).
inline void append_key_part(std::string& out, std::string_view name,
                            std::size_t max_raw) {
  if (name.size() <= max_raw) {
    put_be(out, name.size(), 2);
    out.append(name);
    return;
  }
  put_be(out, max_raw + 1 + name_hash_bytes, 2);
  out.append(name.substr(0, max_raw));
  out.push_back('\xff');
  out += name_hash(name);
}

/// Whether `name` goes into keys whole.
inline bool key_holds_name(std::string_view name, std::size_t max_raw) {
  return name.size() <= max_raw;
}

/// The part all of a job's keys start with.
inline std::string job_key_prefix(std::string_view job) {
  std::string out;
  append_key_part(out, job, max_raw_job_bytes);
  return out;
}

inline std::string job_node_key(std::string_view job, std::string_view node) {
  std::string out = job_key_prefix(job);
  append_key_part(out, node, max_raw_node_bytes);
  return out;
}

/// The (job, node) parts of a key, or nothing when `key` does not start
/// with a whole (job, node) key.
struct key_parts {
  std::string_view job;
  std::string_view node;
  std::size_t length;  // of the (job, node) key
};
inline bool parse_job_node_key(std::string_view key, key_parts* out) {
  if (key.size() < 2) return false;
  const std::size_t job_len = get_be(key, 2);
  if (key.size() < 4 + job_len) return false;
  const std::size_t node_len = get_be(key.substr(2 + job_len), 2);
  if (key.size() < 4 + job_len + node_len) return false;
  *out = key_parts{key.substr(2, job_len), key.substr(4 + job_len, node_len),
                   4 + job_len + node_len};
  return true;
}

/// The length of the (job, node) key that `key` starts with; 0 if `key`
/// does not start with a whole one.
inline std::size_t job_node_key_length(std::string_view key) {
  key_parts parts;
  return parse_job_node_key(key, &parts) ? parts.length : 0;
}

/// A key past every key of the job whose prefix is `job_prefix`, and
/// before every other job's keys: no part's length reaches 0xffff.
inline std::string key_after_job(std::string_view job_prefix) {
  std::string out{job_prefix};
  out.append("\xff\xff");
  return out;
}

}  // namespace bistro
