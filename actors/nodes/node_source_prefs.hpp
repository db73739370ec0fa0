// Typed reads of a node source's `prefs` object, with errors as values: each
// returns nullopt on success or a message naming the pref and what was
// wrong with it (`start must be an integer`). Values convert as Bistro's
// prefs do (config/lenient_value.hpp): "start": "3" is the integer 3,
// "enabled": "false" is false. Shared by the node sources;
// they never let a boost::json exception escape.
//
// Free functions over const data; safe from any thread. Plain logic: no CAF
// include.
#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "config/config.hpp"

namespace bistro {

using pref_error = std::optional<std::string>;

/// Reads an integer pref; `fallback` nullopt makes it required.
pref_error read_int_pref(const boost::json::object& prefs, std::string_view key,
                         std::optional<std::int64_t> fallback,
                         std::int64_t& out);

/// Reads a string pref; `fallback` nullopt makes it required.
pref_error read_string_pref(const boost::json::object& prefs,
                            std::string_view key,
                            std::optional<std::string_view> fallback,
                            std::string& out);

/// Reads a boolean pref with a default.
pref_error read_bool_pref(const boost::json::object& prefs,
                          std::string_view key, bool fallback, bool& out);

/// Reads a JSON value as an integer (integral doubles accepted).
std::optional<std::int64_t> json_to_int(const boost::json::value& v);

/// Reads the required `parent_level` pref: a known level whose next level is
/// a configured one (not `worker`). Sets `parent` to it.
pref_error read_parent_level(const config& cfg,
                             const boost::json::object& prefs,
                             level_id& parent);

}  // namespace bistro
