// Typed reads from a Boost.JSON tree that turn every mismatch into an error
// naming the JSON path and what was found ("expected an integer >= 0, got
// \"x\""). Values convert as Bistro's parser converts them
// (lenient_value.hpp): "3" is an integer, 1 is true, 42 is a string. Used by
// the config parser.
//
// A json_reader collects errors into the sink it was given; it is a
// short-lived, single-threaded helper.
#pragma once

#include <boost/json/value.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace bistro {

/// Renders a JSON value for an error message, cut to a readable length.
std::string describe_json(const boost::json::value& v);

/// A user-supplied string as a quoted, length-limited JSON string.
std::string quoted(std::string_view s);

/// Joins a JSON path and a key: `a.b` + `c` -> `a.b.c`; "" + `c` -> `c`.
std::string json_path(std::string_view base, std::string_view key);
/// `a.b` + 3 -> `a.b[3]`.
std::string json_path(std::string_view base, std::size_t index);

class json_reader {
 public:
  /// Each error is appended to `errors` as "path: message".
  explicit json_reader(std::vector<std::string>& errors) : errors_(errors) {}

  void error(std::string_view path, std::string_view message);

  std::optional<bool> boolean(const boost::json::value& v,
                              std::string_view path);
  /// An integer in [min, max] (an integral double or a decimal string is
  /// accepted).
  std::optional<std::int64_t> integer(const boost::json::value& v,
                                      std::string_view path,
                                      std::int64_t min = INT64_MIN,
                                      std::int64_t max = INT64_MAX);
  /// Any finite number >= min.
  std::optional<double> number(const boost::json::value& v,
                               std::string_view path, double min);
  /// Any finite number.
  std::optional<double> number(const boost::json::value& v,
                               std::string_view path);
  std::optional<std::string> string(const boost::json::value& v,
                                    std::string_view path);
  const boost::json::object* object(const boost::json::value& v,
                                    std::string_view path);
  const boost::json::array* array(const boost::json::value& v,
                                  std::string_view path);
  /// An array of strings.
  std::optional<std::vector<std::string>> strings(const boost::json::value& v,
                                                  std::string_view path);

  bool failed() const { return errors_.size() > start_; }

 private:
  std::vector<std::string>& errors_;
  std::size_t start_ = errors_.size();
};

}  // namespace bistro
