#include "actors/nodes/node_source_prefs.hpp"

#include <cmath>
#include <limits>

#include "config/lenient_value.hpp"

namespace bistro {

std::optional<std::int64_t> json_to_int(const boost::json::value& v) {
  if (v.is_int64()) return v.get_int64();
  if (v.is_uint64()) {
    const auto u = v.get_uint64();
    if (u >
        static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
      return std::nullopt;
    }
    return static_cast<std::int64_t>(u);
  }
  if (v.is_double()) {
    const double d = v.get_double();
    if (std::trunc(d) == d && std::abs(d) < 9.0e18) {
      return static_cast<std::int64_t>(d);
    }
  }
  return std::nullopt;
}

pref_error read_int_pref(const boost::json::object& prefs, std::string_view key,
                         std::optional<std::int64_t> fallback,
                         std::int64_t& out) {
  const auto* v = prefs.if_contains(key);
  if (v == nullptr) {
    if (!fallback) return std::string(key) + " is required";
    out = *fallback;
    return std::nullopt;
  }
  const auto i = lenient_integer(*v);
  if (!i) return std::string(key) + " must be an integer";
  out = *i;
  return std::nullopt;
}

pref_error read_string_pref(const boost::json::object& prefs,
                            std::string_view key,
                            std::optional<std::string_view> fallback,
                            std::string& out) {
  const auto* v = prefs.if_contains(key);
  if (v == nullptr) {
    if (!fallback) return std::string(key) + " is required";
    out = std::string(*fallback);
    return std::nullopt;
  }
  auto text = lenient_string(*v);
  if (!text) return std::string(key) + " must be a string";
  out = std::move(*text);
  return std::nullopt;
}

pref_error read_bool_pref(const boost::json::object& prefs,
                          std::string_view key, bool fallback, bool& out) {
  const auto* v = prefs.if_contains(key);
  if (v == nullptr) {
    out = fallback;
    return std::nullopt;
  }
  auto b = lenient_boolean(*v);
  if (!b) return std::string(key) + " must be true or false";
  out = *b;
  return std::nullopt;
}

pref_error read_parent_level(const config& cfg,
                             const boost::json::object& prefs,
                             level_id& parent) {
  std::string name;
  if (auto e = read_string_pref(prefs, "parent_level", std::nullopt, name)) {
    return e;
  }
  const auto level = cfg.find_level(name);
  if (!level) return "parent_level \"" + name + "\" is not a level";
  if (*level + 1 > cfg.num_configured_levels()) {
    return "parent_level \"" + name +
           "\" has no configured level below it (levels: " +
           std::to_string(cfg.num_configured_levels()) + " configured)";
  }
  parent = *level;
  return std::nullopt;
}

}  // namespace bistro
