// A node-name pattern such as "{parent}__{i}", compiled once and then
// expanded per node by plain appends: the range_label and add_time sources
// make a million names with it, so it never parses or allocates per node.
// `{{` and `}}` stand for literal braces.
//
// A compiled name_format is immutable and safe to share between threads.
// Plain logic: no CAF include.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace bistro {

struct name_format_result;

class name_format {
 public:
  /// Compiles `pattern`; every `{name}` must be one of `placeholders`, whose
  /// positions are the indexes `append` takes values by.
  static name_format_result compile(
      std::string_view pattern, std::span<const std::string_view> placeholders);

  /// Appends the expansion to `out`; `values[k]` replaces placeholder k.
  void append(std::string& out, std::span<const std::string_view> values) const;

  /// Bytes of literal text in one expansion.
  std::size_t literal_size() const { return literals_.size(); }

 private:
  struct segment {
    std::int32_t placeholder;  // -1: literals_[begin, begin + size)
    std::uint32_t begin;
    std::uint32_t size;
  };
  std::string literals_;
  std::vector<segment> segments_;
};

/// Either a compiled format or the reason the pattern was rejected.
struct name_format_result {
  std::optional<name_format> format;
  std::string error;
};

}  // namespace bistro
