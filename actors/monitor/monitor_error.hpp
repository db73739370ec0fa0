// A monitor handler's expected refusals as values (actors/protocol/
// monitor.md): a code saying what kind of refusal it is, which the HTTP
// routes turn into a status and a client may branch on, and a message
// saying what was wrong and where. A handler returns `monitor_result<T>`
// (its answer or a `monitor_error`) instead of throwing; the dispatcher
// writes the error into the request's entry as {"error": message,
// "error_code": name}.
//
// Plain logic: no CAF, no scheduler. Thread-safe: values and pure
// functions.
#pragma once

#include <boost/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>

namespace bistro {

/// What kind of refusal a monitor error is. The names travel in replies
/// ("error_code"): never rename one.
enum class monitor_errc {
  /// The request is malformed or asks what this scheduler cannot do.
  bad_request,
  /// It names a job, node, task, run or worker that does not exist.
  not_found,
  /// Something it needs is not there yet or did not answer (no config
  /// loaded, a worker gone, a store or watcher that timed out): it may
  /// work later.
  unavailable,
  /// Not the request's fault: an unexpected exception in a handler, caught
  /// by the dispatcher so that it never escapes the scheduler.
  internal,
};

/// The code's name as it travels ("not_found").
std::string_view to_string(monitor_errc code);

/// The code named `name`, or nothing for a name no code has.
std::optional<monitor_errc> monitor_errc_from_string(std::string_view name);

/// A refusal: its kind and what was wrong.
struct monitor_error {
  monitor_errc code = monitor_errc::bad_request;
  std::string message;
};

inline monitor_error bad_request(std::string message) {
  return {monitor_errc::bad_request, std::move(message)};
}
inline monitor_error not_found(std::string message) {
  return {monitor_errc::not_found, std::move(message)};
}
inline monitor_error unavailable(std::string message) {
  return {monitor_errc::unavailable, std::move(message)};
}

/// The entry (or whole reply) an error becomes: {"error": message,
/// "error_code": name}.
boost::json::object error_entry(const monitor_error& e);

/// The error an entry or reply carries (the inverse of error_entry), or
/// nothing when it has no "error" string. An error without a known
/// "error_code" is a bad_request.
std::optional<monitor_error> error_of(const boost::json::object& entry);

/// The outcome of a check that answers nothing: empty when it passed.
using monitor_check = std::optional<monitor_error>;

/// A handler's (or an argument's) answer: a value or a monitor_error.
template <class T>
class monitor_result {
 public:
  monitor_result(monitor_error e) : v_(std::in_place_index<1>, std::move(e)) {}
  /// Anything a T is made from (a json::object for a json::value).
  template <class U, std::enable_if_t<
                         std::is_constructible_v<T, U&&> &&
                             !std::is_same_v<std::decay_t<U>, monitor_error> &&
                             !std::is_same_v<std::decay_t<U>, monitor_result>,
                         int> = 0>
  monitor_result(U&& value)
      : v_(std::in_place_index<0>, std::forward<U>(value)) {}

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& operator*() & { return std::get<0>(v_); }
  const T& operator*() const& { return std::get<0>(v_); }
  T&& operator*() && { return std::get<0>(std::move(v_)); }
  T* operator->() { return &std::get<0>(v_); }
  const T* operator->() const { return &std::get<0>(v_); }

  const monitor_error& error() const& { return std::get<1>(v_); }
  monitor_error&& error() && { return std::get<1>(std::move(v_)); }

 private:
  std::variant<T, monitor_error> v_;
};

}  // namespace bistro
