#include "actors/store/data_dir_lock.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <utility>

namespace bistro {

std::variant<data_dir_lock, std::string> data_dir_lock::take(
    const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec)
    return "--data_dir=" + dir + ": cannot create it (" + ec.message() + ")";
  auto path = dir + "/lock";
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0)
    return "--data_dir=" + dir + ": cannot open " + path + " (" +
           std::strerror(errno) + ")";
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    int err = errno;
    char buf[32] = {};
    auto n = ::pread(fd, buf, sizeof buf - 1, 0);
    ::close(fd);
    std::string holder = n > 0 ? std::string(buf, static_cast<std::size_t>(n))
                               : std::string{"?"};
    while (!holder.empty() && (holder.back() == '\n' || holder.back() == ' '))
      holder.pop_back();
    if (err == EWOULDBLOCK)
      return "--data_dir=" + dir + " is in use by pid " + holder +
             " (it holds " + path +
             "); stop that process or give this one another --data_dir";
    return "--data_dir=" + dir + ": cannot lock " + path + " (" +
           std::strerror(err) + ")";
  }
  auto pid = std::to_string(::getpid()) + "\n";
  if (::ftruncate(fd, 0) != 0 || ::pwrite(fd, pid.data(), pid.size(), 0) !=
                                     static_cast<ssize_t>(pid.size())) {
    int err = errno;
    ::close(fd);
    return "--data_dir=" + dir + ": cannot write " + path + " (" +
           std::strerror(err) + ")";
  }
  return data_dir_lock{fd};
}

data_dir_lock::data_dir_lock(data_dir_lock&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)) {}

data_dir_lock& data_dir_lock::operator=(data_dir_lock&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = std::exchange(other.fd_, -1);
  }
  return *this;
}

data_dir_lock::~data_dir_lock() {
  if (fd_ >= 0) ::close(fd_);  // releases the flock
}

}  // namespace bistro
