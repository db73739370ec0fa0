// The task-log question a worker answers and its answer, as plain structs:
// the `task_logs` monitor handler (actors/monitor/ask_handlers.hpp) builds
// the question and merges the pages without CAF; messages.hpp adds the
// inspect() overloads that let them cross the wire.
//
// Value types: copy freely, share nothing.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "actors/protocol/fwd.hpp"

namespace bistro {

/// A question to a worker's task-log store (the `task_logs` monitor
/// handler asks every worker and merges the pages). `line_id` and
/// `time_ms` are -1 when not given.
struct log_request {
  log_type type{1};  // stdout
  std::vector<std::string> jobs;
  std::vector<std::string> nodes;
  bool ascending = false;
  std::int64_t line_id = -1;
  std::int64_t time_ms = -1;
  std::uint64_t limit = 1000;
  std::string regex_filter;
};

/// One stored task-log line, as it crosses the wire.
struct log_reply_line {
  std::string job;
  std::string node;
  std::int64_t time_ms = 0;
  std::string line;
  std::int64_t line_id = 0;
};

/// A worker's page of task-log lines; `next_line_id` is -1 when no line is
/// left; a non-empty `error` (a bad regex, a store failure) means no page.
struct log_reply {
  std::vector<log_reply_line> lines;
  std::int64_t next_line_id = -1;
  std::string error;
};

}  // namespace bistro
