// The status of one task (one job on one node): its label, the line a task
// writes to report it, and its JSON rendering for the APIs.
//
// A task ends by writing one status line: a bare label (`done`), or JSON
// `{"result": "done", "data": {...}}`, or Bistro's bit form
// `{"result_bits": 4, "data": ...}` (values from Bistro's bits.thrift). The
// `data` it carries is kept and handed back to the next run as
// `prev_status`. A line that cannot be understood is an error with backoff,
// never a crash: errors are values here, nothing throws.
//
// Plain values and free functions: no shared state, safe to call from any
// thread. No CAF include.
#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace bistro {

/// What a task is doing or how its last run ended. Persisted in the status
/// store: never renumber, only append.
enum class status_label : std::uint8_t {
  /// Not run yet since the node appeared (or the status store was cleaned).
  never_started = 0,
  running = 1,
  done = 2,
  /// Ran, made progress, wants to run again at once.
  incomplete = 3,
  /// Ran, wants to run again after the current backoff; uses no retry.
  incomplete_backoff = 4,
  /// Ran and failed; retries after the next backoff or becomes `failed`.
  error_backoff = 5,
  /// Failed for good until forgiven.
  failed = 6,
  /// The system found the task was not running after all (a synthetic
  /// status: a real one arriving later replaces it). Runnable at once.
  was_not_running = 7,
  /// Its worker was lost: an error with a safety backoff long enough for the
  /// lost process to be killed. Uses no retry; a real status arriving later
  /// replaces it.
  worker_lost = 8,
};

inline constexpr std::size_t num_status_labels = 9;

/// The canonical name (`error_backoff`, not its alias `backoff`).
std::string_view to_string(status_label label);

/// Accepts every canonical name and the alias `backoff`.
std::optional<status_label> status_label_from_string(std::string_view name);

/// Whether a task may report this label itself (the others are the
/// system's own).
bool is_task_reported(status_label label);

/// A status line, understood.
struct parsed_status {
  status_label label = status_label::error_backoff;
  /// The `data` value serialized as JSON; empty when absent, null or {}.
  std::string data;
  /// Why this is an error, for humans; empty for a well-formed status.
  std::string message;

  friend bool operator==(const parsed_status&, const parsed_status&) = default;
};

/// Understands one status line. Never fails: anything unparseable becomes
/// error_backoff with message "cannot parse status: <first 200 bytes>".
parsed_status parse_status_line(std::string_view line);

/// What a task's status was when its current run started: kept while it
/// runs, so that a run started again after a scheduler restart still gets
/// its real `prev_status` (the data stays in the record itself).
struct prior_status {
  status_label label = status_label::never_started;
  std::uint16_t backoff_step = 0;
  std::int64_t backoff_until_ms = 0;
  std::int64_t updated_ms = 0;
  bool overwriteable = false;
  std::string message{};
  friend bool operator==(const prior_status&, const prior_status&) = default;
};

/// An optional value kept on the heap: one pointer wide when empty, which
/// is almost always (only running tasks have a `before_run`), so that a
/// million loaded records stay small. Value semantics: copies copy the
/// value, == compares values.
template <class T>
class optional_box {
 public:
  optional_box() = default;
  optional_box(const T& v) : p_(std::make_unique<T>(v)) {}
  optional_box(const optional_box& o)
      : p_(o.p_ ? std::make_unique<T>(*o.p_) : nullptr) {}
  optional_box(optional_box&&) noexcept = default;
  optional_box& operator=(const optional_box& o) {
    p_ = o.p_ ? std::make_unique<T>(*o.p_) : nullptr;
    return *this;
  }
  optional_box& operator=(optional_box&&) noexcept = default;
  optional_box& operator=(const T& v) {
    p_ = std::make_unique<T>(v);
    return *this;
  }
  T& emplace() {
    p_ = std::make_unique<T>();
    return *p_;
  }
  void reset() { p_.reset(); }
  explicit operator bool() const { return p_ != nullptr; }
  T& operator*() const { return *p_; }
  T* operator->() const { return p_.get(); }
  friend bool operator==(const optional_box& a, const optional_box& b) {
    return a.p_ ? (b.p_ && *a.p_ == *b.p_) : !b.p_;
  }

 private:
  std::unique_ptr<T> p_;
};

/// Everything known about one task, as stored and shown.
struct status_record {
  status_label label = status_label::never_started;
  /// Errors since the last success or forgive: the backoff step.
  std::uint16_t backoff_step = 0;
  /// Runnable again from this time on; 0 = no backoff.
  std::int64_t backoff_until_ms = 0;
  /// When the status last changed; 0 = never.
  std::int64_t updated_ms = 0;
  /// A synthetic status that a real one may replace.
  bool overwriteable = false;
  std::string data;
  std::string message;
  /// Only while running: the status before this run.
  optional_box<prior_status> before_run{};

  friend bool operator==(const status_record&, const status_record&) = default;
};

/// Renders a status for the APIs: {"label", "time_ms"?, "data"?,
/// "message"?, "backoff_step"?, "backoff_until_ms"?, "overwriteable"?}.
/// `data` is embedded as JSON (as a string if it does not parse).
boost::json::object status_to_json(const status_record& status);

/// Bistro's BistroTaskStatusBits for a label (bistro/if/bits.thrift):
/// done 4, error_backoff 96, was_not_running 1056, ...
std::int64_t bistro_status_bits(status_label label, bool overwriteable);

/// The status a task is handed as `prev_status`, as Bistro passes it:
/// {"result_bits", "time" (seconds), "data"?, "backoff_duration"?}, for
/// the status the task had before its run (a running record's
/// `before_run`). A message without data travels as Bistro's
/// {"exception": message}. Empty when the task has no previous status
/// (never started and no data): then `prev_status` is absent.
std::string bistro_prev_status(const status_record& status);

}  // namespace bistro
