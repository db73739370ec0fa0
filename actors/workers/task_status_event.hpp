// The lines of a task's `statuses` log: one JSON object per event of a run,
// as Bistro's workers write them ({"event": "running" | "process_exited" |
// "got_status" | "task_failed_to_start", ...}), so that tools reading
// Bistro's statuses log read ours. Every event names its run
// (`invocation_start_time` in seconds and our `run_id`, where Bistro has a
// random number) and the worker's host; `raw_status` is what the task
// wrote to its status file, once it has.
//
// Pure functions: safe from any thread. No CAF include.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "actors/jobs/task_status.hpp"

namespace bistro {

/// What every event of one run carries.
struct task_event_context {
  std::int64_t start_ms = 0;
  std::uint64_t run_id = 0;
  std::string worker_host;
};

/// The process started with this command line.
std::string running_event(const task_event_context& run,
                          const std::vector<std::string>& argv);

/// The process could not start; the run ends with error_backoff.
std::string failed_to_start_event(const task_event_context& run,
                                  std::string_view message);

/// The process ended: `exit_code` is its code, or -signal when a signal
/// killed it (nullopt: unknown).
std::string process_exited_event(const task_event_context& run,
                                 std::optional<int> exit_code,
                                 std::string_view raw_status);

/// The run's status, as the scheduler is told it: {"result_bits", "data"?}
/// with our reason for an error in `data.exception`, as Bistro puts it.
std::string got_status_event(const task_event_context& run,
                             const parsed_status& status,
                             std::string_view raw_status);

/// This machine's host name ("localhost" when it has none).
std::string local_host_name();

}  // namespace bistro
