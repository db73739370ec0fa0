#include "config/json_text.hpp"

#include <boost/json.hpp>
#include <charconv>
#include <cmath>

namespace bistro {

namespace json = boost::json;

namespace {

/// Lists whose one-line form is at most this wide stay on one line.
constexpr std::size_t inline_list_width = 72;

void write(std::string& out, const json::value& v, int indent);

void write_string(std::string& out, json::string_view s) {
  out += json::serialize(json::string(s));
}

bool is_container(const json::value& v) {
  return v.is_object() || v.is_array();
}

void newline(std::string& out, int indent) {
  out += '\n';
  out.append(static_cast<std::size_t>(indent) * 2, ' ');
}

void write_scalar(std::string& out, const json::value& v) {
  switch (v.kind()) {
    case json::kind::null:
      out += "null";
      break;
    case json::kind::bool_:
      out += v.get_bool() ? "true" : "false";
      break;
    case json::kind::int64:
      out += std::to_string(v.get_int64());
      break;
    case json::kind::uint64:
      out += std::to_string(v.get_uint64());
      break;
    case json::kind::double_:
      out += json_number_text(v.get_double());
      break;
    case json::kind::string:
      write_string(out, v.get_string());
      break;
    default:
      break;
  }
}

/// indent < 0: compact.
void write(std::string& out, const json::value& v, int indent) {
  const bool pretty = indent >= 0;
  if (v.is_object()) {
    const auto& o = v.get_object();
    if (o.empty()) {
      out += "{}";
      return;
    }
    out += '{';
    bool first = true;
    for (const auto& [key, value] : o) {
      if (!first) out += ',';
      first = false;
      if (pretty) newline(out, indent + 1);
      write_string(out, key);
      out += pretty ? ": " : ":";
      write(out, value, pretty ? indent + 1 : -1);
    }
    if (pretty) newline(out, indent);
    out += '}';
    return;
  }
  if (v.is_array()) {
    const auto& a = v.get_array();
    if (a.empty()) {
      out += "[]";
      return;
    }
    bool one_line = !pretty;
    if (pretty) {
      bool plain = true;
      for (const auto& e : a) plain = plain && !is_container(e);
      if (plain) {
        std::string line;
        write(line, v, -1);
        one_line = line.size() <= inline_list_width;
        if (one_line) {
          // ", " between items reads better than the compact ",".
          out += '[';
          bool first = true;
          for (const auto& e : a) {
            if (!first) out += ", ";
            first = false;
            write_scalar(out, e);
          }
          out += ']';
          return;
        }
      }
    }
    out += '[';
    bool first = true;
    for (const auto& e : a) {
      if (!first) out += ',';
      first = false;
      if (!one_line) newline(out, indent + 1);
      write(out, e, one_line ? -1 : indent + 1);
    }
    if (!one_line) newline(out, indent);
    out += ']';
    return;
  }
  write_scalar(out, v);
}

}  // namespace

std::string json_number_text(double d) {
  if (!std::isfinite(d)) return "null";
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), d);
  if (ec != std::errc{}) return "null";
  std::string out(buf, end);
  if (out.find_first_of(".e") == std::string::npos) out += ".0";
  return out;
}

std::string json_text(const json::value& v) {
  std::string out;
  write(out, v, -1);
  return out;
}

std::string json_pretty(const json::value& v) {
  std::string out;
  write(out, v, 0);
  return out;
}

}  // namespace bistro
