// Well-formed UTF-8 (RFC 3629: no overlongs, no surrogates, at most
// U+10FFFF), the only text JSON may carry. Boost.JSON's serializer copies
// string bytes as they are, so whatever reaches a JSON answer is checked
// with these: node names where nodes are made (actors/nodes/node_name.hpp),
// and every JSON body the HTTP server sends, as a last guard.
//
// Pure inline functions; safe from any thread.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace bistro {

/// Bytes in the well-formed character that starts `text`; 0 if none does.
inline std::size_t utf8_char_length(std::string_view text) {
  if (text.empty()) return 0;
  const auto lead = static_cast<unsigned char>(text[0]);
  if (lead < 0x80) return 1;
  std::size_t length = 0;
  unsigned char low = 0x80, high = 0xBF;  // the second byte's range
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    if (lead == 0xE0) low = 0xA0;   // overlong
    if (lead == 0xED) high = 0x9F;  // surrogates
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    if (lead == 0xF0) low = 0x90;   // overlong
    if (lead == 0xF4) high = 0x8F;  // past U+10FFFF
  } else {
    return 0;
  }
  if (text.size() < length) return 0;
  const auto second = static_cast<unsigned char>(text[1]);
  if (second < low || second > high) return 0;
  for (std::size_t k = 2; k < length; ++k) {
    const auto next = static_cast<unsigned char>(text[k]);
    if (next < 0x80 || next > 0xBF) return 0;
  }
  return length;
}

/// Length of the well-formed prefix of `text`: `text.size()` when all of
/// it is.
inline std::size_t utf8_valid_prefix(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size()) {
    if (static_cast<unsigned char>(text[i]) < 0x80) {  // ASCII: most text
      ++i;
      continue;
    }
    const auto length = utf8_char_length(text.substr(i));
    if (length == 0) return i;
    i += length;
  }
  return i;
}

/// `text` with each byte that is not part of a well-formed character
/// replaced by U+FFFD. JSON stays the same JSON (such bytes can only be
/// inside its strings); valid text comes back as it was.
inline std::string utf8_repaired(std::string text) {
  auto valid = utf8_valid_prefix(text);
  if (valid == text.size()) return text;
  std::string out = text.substr(0, valid);
  std::string_view rest = std::string_view{text}.substr(valid);
  while (!rest.empty()) {
    auto length = utf8_char_length(rest);
    if (length == 0) {
      out += "\xEF\xBF\xBD";
      rest.remove_prefix(1);
    } else {
      out.append(rest.substr(0, length));
      rest.remove_prefix(length);
    }
  }
  return out;
}

}  // namespace bistro
