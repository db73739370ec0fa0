#include "actors/monitor/monitor_args.hpp"

#include <cctype>
#include <charconv>
#include <cstdint>

namespace bistro {

namespace json = boost::json;

namespace {

const json::value* present(const json::object& req, std::string_view key) {
  const auto* v = req.if_contains(key);
  return v && !v->is_null() ? v : nullptr;
}

monitor_error wrong(std::string_view key, std::string_view expected) {
  return bad_request(std::string{key} + ": expected " + std::string{expected});
}

}  // namespace

std::optional<std::int64_t> parse_int(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i])))
    ++i;
  if (i < text.size() && text[i] == '+' && i + 1 < text.size() &&
      std::isdigit(static_cast<unsigned char>(text[i + 1])))
    ++i;
  std::int64_t n = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data() + i, end, n);
  if (ec != std::errc{} || ptr != end || i == text.size()) return std::nullopt;
  return n;
}

monitor_result<std::string> string_arg(const json::object& req,
                                       std::string_view key,
                                       std::string fallback) {
  const auto* v = present(req, key);
  if (!v) return fallback;
  if (!v->is_string()) return wrong(key, "a string");
  return std::string{v->as_string()};
}

monitor_result<std::string> name_arg(const json::object& req,
                                     std::string_view key) {
  const auto* v = req.if_contains(key);
  if (!v || !v->is_string() || v->as_string().empty())
    return wrong(key, "a non-empty string");
  return std::string{v->as_string()};
}

monitor_result<std::int64_t> int_arg(const json::object& req,
                                     std::string_view key,
                                     std::int64_t fallback) {
  const auto* v = present(req, key);
  if (!v) return fallback;
  if (v->is_int64()) return v->as_int64();
  if (v->is_uint64() && v->as_uint64() <= INT64_MAX)
    return static_cast<std::int64_t>(v->as_uint64());
  if (v->is_string())
    if (auto n = parse_int(v->as_string())) return *n;
  return wrong(key, "an integer");
}

monitor_result<std::vector<std::string>> strings_arg(const json::object& req,
                                                     std::string_view key) {
  std::vector<std::string> out;
  const auto* v = present(req, key);
  if (!v) return out;
  if (!v->is_array()) return wrong(key, "a list of strings");
  for (const auto& s : v->as_array()) {
    if (!s.is_string()) return wrong(key, "a list of strings");
    out.emplace_back(s.as_string());
  }
  return out;
}

monitor_result<std::size_t> page_limit_arg(const json::object& req) {
  auto limit = int_arg(req, "limit", 100);
  if (!limit) return std::move(limit).error();
  if (*limit < 1 || *limit > 10000)
    return bad_request("limit: must be between 1 and 10000");
  return static_cast<std::size_t>(*limit);
}

monitor_result<bool> bool_arg(const json::object& req, std::string_view key,
                              bool fallback) {
  const auto* v = present(req, key);
  if (!v) return fallback;
  if (!v->is_bool()) return wrong(key, "true or false");
  return v->as_bool();
}

}  // namespace bistro
