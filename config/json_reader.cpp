#include "config/json_reader.hpp"

#include <boost/json/serialize.hpp>
#include <sstream>

#include "config/lenient_value.hpp"

namespace bistro {

namespace json = boost::json;

std::string describe_json(const json::value& v) {
  constexpr std::size_t max_len = 60;
  auto text = json::serialize(v);
  if (text.size() > max_len) {
    text.resize(max_len);
    text += "...";
  }
  return text;
}

std::string quoted(std::string_view s) {
  return describe_json(json::value(json::string_view{s.data(), s.size()}));
}

std::string json_path(std::string_view base, std::string_view key) {
  if (base.empty()) return std::string{key};
  std::string out{base};
  out += '.';
  out += key;
  return out;
}

std::string json_path(std::string_view base, std::size_t index) {
  std::string out{base};
  out += '[';
  out += std::to_string(index);
  out += ']';
  return out;
}

void json_reader::error(std::string_view path, std::string_view message) {
  std::string line{path};
  if (!line.empty()) line += ": ";
  line += message;
  errors_.push_back(std::move(line));
}

std::optional<bool> json_reader::boolean(const json::value& v,
                                         std::string_view path) {
  if (auto b = lenient_boolean(v)) return b;
  error(path, "expected true or false, got " + describe_json(v));
  return std::nullopt;
}

std::optional<std::int64_t> json_reader::integer(const json::value& v,
                                                 std::string_view path,
                                                 std::int64_t min,
                                                 std::int64_t max) {
  auto expectation = [&] {
    std::string s = "expected an integer";
    if (min != INT64_MIN && max != INT64_MAX)
      s += " in [" + std::to_string(min) + ", " + std::to_string(max) + "]";
    else if (min != INT64_MIN)
      s += " >= " + std::to_string(min);
    else if (max != INT64_MAX)
      s += " <= " + std::to_string(max);
    return s + ", got " + describe_json(v);
  };
  auto n = lenient_integer(v);
  if (!n || *n < min || *n > max) {
    error(path, expectation());
    return std::nullopt;
  }
  return n;
}

std::optional<double> json_reader::number(const json::value& v,
                                          std::string_view path, double min) {
  auto d = lenient_number(v);
  if (!d || *d < min) {
    std::ostringstream msg;
    msg << "expected a number >= " << min << ", got " << describe_json(v);
    error(path, msg.str());
    return std::nullopt;
  }
  return d;
}

std::optional<double> json_reader::number(const json::value& v,
                                          std::string_view path) {
  auto d = lenient_number(v);
  if (!d) error(path, "expected a number, got " + describe_json(v));
  return d;
}

std::optional<std::string> json_reader::string(const json::value& v,
                                               std::string_view path) {
  if (auto s = lenient_string(v)) return s;
  error(path, "expected a string, got " + describe_json(v));
  return std::nullopt;
}

const json::object* json_reader::object(const json::value& v,
                                        std::string_view path) {
  if (v.is_object()) return &v.get_object();
  error(path, "expected an object, got " + describe_json(v));
  return nullptr;
}

const json::array* json_reader::array(const json::value& v,
                                      std::string_view path) {
  if (v.is_array()) return &v.get_array();
  error(path, "expected an array, got " + describe_json(v));
  return nullptr;
}

std::optional<std::vector<std::string>> json_reader::strings(
    const json::value& v, std::string_view path) {
  const auto* arr = array(v, path);
  if (!arr) return std::nullopt;
  std::vector<std::string> out;
  out.reserve(arr->size());
  bool ok = true;
  for (std::size_t i = 0; i < arr->size(); ++i) {
    if (auto s = string((*arr)[i], json_path(path, i)))
      out.push_back(std::move(*s));
    else
      ok = false;
  }
  if (!ok) return std::nullopt;
  return out;
}

}  // namespace bistro
