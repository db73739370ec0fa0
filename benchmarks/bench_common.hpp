// Shared by the benchmark programs: refuse unoptimised builds, time things,
// read peak memory, and print one JSON line per figure so that results can
// be compared across commits. Single-threaded use only.
#pragma once

#include <stdlib.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

namespace bistro::bench {

/// Exits with an error when built without optimisation (a Debug build):
/// its figures would mislead.
inline void require_release_build(const char* program) {
#ifndef NDEBUG
  std::fprintf(stderr,
               "%s: refusing to run a Debug build; configure with "
               "-DCMAKE_BUILD_TYPE=Release\n",
               program);
  std::exit(2);
#else
  (void)program;
#endif
}

/// The directory a benchmark writes to: argv[1] if given, else a new one
/// under /tmp named after `name`. Exits when none can be made.
inline std::string work_dir(int argc, char** argv, const std::string& name) {
  if (argc > 1 && argv[1][0] == '-') {
    // Not a directory: "--help" must not become one in the current dir.
    std::fprintf(stderr, "%s: unknown option %s; usage: %s [DIR]\n",
                 name.c_str(), argv[1], name.c_str());
    std::exit(2);
  }
  if (argc > 1) return argv[1];
  std::string tmpl = "/tmp/" + name + "_XXXXXX";
  if (!::mkdtemp(tmpl.data())) {
    std::fprintf(stderr, "%s: cannot create a directory under /tmp\n",
                 name.c_str());
    std::exit(1);
  }
  return tmpl;
}

/// Seconds on a monotonic clock since construction.
class stopwatch {
 public:
  double seconds() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() -
                                         start_)
        .count();
  }

 private:
  std::chrono::steady_clock::time_point start_ =
      std::chrono::steady_clock::now();
};

/// The process's current resident set size in bytes (from /proc).
inline long long resident_bytes() {
  std::ifstream in("/proc/self/statm");
  long long pages_total = 0, pages_resident = 0;
  in >> pages_total >> pages_resident;
  return pages_resident * 4096;
}

}  // namespace bistro::bench
