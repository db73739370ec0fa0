// Per-worker secrets: what proves, in every message a remote worker sends
// after its welcome, that it is the worker the welcome was for. CAF 0.17
// cannot tell which connection a message came from, so identity travels in
// the messages. The scheduler makes a secret at a worker's first welcome and
// keeps only its SHA-256 (in memory and in the status store); the worker
// keeps the secret itself in a file in its --data_dir, so that either side
// can restart and the worker can still prove who it is.
//
// Plain functions, no CAF include; thread-safe (no shared state).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace bistro {

/// 32 random bytes from the kernel, as 64 hex digits.
std::string make_worker_secret();

/// The SHA-256 of `secret`, as 64 hex digits: what the scheduler keeps.
std::string worker_secret_hash(std::string_view secret);

/// Whether `secret` hashes to `hash`, in time independent of where they
/// differ. An empty secret matches nothing.
bool worker_secret_matches(std::string_view secret, std::string_view hash);

/// Reads the secret kept in `path`: nullopt when there is none (no file,
/// or not a secret this build wrote).
std::optional<std::string> read_worker_secret(const std::string& path);

/// Writes `secret` to `path` atomically, readable by its owner only; the
/// error, naming the file, or "" when it worked.
std::string write_worker_secret(const std::string& path,
                                const std::string& secret);

}  // namespace bistro
