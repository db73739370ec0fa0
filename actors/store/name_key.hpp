// Fixed-size LMDB keys for names of any length: LMDB refuses keys past
// about 500 bytes, and node names may be much longer (a documented cap of
// KiBs, see the `nodes.max_name_bytes` setting). A name's key part is the
// first 16 bytes of its SHA-256; the names themselves live in the values,
// and readers check that a value's names hash to its key, so a damaged or
// colliding record is an error, never a silent mix-up. Equal first parts
// keep one job's records contiguous, so a job is a key range.
//
// Pure functions; thread-safe.
#pragma once

#include <openssl/sha.h>

#include <cstddef>
#include <string>
#include <string_view>

namespace bistro {

inline constexpr std::size_t name_hash_bytes = 16;

/// The first `name_hash_bytes` bytes of SHA-256(name).
inline std::string name_hash(std::string_view name) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(name.data()), name.size(),
         digest);
  return std::string(reinterpret_cast<const char*>(digest), name_hash_bytes);
}

/// name_hash(job) | name_hash(node): 32 bytes whatever the names.
inline std::string job_node_key(std::string_view job, std::string_view node) {
  std::string out = name_hash(job);
  out += name_hash(node);
  return out;
}

}  // namespace bistro
