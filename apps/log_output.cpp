#include "apps/log_output.hpp"

#include <signal.h>
#include <spdlog/sinks/base_sink.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>

namespace bistro {

namespace {

class buffered_stdout_sink final : public spdlog::sinks::base_sink<std::mutex> {
 public:
  buffered_stdout_sink() {
    // The flusher takes no signal: the apps handle SIGTERM and SIGINT on a
    // thread of their own, and a process-directed signal goes to any
    // thread that does not block it (its default action would end the
    // process).
    sigset_t all, before;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, &before);
    flusher_ = std::thread([this] { flush_periodically(); });
    pthread_sigmask(SIG_SETMASK, &before, nullptr);
  }
  ~buffered_stdout_sink() override {
    {
      std::lock_guard<std::mutex> lock(stop_mutex_);
      stop_ = true;
    }
    stop_cv_.notify_one();
    flusher_.join();
    std::lock_guard<std::mutex> lock(mutex_);
    write_out();
  }

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    formatter_->format(msg, buffer_);
    if (buffer_.size() >= max_buffer || msg.level >= spdlog::level::warn ||
        take_token())
      write_out();
  }
  void flush_() override { write_out(); }

 private:
  static constexpr std::size_t max_buffer = 64 * 1024;
  static constexpr auto flush_interval = std::chrono::milliseconds(20);
  // Immediate writes: a burst of 256, then one per 10 ms.
  static constexpr double max_tokens = 256;
  static constexpr double tokens_per_second = 100;

  bool take_token() {
    auto now = std::chrono::steady_clock::now();
    tokens_ = std::min(
        max_tokens,
        tokens_ + std::chrono::duration<double>(now - refilled_).count() *
                      tokens_per_second);
    refilled_ = now;
    if (tokens_ < 1) return false;
    tokens_ -= 1;
    return true;
  }

  // spdlog's own flusher (flush_every) counts in whole seconds.
  void flush_periodically() {
    std::unique_lock<std::mutex> lock(stop_mutex_);
    while (!stop_cv_.wait_for(lock, flush_interval, [this] { return stop_; }))
      flush();
  }

  void write_out() {
    const char* data = buffer_.data();
    std::size_t left = buffer_.size();
    while (left > 0) {
      auto n = ::write(STDOUT_FILENO, data, left);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;  // nowhere to write to: the lines are dropped
      data += n;
      left -= static_cast<std::size_t>(n);
    }
    buffer_.clear();
  }

  spdlog::memory_buf_t buffer_;
  double tokens_ = max_tokens;
  std::chrono::steady_clock::time_point refilled_ =
      std::chrono::steady_clock::now();
  std::mutex stop_mutex_;
  std::condition_variable stop_cv_;
  bool stop_ = false;
  std::thread flusher_;
};

}  // namespace

void use_buffered_log_output() {
  static bool done = false;
  if (done || ::isatty(STDOUT_FILENO)) return;
  done = true;
  auto old = spdlog::default_logger();
  auto logger = std::make_shared<spdlog::logger>(
      old->name(), std::make_shared<buffered_stdout_sink>());
  logger->set_level(old->level());
  logger->flush_on(spdlog::level::off);
  spdlog::set_default_logger(logger);
}

}  // namespace bistro
