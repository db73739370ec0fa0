// Wakes the local worker when a task's process exits or its status pipe
// has news, instead of waiting for the next poll: one thread blocked in
// epoll_wait on edge-triggered descriptors calls `wake` once per burst of
// events, until the owner calls `rearm` (just before it looks).
//
// Thread contract: `watch` and `rearm` are called by the owner's thread
// only; `wake` runs on the waker's own thread and must be thread-safe
// (sending a CAF message is). Closing a watched descriptor unwatches it.
#pragma once

#include <atomic>
#include <functional>
#include <string>
#include <thread>

namespace bistro {

class fd_waker {
 public:
  /// Starts the thread; `error()` says why not when it could not.
  explicit fd_waker(std::function<void()> wake);
  ~fd_waker();
  fd_waker(const fd_waker&) = delete;
  fd_waker& operator=(const fd_waker&) = delete;

  /// Empty when the waker runs; otherwise why it does not.
  const std::string& error() const { return error_; }

  /// Wakes on the next event of `fd` (readable, hang-up or error); with
  /// `once`, on its first event only. False when epoll refused it.
  bool watch(int fd, bool once = false);

  /// The owner is about to look at every descriptor: the next event wakes
  /// it again.
  void rearm() { pending_.store(false, std::memory_order_release); }

 private:
  void run();

  std::function<void()> wake_;
  int epoll_fd_ = -1;
  int stop_fd_ = -1;
  std::atomic<bool> pending_{false};
  std::string error_;
  std::thread thread_;
};

}  // namespace bistro
