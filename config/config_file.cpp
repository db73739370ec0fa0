#include "config/config_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace bistro {

namespace {

const char* file_kind(mode_t mode) {
  if (S_ISFIFO(mode)) return "a FIFO";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISSOCK(mode)) return "a socket";
  return "not a regular file";
}

}  // namespace

config_file_text read_config_text(const std::string& path,
                                  std::int64_t max_bytes) {
  config_file_text out;
  // O_NONBLOCK: opening a FIFO without a writer returns at once.
  const int fd =
      ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) {
    out.error = path + ": cannot open config file: " + std::strerror(errno);
    return out;
  }
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    out.error = path + ": cannot stat config file: " + std::strerror(errno);
  } else if (!S_ISREG(st.st_mode)) {
    out.error = path +
                ": refused: the config must be a regular file, this "
                "is " +
                file_kind(st.st_mode);
  } else if (st.st_size > max_bytes) {
    out.error = path + ": refused: " + std::to_string(st.st_size) +
                " bytes, over the limit of " + std::to_string(max_bytes) +
                " (--config_max_bytes)";
  }
  if (!out.error.empty()) {
    ::close(fd);
    return out;
  }
  // The file may grow while it is read: never read past the limit.
  out.text.resize(static_cast<std::size_t>(st.st_size));
  std::size_t done = 0;
  for (;;) {
    if (done == out.text.size()) {
      if (static_cast<std::int64_t>(done) >= max_bytes + 1) break;
      out.text.resize(std::min<std::size_t>(
          static_cast<std::size_t>(max_bytes) + 1, done + 65536));
    }
    const ssize_t got =
        ::read(fd, out.text.data() + done, out.text.size() - done);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) {
      out.error = path + ": cannot read config file: " + std::strerror(errno);
      break;
    }
    if (got == 0) break;
    done += static_cast<std::size_t>(got);
  }
  ::close(fd);
  if (out.error.empty() && static_cast<std::int64_t>(done) > max_bytes)
    out.error = path + ": refused: it grew past the limit of " +
                std::to_string(max_bytes) +
                " bytes (--config_max_bytes) while it was read";
  if (!out.error.empty()) {
    out.text.clear();
    return out;
  }
  out.text.resize(done);
  return out;
}

}  // namespace bistro
