#include "actors/state/event_log.hpp"

#include <algorithm>

namespace bistro {

event_log::event_log(std::size_t capacity)
    : ring_(std::max<std::size_t>(capacity, 1)) {}

std::uint64_t event_log::add(std::int64_t time_ms, std::string kind,
                             std::string subject, std::string message) {
  auto seq = next_seq_++;
  ring_[next_] = scheduler_event{seq, time_ms, std::move(kind),
                                 std::move(subject), std::move(message)};
  next_ = (next_ + 1) % ring_.size();
  size_ = std::min(size_ + 1, ring_.size());
  return seq;
}

std::vector<const scheduler_event*> event_log::after(
    std::uint64_t after_seq, std::size_t limit, std::string_view kind,
    std::string_view subject) const {
  std::vector<const scheduler_event*> out;
  if (limit == 0) return out;
  // Newest first, so that `limit` keeps the newest; reversed at the end.
  for (std::size_t i = 0; i < size_ && out.size() < limit; ++i) {
    const auto& e = ring_[(next_ + ring_.size() - 1 - i) % ring_.size()];
    if (e.seq <= after_seq) break;
    if (!kind.empty() && e.kind != kind) continue;
    if (!subject.empty() && e.subject != subject) continue;
    out.push_back(&e);
  }
  std::reverse(out.begin(), out.end());
  return out;
}

}  // namespace bistro
