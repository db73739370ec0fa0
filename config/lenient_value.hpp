// Bistro reads its config through folly's DynamicParser, which converts a
// value to the type a field wants whenever folly can: "3" is the integer 3,
// "2.5" the number 2.5, 1 and "true" are true, 42 is the string "42". These
// functions make the same conversions on a Boost.JSON value, so that a
// config Bistro runs also runs here. Each returns nothing when folly would
// refuse the value too (2.5 as an integer, "high" as a number, an object).
//
// Pure functions over const data; safe from any thread. Plain logic.
#pragma once

#include <boost/json/value.hpp>
#include <cstdint>
#include <optional>
#include <string>

namespace bistro {

/// An integer, an integral double (2.0), a boolean (0 or 1) or a decimal
/// string ("3", " -7 "). 2.5, "3.0" and out-of-range values are refused.
std::optional<std::int64_t> lenient_integer(const boost::json::value& v);

/// Any number, a boolean (0 or 1) or a string holding a number ("2.5",
/// "1e3"). Non-finite results are refused: no field here wants them.
std::optional<double> lenient_number(const boost::json::value& v);

/// A boolean, a number (non-zero is true) or one of the strings folly
/// reads as a boolean: true/false, yes/no, on/off, y/n, t/f, 1/0, in any
/// case, spaces around ignored.
std::optional<bool> lenient_boolean(const boost::json::value& v);

/// A string, or a number written out (42 -> "42", 2.5 -> "2.5").
std::optional<std::string> lenient_string(const boost::json::value& v);

}  // namespace bistro
