#include "actors/nodes/node_name.hpp"

#include <cstdio>

#include "actors/protocol/utf8.hpp"

namespace bistro {

namespace {

std::string hex_byte(unsigned char byte) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%02x", byte);
  return buf;
}

}  // namespace

std::optional<std::string> node_name_problem(std::string_view name,
                                             std::size_t max_bytes) {
  if (name.size() > max_bytes)
    return "is " + std::to_string(name.size()) +
           " bytes long, over nodes.max_name_bytes = " +
           std::to_string(max_bytes);
  const auto valid = utf8_valid_prefix(name);
  if (valid < name.size())
    return "is not valid UTF-8: byte 0x" +
           hex_byte(static_cast<unsigned char>(name[valid])) + " at offset " +
           std::to_string(valid);
  if (auto nul = name.find('\0'); nul != std::string_view::npos)
    return "holds a NUL byte at offset " + std::to_string(nul);
  return std::nullopt;
}

std::string escaped_name(std::string_view name) {
  std::string out = "\"";
  std::size_t i = 0;
  while (i < name.size()) {
    const auto byte = static_cast<unsigned char>(name[i]);
    if (byte >= 0x20 && byte < 0x7f && byte != '\\' && byte != '"') {
      out += name[i++];
      continue;
    }
    const auto length = byte >= 0x80 ? utf8_char_length(name.substr(i)) : 0;
    if (length > 0) {
      out.append(name.substr(i, length));
      i += length;
    } else if (byte == '\\' || byte == '"') {
      out += '\\';
      out += name[i++];
    } else {
      out += "\\x" + hex_byte(byte);
      ++i;
    }
  }
  return out + "\"";
}

}  // namespace bistro
