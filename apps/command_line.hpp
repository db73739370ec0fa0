// The base of every app's flags: CAF's actor_system_config, whose options
// are read from the command line in gflags syntax (gflags_argv.hpp) instead
// of CAF's own, so that Bistro's command lines work as written. CAF's own
// command-line options (config-file, dump-config, ...) are not offered.
//
// Called once from main() before the actor system starts; single-threaded.
#pragma once

#include <caf/actor_system_config.hpp>
#include <optional>
#include <vector>

#include "apps/gflags_argv.hpp"

namespace bistro {

class gflags_config : public caf::actor_system_config {
 public:
  /// Reads argv into the flags added to custom_options_ ("global" group).
  /// Returns the exit code when the program must stop now: 0 after --help
  /// or --version, 2 after printing the one-line error; nothing otherwise.
  /// Unsupported flags given are reported on stderr, one line each.
  std::optional<int> read_flags(
      int argc, char** argv, const char* program,
      const std::vector<unsupported_flag>& unsupported);
};

}  // namespace bistro
