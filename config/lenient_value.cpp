#include "config/lenient_value.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <string_view>

namespace bistro {

namespace json = boost::json;

namespace {

std::string_view trimmed(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front())))
    s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back())))
    s.remove_suffix(1);
  return s;
}

std::optional<std::int64_t> integer_from_text(std::string_view s) {
  s = trimmed(s);
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  std::int64_t n = 0;
  auto r = std::from_chars(s.data(), s.data() + s.size(), n);
  if (s.empty() || r.ec != std::errc{} || r.ptr != s.data() + s.size())
    return std::nullopt;
  return n;
}

std::optional<double> number_from_text(std::string_view s) {
  s = trimmed(s);
  if (s.empty()) return std::nullopt;
  std::string text{s};  // strtod needs a terminated string
  char* end = nullptr;
  double d = std::strtod(text.c_str(), &end);
  if (end != text.c_str() + text.size()) return std::nullopt;
  return d;
}

}  // namespace

std::optional<std::int64_t> lenient_integer(const json::value& v) {
  if (v.is_int64()) return v.get_int64();
  if (v.is_uint64()) {
    if (v.get_uint64() > static_cast<std::uint64_t>(INT64_MAX))
      return std::nullopt;
    return static_cast<std::int64_t>(v.get_uint64());
  }
  if (v.is_double()) {
    // Integral doubles such as 2.0 or 1e3 are exact up to 2^53.
    double d = v.get_double();
    if (std::isfinite(d) && std::floor(d) == d && std::fabs(d) <= 9.007e15)
      return static_cast<std::int64_t>(d);
    return std::nullopt;
  }
  if (v.is_bool()) return v.get_bool() ? 1 : 0;
  if (v.is_string()) {
    auto s = v.get_string();
    return integer_from_text({s.data(), s.size()});
  }
  return std::nullopt;
}

std::optional<double> lenient_number(const json::value& v) {
  std::optional<double> d;
  if (v.is_number())
    d = v.to_number<double>();
  else if (v.is_bool())
    d = v.get_bool() ? 1.0 : 0.0;
  else if (v.is_string())
    d = number_from_text({v.get_string().data(), v.get_string().size()});
  if (d && !std::isfinite(*d)) return std::nullopt;
  return d;
}

std::optional<bool> lenient_boolean(const json::value& v) {
  if (v.is_bool()) return v.get_bool();
  if (v.is_int64()) return v.get_int64() != 0;
  if (v.is_uint64()) return v.get_uint64() != 0;
  if (v.is_double()) return v.get_double() != 0.0;
  if (!v.is_string()) return std::nullopt;
  auto s = trimmed({v.get_string().data(), v.get_string().size()});
  std::string lower(s.size(), ' ');
  std::transform(s.begin(), s.end(), lower.begin(), [](unsigned char c) {
    return static_cast<char>(std::tolower(c));
  });
  for (const char* yes : {"true", "yes", "on", "y", "t", "1"})
    if (lower == yes) return true;
  for (const char* no : {"false", "no", "off", "n", "f", "0"})
    if (lower == no) return false;
  return std::nullopt;
}

std::optional<std::string> lenient_string(const json::value& v) {
  if (v.is_string()) return std::string{v.get_string()};
  if (v.is_int64()) return std::to_string(v.get_int64());
  if (v.is_uint64()) return std::to_string(v.get_uint64());
  if (v.is_double()) {
    // The shortest text that reads back as the same double.
    char buf[32];
    auto r = std::to_chars(buf, buf + sizeof(buf), v.get_double());
    return std::string(buf, r.ptr);
  }
  return std::nullopt;
}

}  // namespace bistro
