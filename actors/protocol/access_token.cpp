#include "actors/protocol/access_token.hpp"

#include <fstream>

namespace bistro {

std::string read_token_file(const std::string& path, std::string& token) {
  std::ifstream in(path);
  if (!in) return path + ": cannot read the token file";
  std::string line;
  std::getline(in, line);
  auto begin = line.find_first_not_of(" \t\r\n");
  auto end = line.find_last_not_of(" \t\r\n");
  if (begin == std::string::npos) return path + ": the token is empty";
  token = line.substr(begin, end - begin + 1);
  return {};
}

bool same_token(std::string_view given, std::string_view expected) {
  if (given.size() != expected.size()) return false;
  unsigned char diff = 0;
  for (std::size_t i = 0; i < given.size(); ++i)
    diff |= static_cast<unsigned char>(given[i] ^ expected[i]);
  return diff == 0;
}

}  // namespace bistro
