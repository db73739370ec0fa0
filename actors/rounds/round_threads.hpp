// A small fixed set of threads for the per-job work of a round. A round's
// candidate work (backoff expiry, validation, the full scan after a reset)
// is independent per job: each work item touches only its own job's status
// row, candidate lists and tracker range, and reads what is shared and
// read-only for the round (the tree, eligibility, other jobs' labels after
// a join). `for_each` hands items out to the threads, the caller's
// included, and returns once every item is done; the policy then picks on
// the caller's thread alone. Which thread runs an item changes nothing in
// the result.
//
// The round_scheduler owns one and lends it to the plan of a round
// (round_input::plan_threads), which may run on another thread: calls to
// `for_each` from two threads take turns (the second waits for the first
// to finish). An item must not call `for_each` on its own pool. With one
// thread there is no extra thread: items run in order on the caller. Plain
// logic: no CAF include.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace bistro {

class round_threads {
 public:
  /// `threads` in all, the caller counted (0 counts as 1).
  explicit round_threads(unsigned threads = 1);
  ~round_threads();
  round_threads(const round_threads&) = delete;
  round_threads& operator=(const round_threads&) = delete;

  unsigned size() const { return static_cast<unsigned>(helpers_.size()) + 1; }

  /// Calls `work(i)` for each i in [0, items) on some thread and returns
  /// once all are done. An exception from an item is rethrown here (the
  /// first one; the other items still run).
  void for_each(std::size_t items,
                const std::function<void(std::size_t)>& work);

 private:
  void helper_loop();
  void run_items();

  std::mutex turn_;  // held by the one `for_each` in progress
  // Everything below under mutex_. The caller waits only for items a
  // helper has taken, never for a helper to wake up: on a machine whose
  // cores are busy, a helper may not run for a whole time slice, and the
  // caller then runs every item itself.
  std::mutex mutex_;
  std::condition_variable wake_;  // helpers: a new batch or stop
  std::condition_variable done_;  // the caller: the last item taken is done
  std::vector<std::thread> helpers_;
  const std::function<void(std::size_t)>* work_ = nullptr;  // null: no batch
  std::size_t items_ = 0;
  std::size_t next_item_ = 0;
  std::size_t in_flight_ = 0;  // items taken and not yet done
  std::uint64_t batch_ = 0;
  bool stop_ = false;
  std::exception_ptr error_;
};

}  // namespace bistro
