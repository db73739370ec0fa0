#include "actors/nodes/node_source_stop.hpp"

#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>

namespace bistro {

node_source_stop::node_source_stop()
    : fd_(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {
  if (fd_ < 0)
    throw std::runtime_error(std::string("node_source_stop: eventfd: ") +
                             std::strerror(errno));
}

node_source_stop::~node_source_stop() { ::close(fd_); }

void node_source_stop::request() {
  const std::uint64_t one = 1;
  // EAGAIN only when the counter is near its maximum: it is readable anyway.
  while (::write(fd_, &one, sizeof one) < 0 && errno == EINTR) {
  }
}

bool node_source_stop::requested() const {
  pollfd p{fd_, POLLIN, 0};
  return ::poll(&p, 1, 0) > 0 && (p.revents & POLLIN) != 0;
}

}  // namespace bistro
