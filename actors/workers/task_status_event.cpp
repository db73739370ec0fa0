#include "actors/workers/task_status_event.hpp"

#include <unistd.h>

#include <boost/json.hpp>

#include "actors/jobs/bistro_status_bits.hpp"
#include "actors/protocol/utf8.hpp"

namespace bistro {

namespace json = boost::json;

namespace {

/// A status file can be megabytes; the event keeps its start.
constexpr std::size_t max_raw_status_bytes = 64 * 1024;

std::string text(std::string_view s) { return utf8_repaired(std::string{s}); }

std::string event_line(const task_event_context& run, std::string_view event,
                       json::object fields, std::string_view raw_status = {}) {
  fields["event"] = event;
  auto raw = raw_status;
  while (!raw.empty() && (raw.back() == '\n' || raw.back() == '\r'))
    raw.remove_suffix(1);
  if (!raw.empty())
    fields["raw_status"] = text(raw.substr(0, max_raw_status_bytes));
  fields["invocation_start_time"] = run.start_ms / 1000;
  fields["run_id"] = std::to_string(run.run_id);
  fields["worker_host"] = text(run.worker_host);
  return json::serialize(fields);
}

/// Bistro's TaskStatus::toDynamicNoTime: the bits, and the data with our
/// reason for an error under "exception".
json::object status_json(const parsed_status& status) {
  json::object out{{"result_bits", status_bits::of_label(status.label)}};
  json::value data;
  if (!status.data.empty()) {
    boost::system::error_code ec;
    data = json::parse(status.data, ec);
    if (ec) data = text(status.data);
  }
  if (!status.message.empty()) {
    if (data.is_null()) data = json::object{};
    if (data.is_object()) data.as_object()["exception"] = text(status.message);
  }
  if (!data.is_null()) out["data"] = std::move(data);
  return out;
}

}  // namespace

std::string running_event(const task_event_context& run,
                          const std::vector<std::string>& argv) {
  json::array command;
  for (const auto& a : argv) command.emplace_back(text(a));
  return event_line(run, "running",
                    json::object{{"command", std::move(command)}});
}

std::string failed_to_start_event(const task_event_context& run,
                                  std::string_view message) {
  parsed_status status{status_label::error_backoff, "", std::string{message}};
  return event_line(run, "task_failed_to_start",
                    json::object{{"status", status_json(status)}});
}

std::string process_exited_event(const task_event_context& run,
                                 std::optional<int> exit_code,
                                 std::string_view raw_status) {
  // Worded as folly's ProcessReturnCode::str(), which Bistro logs.
  std::string message = "unknown exit";
  if (exit_code && *exit_code >= 0)
    message = "exited with status " + std::to_string(*exit_code);
  else if (exit_code)
    message = "killed by signal " + std::to_string(-*exit_code);
  return event_line(run, "process_exited",
                    json::object{{"message", std::move(message)}}, raw_status);
}

std::string got_status_event(const task_event_context& run,
                             const parsed_status& status,
                             std::string_view raw_status) {
  return event_line(run, "got_status",
                    json::object{{"status", status_json(status)}}, raw_status);
}

std::string local_host_name() {
  char buf[256] = {};
  if (::gethostname(buf, sizeof(buf) - 1) != 0 || buf[0] == '\0')
    return "localhost";
  return buf;
}

}  // namespace bistro
