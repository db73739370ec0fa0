// Reads a config file's text safely: only a regular file (a symlink to one
// is fine), at most `max_bytes`, never blocking. A FIFO, a device
// (`/dev/zero`), a directory or an oversized file is refused at once with an
// error naming the file and why, so a caller keeps its last good config.
//
// The file is opened with O_NONBLOCK and checked with fstat before any
// read, so neither a FIFO without a writer nor an endless device can hold
// the caller. Blocking file I/O on a regular file: call it off CAF's shared
// threads. Free function, no state; safe from any thread.
#pragma once

#include <cstdint>
#include <string>

namespace bistro {

/// Default of --config_max_bytes (16 MiB).
inline constexpr std::int64_t default_config_max_bytes = 16 << 20;

struct config_file_text {
  std::string text;
  /// Empty on success; otherwise "PATH: why".
  std::string error;
  bool ok() const { return error.empty(); }
};

config_file_text read_config_text(const std::string& path,
                                  std::int64_t max_bytes);

}  // namespace bistro
