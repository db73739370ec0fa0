// JSON text for people and for files people edit: what Boost.JSON's
// serializer writes, except that numbers read as written ("1.0", "0.05",
// never "1E0" or "5E-2") and, pretty, one key per line with two-space
// indents (short lists of plain values stay on one line). Keys keep the
// object's order: a document read, changed and written back keeps its
// layout's order.
//
// Pure functions; thread-safe.
#pragma once

#include <boost/json/value.hpp>
#include <string>

namespace bistro {

/// One line, no blanks between tokens (as json::serialize, numbers aside).
std::string json_text(const boost::json::value& v);

/// Indented, one key per line; no trailing newline.
std::string json_pretty(const boost::json::value& v);

/// A double as JSON: the shortest text that reads back as the same value,
/// with ".0" when it would otherwise read back as an integer; non-finite
/// values (no JSON for them) as null.
std::string json_number_text(double d);

}  // namespace bistro
