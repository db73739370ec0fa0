// Test helpers for the stores: a temporary directory for one test's LMDB
// files, removed with everything in it when the test ends, and names.
// Single-threaded test use only.
#pragma once

#include <stdlib.h>

#include <filesystem>
#include <string>

namespace bistro::testing {

class temp_dir {
 public:
  temp_dir() {
    std::string tmpl =
        (std::filesystem::temp_directory_path() / "bistro_store_XXXXXX")
            .string();
    path_ = mkdtemp(tmpl.data()) ? tmpl : std::string();
  }
  ~temp_dir() {
    std::error_code ec;
    if (!path_.empty()) std::filesystem::remove_all(path_, ec);
  }
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;

  const std::string& path() const { return path_; }
  std::string operator/(const std::string& name) const {
    return path_ + "/" + name;
  }

 private:
  std::string path_;
};

/// prefix + i. Not "x" + std::to_string(i): GCC 12's -Wrestrict misfires
/// on that at -O3.
inline std::string numbered(const char* prefix, long long i) {
  std::string out(prefix);
  out += std::to_string(i);
  return out;
}

}  // namespace bistro::testing
