#include "actors/state/persist_queue.hpp"

namespace bistro {

persist_queue::batch persist_queue::take() {
  batch out{std::move(statuses_), std::move(acks_)};
  statuses_.clear();
  acks_.clear();
  return out;
}

bool persist_queue::committed(bool ok, std::uint64_t n, double seconds) {
  commit_seconds_ += seconds;
  if (!ok) {
    failing_ = true;
    return false;
  }
  persisted_ += n;
  ++commits_;
  bool recovered = failing_;
  failing_ = false;
  return recovered;
}

}  // namespace bistro
