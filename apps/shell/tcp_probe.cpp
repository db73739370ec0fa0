#include "apps/shell/tcp_probe.hpp"

#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace bistro::shell {

namespace {

/// One connect with a deadline: 0 when it connected, else the errno.
int try_connect(const addrinfo& a, std::chrono::milliseconds timeout) {
  int fd = ::socket(a.ai_family, a.ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
                    a.ai_protocol);
  if (fd < 0) return errno;
  int err = 0;
  if (::connect(fd, a.ai_addr, a.ai_addrlen) != 0) {
    err = errno;
    if (err == EINPROGRESS) {
      pollfd p{fd, POLLOUT, 0};
      int n = ::poll(&p, 1, static_cast<int>(timeout.count()));
      if (n == 0) {
        err = ETIMEDOUT;
      } else if (n < 0) {
        err = errno;
      } else {
        socklen_t len = sizeof(err);
        if (::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0)
          err = errno;
      }
    }
  }
  ::close(fd);
  return err;
}

}  // namespace

probe_result probe_tcp(const std::string& host, std::uint16_t port,
                       std::chrono::milliseconds timeout) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  auto service = std::to_string(port);
  if (int rc = ::getaddrinfo(host.c_str(), service.c_str(), &hints, &found);
      rc != 0) {
    probe_result out{probe_outcome::no_such_host, ::gai_strerror(rc)};
    if (rc == EAI_SYSTEM) out.detail = std::strerror(errno);
    return out;
  }
  probe_result out;
  for (auto* a = found; a; a = a->ai_next) {
    int err = try_connect(*a, timeout);
    if (err == 0) {
      out = {probe_outcome::connected, "connected"};
      break;
    }
    out = {err == ECONNREFUSED ? probe_outcome::refused
                               : probe_outcome::unreachable,
           std::strerror(err)};
  }
  ::freeaddrinfo(found);
  return out;
}

}  // namespace bistro::shell
