// Big-endian integer encoding for LMDB keys and records: big-endian keys
// sort like the numbers they hold. Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace bistro {

/// Appends the low `bytes` bytes of `v`, most significant first.
inline void put_be(std::string& out, std::uint64_t v, int bytes) {
  for (int i = bytes - 1; i >= 0; --i)
    out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

/// Reads `bytes` bytes from the front of `in` (which must hold them).
inline std::uint64_t get_be(std::string_view in, int bytes) {
  std::uint64_t v = 0;
  for (int i = 0; i < bytes; ++i)
    v = (v << 8) | static_cast<unsigned char>(in[i]);
  return v;
}

}  // namespace bistro
