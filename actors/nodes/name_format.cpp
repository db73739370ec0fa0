#include "actors/nodes/name_format.hpp"

namespace bistro {

name_format_result name_format::compile(
    std::string_view pattern, std::span<const std::string_view> placeholders) {
  name_format f;
  auto add_literal = [&f](char c) {
    if (f.segments_.empty() || f.segments_.back().placeholder != -1) {
      f.segments_.push_back(
          {-1, static_cast<std::uint32_t>(f.literals_.size()), 0});
    }
    f.literals_.push_back(c);
    ++f.segments_.back().size;
  };
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    const char c = pattern[i];
    if (c == '}') {
      if (i + 1 < pattern.size() && pattern[i + 1] == '}') {
        add_literal('}');
        ++i;
        continue;
      }
      return {std::nullopt,
              "format \"" + std::string(pattern) + "\" has an unmatched '}'"};
    }
    if (c != '{') {
      add_literal(c);
      continue;
    }
    if (i + 1 < pattern.size() && pattern[i + 1] == '{') {
      add_literal('{');
      ++i;
      continue;
    }
    const auto close = pattern.find('}', i + 1);
    if (close == std::string_view::npos) {
      return {std::nullopt,
              "format \"" + std::string(pattern) + "\" has an unmatched '{'"};
    }
    const auto name = pattern.substr(i + 1, close - i - 1);
    std::int32_t index = -1;
    for (std::size_t k = 0; k < placeholders.size(); ++k) {
      if (placeholders[k] == name) index = static_cast<std::int32_t>(k);
    }
    if (index < 0) {
      std::string known;
      for (auto p : placeholders) {
        known += (known.empty() ? "{" : ", {") + std::string(p) + "}";
      }
      return {std::nullopt, "format \"" + std::string(pattern) +
                                "\" uses unknown placeholder {" +
                                std::string(name) + "} (known: " + known + ")"};
    }
    f.segments_.push_back({index, 0, 0});
    i = close;
  }
  return {std::move(f), {}};
}

void name_format::append(std::string& out,
                         std::span<const std::string_view> values) const {
  for (const auto& s : segments_) {
    if (s.placeholder < 0) {
      out.append(literals_.data() + s.begin, s.size);
    } else {
      out.append(values[static_cast<std::size_t>(s.placeholder)]);
    }
  }
}

}  // namespace bistro
