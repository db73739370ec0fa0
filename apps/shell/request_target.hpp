// Where bistro_shell's monitor requests go: a scheduler's front door
// (scheduler_connection.hpp) or, with --data_dir, the stores on disk read
// offline (offline_stores.hpp). Both take one JSON monitor request and give
// the reply JSON, so every command renders the same way.
//
// Thread contract: one thread (the shell's main thread) calls every member.
#pragma once

#include <string>
#include <vector>

namespace bistro::shell {

/// A request's answer (the reply JSON) or why there is none.
struct request_outcome {
  std::string reply;
  std::string error;
  /// Things to tell the user whatever the outcome ("the scheduler went
  /// away; reconnecting").
  std::vector<std::string> notices;
  bool ok() const { return error.empty(); }
};

class request_target {
 public:
  virtual ~request_target() = default;
  /// Answers one monitor request.
  virtual request_outcome ask(const std::string& request) = 0;
  /// What the requests reach, for headings: "host:port" or the data dir.
  virtual std::string where() const = 0;
};

}  // namespace bistro::shell
