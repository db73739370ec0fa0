// A monitor request entry's arguments, read with the refusals every
// handler gives for a wrong one ("limit: expected an integer"). Missing or
// null arguments take the fallback. Each returns its value or a
// bad_request monitor_error; none throws.
//
// Plain logic: no CAF. Thread-safe: pure functions.
#pragma once

#include <boost/json.hpp>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "actors/monitor/monitor_error.hpp"

namespace bistro {

/// A string, or `fallback` when missing or null.
monitor_result<std::string> string_arg(const boost::json::object& req,
                                       std::string_view key,
                                       std::string fallback = {});

/// A string that must be there and not empty ("job_id: expected a
/// non-empty string").
monitor_result<std::string> name_arg(const boost::json::object& req,
                                     std::string_view key);

/// An integer: a JSON number or a string of digits (JavaScript has no
/// int64, so Bistro sends ids as strings); `fallback` when missing or null.
monitor_result<std::int64_t> int_arg(const boost::json::object& req,
                                     std::string_view key,
                                     std::int64_t fallback);

/// A list of strings (empty when missing or null).
monitor_result<std::vector<std::string>> strings_arg(
    const boost::json::object& req, std::string_view key);

/// true or false, `fallback` when missing or null.
monitor_result<bool> bool_arg(const boost::json::object& req,
                              std::string_view key, bool fallback);

/// A page's "limit": from 1 to 10000, 100 when missing.
monitor_result<std::size_t> page_limit_arg(const boost::json::object& req);

/// The whole text as a decimal integer (leading blanks and one '+' allowed,
/// as strtoll takes them), or nothing.
std::optional<std::int64_t> parse_int(std::string_view text);

}  // namespace bistro
