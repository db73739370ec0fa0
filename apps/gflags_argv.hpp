// Reads a command line the way Bistro's gflags did: `--flag=value`,
// `--flag value`, `-flag`, `--flag` / `--noflag` for booleans, booleans as
// true/false/yes/no/1/0, `--flagfile=FILE` (one flag a line, `#` comments),
// `--help` and `--version`. Values are checked against the flag's kind
// here, so that a mistake is one line naming the flag and what it wants.
// Bistro flags this program does not implement are accepted and reported
// (unsupported_flag), or refused where running on would surprise.
//
// Plain logic, no CAF include; single-threaded (called from main()).
#pragma once

#include <map>
#include <string>
#include <variant>
#include <vector>

namespace bistro {

enum class flag_kind { boolean, integer, real, text };

struct flag_spec {
  std::string name;
  flag_kind kind = flag_kind::text;
  /// One-letter aliases, each given as `-x value` ("" = none).
  std::string short_names = {};
};

/// A Bistro flag we do not implement, and why.
struct unsupported_flag {
  std::string name;
  flag_kind kind = flag_kind::text;
  std::string why;
  /// Refuse to start when the flag is given a value other than Bistro's
  /// default (false, 0, "") instead of warning and running on.
  bool refuse_if_set = false;
};

struct command_line {
  /// Flag name -> its last value, canonical: "true"/"false" for booleans.
  std::map<std::string, std::string> values;
  bool help = false;
  bool version = false;
  /// One line per unsupported flag that was given and ignored.
  std::vector<std::string> notes;
};

/// Either the command line or the one-line error (no program name).
std::variant<command_line, std::string> read_command_line(
    const std::vector<std::string>& args, const std::vector<flag_spec>& known,
    const std::vector<unsupported_flag>& unsupported);

/// "an integer", "true or false", ...: what a flag of `kind` expects.
const char* expectation(flag_kind kind);

}  // namespace bistro
