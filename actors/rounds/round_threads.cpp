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
  {
    std::lock_guard lock(mutex_);
    work_ = &work;
    items_ = items;
    next_item_ = 0;
    error_ = nullptr;
    helpers_busy_ = static_cast<unsigned>(helpers_.size());
    ++batch_;
  }
  wake_.notify_all();
  run_items();
  std::exception_ptr error;
  {
    std::unique_lock lock(mutex_);
    done_.wait(lock, [this] { return helpers_busy_ == 0; });
    work_ = nullptr;
    error = error_;
  }
  if (error) std::rethrow_exception(error);
}

// Items are handed out one at a time: jobs differ in size by orders of
// magnitude, and there are tens of them, not millions.
void round_threads::run_items() {
  for (;;) {
    std::size_t i;
    const std::function<void(std::size_t)>* work;
    {
      std::lock_guard lock(mutex_);
      if (next_item_ >= items_) return;
      i = next_item_++;
      work = work_;
    }
    try {
      (*work)(i);
    } catch (...) {
      std::lock_guard lock(mutex_);
      if (!error_) error_ = std::current_exception();
    }
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
    bool last;
    {
      std::lock_guard lock(mutex_);
      last = --helpers_busy_ == 0;
    }
    if (last) done_.notify_one();
  }
}

}  // namespace bistro
