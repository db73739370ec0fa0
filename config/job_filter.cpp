#include "config/job_filter.hpp"

namespace bistro {

namespace {

// FNV-1a: stable across runs and builds, so a fraction_of_nodes filter picks
// the same nodes after a restart.
std::uint64_t stable_hash(std::string_view node, std::string_view salt) {
  std::uint64_t h = 14695981039346656037ull;
  auto mix = [&h](std::string_view s) {
    for (unsigned char c : s) {
      h ^= c;
      h *= 1099511628211ull;
    }
  };
  mix(node);
  mix(std::string_view{"\0", 1});
  mix(salt);
  // FNV alone barely moves the high bits when only the last bytes differ;
  // a finalizer (MurmurHash3's fmix64) spreads every input bit.
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdull;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53ull;
  h ^= h >> 33;
  return h;
}

}  // namespace

void job_filter::compile() {
  if (!whitelist_regex.empty()) whitelist_re_ = std::regex(whitelist_regex);
  if (!blacklist_regex.empty()) blacklist_re_ = std::regex(blacklist_regex);
  if (fraction_of_nodes <= 0.0 || fraction_of_nodes >= 1.0) {
    fraction_of_nodes = 1.0;
    fraction_cutoff_ = UINT64_MAX;
  } else {
    fraction_cutoff_ = static_cast<std::uint64_t>(
        fraction_of_nodes * static_cast<double>(UINT64_MAX));
  }
}

bool job_filter::empty() const {
  return whitelist.empty() && blacklist.empty() && whitelist_regex.empty() &&
         blacklist_regex.empty() && tag_whitelist.empty() &&
         fraction_of_nodes >= 1.0;
}

bool job_filter::passes_name(std::string_view job_name,
                             std::string_view node) const {
  if (!whitelist.empty() && !whitelist.count(std::string{node})) return false;
  if (!blacklist.empty() && blacklist.count(std::string{node})) return false;
  if (!whitelist_regex.empty() &&
      !std::regex_search(node.begin(), node.end(), whitelist_re_))
    return false;
  if (!blacklist_regex.empty() &&
      std::regex_search(node.begin(), node.end(), blacklist_re_))
    return false;
  if (fraction_of_nodes < 1.0 &&
      stable_hash(node, job_name) >= fraction_cutoff_)
    return false;
  return true;
}

}  // namespace bistro
