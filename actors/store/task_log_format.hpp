// The task-log store's on-disk format (internal to task_log_store.cpp): key
// and record encodings and line ids. Pure functions over bytes;
// thread-safe.
//
// On-disk layout, format version 2. Changing any byte of it means a new
// format_version (and record_version for values); old readers refuse newer
// formats at open.
//
//   "meta"              "format_version" -> u32 big-endian
//   "streams"           key:   stream id: job_node_key(job, node)
//                              (actors/store/name_key.hpp), self-delimiting
//                       value: u8 1 | u32be len(job) | job | node
//   "<type>.2"          key:   stream id | u64be line_id
//                       value: u8 record_version (1) | i64be time_ms | line
//   "<type>.2.by_time"  key:   u64be line_id
//                       value: stream id
//
// <type> is log_type_name(): "stdout", "stderr", "statuses". Stream ids
// keep keys within LMDB's limit whatever the names' length, and one
// (job, node), and one job, contiguous.
// line_id = time_s << 31 | seq, where time_s = floor(time_ms / 1000) clamped
// to [0, 2^32) and seq is the store's 31-bit wrapping counter: non-negative,
// so big-endian bytes sort like the numbers, and ordered by second then by
// arrival, which is Bistro's cursor order. A line_id is unique per type
// (MDB_NOOVERWRITE on the index, bumping seq on a clash).
//
// Format 1 (migrated at open, then dropped) keyed "<type>" by
// u16be len(job) | job | u16be len(node) | node | u64be line_id, with
// "<type>.by_time" holding that (job, node) part: names past ~500 bytes
// did not fit.
#pragma once

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "actors/store/big_endian.hpp"
#include "actors/store/name_key.hpp"
#include "actors/store/task_log_store.hpp"

namespace bistro::task_log_format {

inline constexpr std::uint32_t format_version = 2;
inline constexpr std::uint8_t record_version = 1;
inline constexpr int seq_bits = 31;
inline constexpr std::int64_t seq_mask = (std::int64_t{1} << seq_bits) - 1;
inline constexpr std::int64_t max_time_s = (std::int64_t{1} << 32) - 1;
inline constexpr std::size_t id_bytes = 8;
inline constexpr std::size_t record_header_bytes = 9;
inline constexpr const char* type_names[] = {"stdout", "stderr", "statuses"};
inline constexpr log_type all_types[] = {
    log_type::stdout_log, log_type::stderr_log, log_type::statuses};

inline std::string id_key(std::int64_t id) {
  std::string out;
  put_be(out, static_cast<std::uint64_t>(id), id_bytes);
  return out;
}

/// A stream's id: at most 427 bytes whatever the names.
inline std::string stream_prefix(std::string_view job, std::string_view node) {
  return job_node_key(job, node);
}

struct job_node {
  std::string_view job;
  std::string_view node;
};

/// The "streams" value naming a stream.
inline std::string stream_names(std::string_view job, std::string_view node) {
  std::string out(1, '\x01');
  put_be(out, job.size(), 4);
  out.append(job);
  out.append(node);
  return out;
}

inline std::optional<job_node> parse_stream_names(std::string_view v) {
  if (v.size() < 5 || v[0] != '\x01') return std::nullopt;
  const std::size_t job_len = get_be(v.substr(1), 4);
  if (v.size() < 5 + job_len) return std::nullopt;
  return job_node{v.substr(5, job_len), v.substr(5 + job_len)};
}

/// Format 1's (job, node) key part.
inline std::optional<job_node> parse_v1_prefix(std::string_view p) {
  if (p.size() < 2) return std::nullopt;
  std::size_t job_len = get_be(p, 2);
  if (p.size() < 4 + job_len) return std::nullopt;
  std::size_t node_len = get_be(p.substr(2 + job_len), 2);
  if (p.size() != 4 + job_len + node_len) return std::nullopt;
  return job_node{p.substr(2, job_len), p.substr(4 + job_len)};
}

struct record_view {
  std::int64_t time_ms;
  std::string_view line;
};

inline std::string make_record(std::int64_t time_ms, std::string_view line) {
  std::string out;
  out.reserve(record_header_bytes + line.size());
  out.push_back(static_cast<char>(record_version));
  put_be(out, static_cast<std::uint64_t>(time_ms), 8);
  out.append(line);
  return out;
}

// Records of an unknown version are skipped by readers.
inline std::optional<record_view> parse_record(std::string_view v) {
  if (v.size() < record_header_bytes ||
      static_cast<std::uint8_t>(v[0]) != record_version) {
    return std::nullopt;
  }
  return record_view{static_cast<std::int64_t>(get_be(v.substr(1), 8)),
                     v.substr(record_header_bytes)};
}

inline std::int64_t time_s_of(std::int64_t time_ms) {
  std::int64_t s = time_ms / 1000 - (time_ms % 1000 < 0 ? 1 : 0);
  return std::clamp<std::int64_t>(s, 0, max_time_s);
}

inline std::int64_t make_line_id(std::int64_t time_s, std::int64_t seq) {
  return (time_s << seq_bits) | (seq & seq_mask);
}

inline bool in_stream(std::string_view key, std::string_view prefix) {
  return key.size() == prefix.size() + id_bytes &&
         key.substr(0, prefix.size()) == prefix;
}

}  // namespace bistro::task_log_format
