// A job's node filter for one level (`filters.LEVEL`): white/black lists,
// regexes (searched anywhere in the name, as Bistro does), a tag whitelist
// and a deterministic fraction of nodes.
//
// Immutable once built; `passes` is const and safe to call from any thread.
#pragma once

#include <cstdint>
#include <regex>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

namespace bistro {

class job_filter {
 public:
  job_filter() = default;

  std::unordered_set<std::string> whitelist;
  std::unordered_set<std::string> blacklist;
  std::string whitelist_regex;  // source text, "" = none
  std::string blacklist_regex;
  std::vector<std::string> tag_whitelist;
  /// In (0, 1]; a node passes when hash(node, job) falls below it.
  double fraction_of_nodes = 1.0;

  /// Compiles the regexes; throws std::regex_error on a bad pattern.
  void compile();

  /// True when the filter lets every node through.
  bool empty() const;

  /// Whether `node` passes for job `job_name`; `has_tag(tag)` answers
  /// whether the node carries a tag (only asked when tag_whitelist is set).
  template <class HasTag>
  bool passes(std::string_view job_name, std::string_view node,
              HasTag&& has_tag) const {
    if (!passes_name(job_name, node)) return false;
    if (tag_whitelist.empty()) return true;
    for (const auto& tag : tag_whitelist)
      if (has_tag(std::string_view{tag})) return true;
    return false;
  }

  /// The name-only part of `passes`.
  bool passes_name(std::string_view job_name, std::string_view node) const;

 private:
  std::regex whitelist_re_;
  std::regex blacklist_re_;
  std::uint64_t fraction_cutoff_ = UINT64_MAX;
};

}  // namespace bistro
