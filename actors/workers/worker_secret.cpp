#include "actors/workers/worker_secret.hpp"

#include <fcntl.h>
#include <openssl/sha.h>
#include <sys/random.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>

namespace bistro {

namespace {

constexpr std::size_t secret_bytes = 32;

std::string to_hex(const unsigned char* data, std::size_t n) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  out.reserve(2 * n);
  for (std::size_t i = 0; i < n; ++i) {
    out.push_back(digits[data[i] >> 4]);
    out.push_back(digits[data[i] & 0xf]);
  }
  return out;
}

bool is_secret(std::string_view s) {
  if (s.size() != 2 * secret_bytes) return false;
  for (char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

}  // namespace

std::string make_worker_secret() {
  std::array<unsigned char, secret_bytes> bytes{};
  std::size_t got = 0;
  while (got < bytes.size()) {
    auto n = ::getrandom(bytes.data() + got, bytes.size() - got, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      // The kernel's generator does not fail once seeded; without it no
      // secret can be trusted, so do not make one that looks like it.
      std::abort();
    }
    got += static_cast<std::size_t>(n);
  }
  return to_hex(bytes.data(), bytes.size());
}

std::string worker_secret_hash(std::string_view secret) {
  std::array<unsigned char, SHA256_DIGEST_LENGTH> digest{};
  SHA256(reinterpret_cast<const unsigned char*>(secret.data()), secret.size(),
         digest.data());
  return to_hex(digest.data(), digest.size());
}

bool worker_secret_matches(std::string_view secret, std::string_view hash) {
  if (secret.empty()) return false;
  auto mine = worker_secret_hash(secret);
  if (mine.size() != hash.size()) return false;
  unsigned char diff = 0;
  for (std::size_t i = 0; i < mine.size(); ++i)
    diff |= static_cast<unsigned char>(mine[i] ^ hash[i]);
  return diff == 0;
}

std::optional<std::string> read_worker_secret(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  if (!in || !std::getline(in, line) || !is_secret(line)) return std::nullopt;
  return line;
}

std::string write_worker_secret(const std::string& path,
                                const std::string& secret) {
  auto tmp = path + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0)
    return tmp + ": cannot write the worker's secret (" + std::strerror(errno) +
           ")";
  auto text = secret + "\n";
  bool ok = ::write(fd, text.data(), text.size()) ==
                static_cast<ssize_t>(text.size()) &&
            ::fsync(fd) == 0;
  int err = errno;
  ::close(fd);
  if (!ok || ::rename(tmp.c_str(), path.c_str()) != 0) {
    if (ok) err = errno;
    ::unlink(tmp.c_str());
    return path + ": cannot write the worker's secret (" + std::strerror(err) +
           ")";
  }
  return "";
}

}  // namespace bistro
