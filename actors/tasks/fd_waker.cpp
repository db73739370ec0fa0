#include "actors/tasks/fd_waker.hpp"

#include <pthread.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>

namespace bistro {

fd_waker::fd_waker(std::function<void()> wake) : wake_(std::move(wake)) {
  epoll_fd_ = ::epoll_create1(EPOLL_CLOEXEC);
  stop_fd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (epoll_fd_ < 0 || stop_fd_ < 0) {
    error_ =
        std::string{"cannot create the task waker: "} + std::strerror(errno);
    return;
  }
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.fd = stop_fd_;
  if (::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, stop_fd_, &ev) != 0) {
    error_ =
        std::string{"cannot create the task waker: "} + std::strerror(errno);
    return;
  }
  thread_ = std::thread([this] {
    // Named for top, perf and gdb (it would inherit its creator's name).
    ::pthread_setname_np(::pthread_self(), "bistro.waker");
    run();
  });
}

fd_waker::~fd_waker() {
  if (thread_.joinable()) {
    std::uint64_t one = 1;
    [[maybe_unused]] auto n = ::write(stop_fd_, &one, sizeof(one));
    thread_.join();
  }
  if (stop_fd_ >= 0) ::close(stop_fd_);
  if (epoll_fd_ >= 0) ::close(epoll_fd_);
}

bool fd_waker::watch(int fd, bool once) {
  if (!error_.empty() || fd < 0) return false;
  epoll_event ev{};
  ev.events = once ? EPOLLIN | EPOLLONESHOT : EPOLLIN | EPOLLRDHUP | EPOLLET;
  ev.data.fd = fd;
  return ::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &ev) == 0;
}

void fd_waker::run() {
  epoll_event events[16];
  for (;;) {
    int n = ::epoll_wait(epoll_fd_, events, 16, -1);
    if (n < 0) {
      if (errno == EINTR) continue;
      return;  // the owner's poll timer still sees every task end
    }
    bool news = false;
    for (int i = 0; i < n; ++i) {
      if (events[i].data.fd == stop_fd_) return;
      news = true;
    }
    if (news && !pending_.exchange(true, std::memory_order_acq_rel)) wake_();
  }
}

}  // namespace bistro
