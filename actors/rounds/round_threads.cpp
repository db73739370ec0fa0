#include "actors/rounds/round_threads.hpp"

namespace bistro {

round_threads::round_threads(unsigned threads) {
  for (unsigned t = 1; t < threads; ++t) {
    helpers_.emplace_back([this] { helper_loop(); });
  }
}

round_threads::~round_threads() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  for (auto& t : helpers_) t.join();
}

void round_threads::for_each(std::size_t items,
                             const std::function<void(std::size_t)>& work) {
  if (helpers_.empty() || items <= 1) {
    for (std::size_t i = 0; i < items; ++i) work(i);
    return;
  }
  std::lock_guard turn(turn_);
  {
    std::lock_guard lock(mutex_);
    work_ = &work;
    items_ = items;
    next_item_ = 0;
    in_flight_ = 0;
    error_ = nullptr;
    ++batch_;
  }
  wake_.notify_all();
  run_items();
  std::exception_ptr error;
  {
    std::unique_lock lock(mutex_);
    done_.wait(lock, [this] { return in_flight_ == 0; });
    work_ = nullptr;  // a helper waking late finds no batch
    error = error_;
  }
  if (error) std::rethrow_exception(error);
}

// Items are handed out one at a time: jobs differ in size by orders of
// magnitude, and there are tens of them, not millions.
void round_threads::run_items() {
  std::unique_lock lock(mutex_);
  while (work_ && next_item_ < items_) {
    const std::size_t i = next_item_++;
    const auto* work = work_;
    ++in_flight_;
    lock.unlock();
    std::exception_ptr failed;
    try {
      (*work)(i);
    } catch (...) {
      failed = std::current_exception();
    }
    lock.lock();
    if (failed && !error_) error_ = failed;
    if (--in_flight_ == 0 && next_item_ >= items_) done_.notify_one();
  }
}

void round_threads::helper_loop() {
  std::uint64_t seen = 0;
  for (;;) {
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [&] { return stop_ || batch_ != seen; });
      if (stop_) return;
      seen = batch_;
    }
    run_items();
  }
}

}  // namespace bistro
