#include "actors/state/activity_series.hpp"

#include <algorithm>

namespace bistro {

activity_series::activity_series(std::int64_t interval_ms, std::size_t capacity,
                                 std::int64_t start_ms)
    : interval_ms_(std::max<std::int64_t>(interval_ms, 1)),
      open_since_ms_(start_ms),
      ring_(std::max<std::size_t>(capacity, 1)) {}

activity_series::open_counts& activity_series::open_for(std::string_view job) {
  auto it = open_.find(job);
  if (it == open_.end())
    it = open_.emplace(std::string{job}, open_counts{}).first;
  return it->second;
}

void activity_series::started(std::string_view job) {
  ++open_for(job).started;
  ++open_total_.started;
}

void activity_series::finished(std::string_view job, bool failed) {
  auto& c = open_for(job);
  ++c.finished;
  ++open_total_.finished;
  if (failed) {
    ++c.failed;
    ++open_total_.failed;
  }
}

void activity_series::close(
    std::int64_t now_ms,
    const std::unordered_map<std::string, std::uint32_t>& running) {
  if (now_ms <= open_since_ms_) return;
  activity_sample s;
  s.time_ms = now_ms;
  s.span_ms = now_ms - open_since_ms_;
  s.total = {0, open_total_.started, open_total_.finished, open_total_.failed};
  for (const auto& [job, n] : running) {
    s.total.running += n;
    if (n == 0) continue;
    activity_counts c{n, 0, 0, 0};
    if (auto it = open_.find(job); it != open_.end()) {
      c.started = it->second.started;
      c.finished = it->second.finished;
      c.failed = it->second.failed;
      open_.erase(it);
    }
    s.jobs.emplace_back(job, c);
  }
  for (const auto& [job, o] : open_)
    s.jobs.emplace_back(job,
                        activity_counts{0, o.started, o.finished, o.failed});
  std::sort(s.jobs.begin(), s.jobs.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  ring_[next_] = std::move(s);
  next_ = (next_ + 1) % ring_.size();
  size_ = std::min(size_ + 1, ring_.size());
  open_.clear();
  open_total_ = {};
  open_since_ms_ = now_ms;
}

std::vector<const activity_sample*> activity_series::samples(
    std::int64_t since_ms) const {
  std::vector<const activity_sample*> out;
  out.reserve(size_);
  const std::size_t first = (next_ + ring_.size() - size_) % ring_.size();
  for (std::size_t i = 0; i < size_; ++i) {
    const auto& s = ring_[(first + i) % ring_.size()];
    if (s.time_ms >= since_ms) out.push_back(&s);
  }
  return out;
}

}  // namespace bistro
