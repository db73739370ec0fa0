#include "actors/jobs/job_status_row.hpp"

#include <algorithm>
#include <functional>
#include <limits>
#include <utility>

namespace bistro {

namespace {

bool uses_backoff(status_label label) {
  return label == status_label::error_backoff ||
         label == status_label::incomplete_backoff ||
         label == status_label::worker_lost;
}

bool is_synthetic(status_label label) {
  return label == status_label::was_not_running ||
         label == status_label::worker_lost;
}

// std::push_heap builds a max-heap; this makes it a min-heap on at_ms.
struct later_first {
  template <class T>
  bool operator()(const T& a, const T& b) const {
    return a.at_ms > b.at_ms;
  }
};

}  // namespace

job_status_row::job_status_row(std::size_t num_nodes) { resize(num_nodes); }

void job_status_row::resize(std::size_t num_nodes) {
  auto old_size = entries_.size();
  for (auto n = num_nodes; n < old_size; ++n) {
    const auto& e = entries_[n];
    --counts_[static_cast<std::size_t>(e.label)];
    if (e.backoff_until_ms != 0) --num_deadlines_;
    if (e.flags & has_data_flag) data_.erase(static_cast<node_id>(n));
    if (e.flags & has_message_flag) messages_.erase(static_cast<node_id>(n));
    if (e.label == status_label::running)
      before_run_.erase(static_cast<node_id>(n));
  }
  // Stale heap items and pending ids past the end are skipped when met.
  entries_.resize(num_nodes);
  for (auto n = old_size; n < num_nodes; ++n) {
    ++counts_[static_cast<std::size_t>(status_label::never_started)];
    queue_change(static_cast<node_id>(n));
  }
}

void job_status_row::mark_started(node_id node, std::int64_t now_ms) {
  auto& e = entries_[node];
  if (e.label != status_label::running) {
    before_run_.insert_or_assign(
        node, prior_status{e.label, e.step, e.backoff_until_ms, e.updated_ms,
                           (e.flags & overwriteable_flag) != 0,
                           std::string{message(node)}});
  }
  set_label(e, status_label::running);
  e.updated_ms = now_ms;
  e.flags &= static_cast<std::uint8_t>(~overwriteable_flag);
  set_text(messages_, node, has_message_flag, {});
  set_deadline(node, 0);
}

void job_status_row::mark_running(node_id node, std::int64_t now_ms) {
  mark_started(node, now_ms);
  queue_change(node);
}

void job_status_row::apply(node_id node, const parsed_status& status,
                           std::int64_t now_ms,
                           const backoff_settings& backoff) {
  if (static_cast<std::size_t>(status.label) >= num_status_labels) {
    // Past the enum: counting it would index past counts_.
    apply(node,
          parsed_status{status_label::error_backoff,
                        {},
                        "unknown status label " +
                            std::to_string(static_cast<int>(status.label))},
          now_ms, backoff);
    return;
  }
  auto& e = entries_[node];
  if (is_synthetic(status.label)) {
    // A synthetic status may race a real one: it never replaces a status
    // that already says how the run ended.
    if (e.label != status_label::running) return;
    before_run_.erase(node);
    if (status.label == status_label::worker_lost) {
      mark_worker_lost(node, now_ms, 0, backoff, status.message);
      return;
    }
    set_label(e, status.label);
    e.updated_ms = now_ms;
    e.flags |= overwriteable_flag;
    set_text(messages_, node, has_message_flag, status.message);
    set_deadline(node, 0);
    queue_change(node);
    return;
  }
  if (status.label == status_label::running) {
    mark_running(node, now_ms);
    return;
  }

  std::int64_t until_ms = 0;
  auto label = status.label;
  switch (label) {
    case status_label::done:
    case status_label::incomplete:
      e.step = 0;
      break;
    case status_label::incomplete_backoff:
      until_ms = now_ms + current_wait_ms(e, backoff);
      break;
    case status_label::error_backoff: {
      if (e.step < std::numeric_limits<std::uint16_t>::max()) ++e.step;
      if (auto wait_s = backoff.wait_for_error(e.step)) {
        until_ms = now_ms + std::int64_t{*wait_s} * 1000;
      } else {
        label = status_label::failed;
      }
      break;
    }
    default:  // failed, never_started: the step stays
      break;
  }
  if (e.label == status_label::running) before_run_.erase(node);
  set_label(e, label);
  e.updated_ms = now_ms;
  e.flags &= static_cast<std::uint8_t>(~overwriteable_flag);
  if (label != status_label::never_started) {
    set_text(data_, node, has_data_flag, status.data);
  }
  set_text(messages_, node, has_message_flag, status.message);
  set_deadline(node, until_ms);
  queue_change(node);
}

bool job_status_row::mark_worker_lost(node_id node, std::int64_t now_ms,
                                      std::int64_t min_wait_ms,
                                      const backoff_settings& backoff,
                                      std::string message) {
  auto& e = entries_[node];
  if (e.label != status_label::running) return false;
  before_run_.erase(node);
  auto wait_ms = std::max(current_wait_ms(e, backoff), min_wait_ms);
  set_label(e, status_label::worker_lost);
  e.updated_ms = now_ms;
  e.flags |= overwriteable_flag;
  set_text(messages_, node, has_message_flag, std::move(message));
  set_deadline(node, now_ms + wait_ms);
  queue_change(node);
  return true;
}

void job_status_row::forgive(node_id node) {
  auto& e = entries_[node];
  e.step = 0;
  switch (e.label) {
    case status_label::failed:
      set_label(e, status_label::error_backoff);
      set_deadline(node, 0);
      break;
    case status_label::error_backoff:
    case status_label::incomplete_backoff:
      set_deadline(node, 0);
      break;
    default:  // worker_lost keeps its safety wait
      return;
  }
  queue_change(node);
}

void job_status_row::forgive_all() {
  for (std::size_t n = 0; n < entries_.size(); ++n) {
    forgive(static_cast<node_id>(n));
  }
}

bool job_status_row::runnable_at(node_id node, std::int64_t now_ms) const {
  const auto& e = entries_[node];
  switch (e.label) {
    case status_label::running:
    case status_label::done:
    case status_label::failed:
      return false;
    default:
      return e.backoff_until_ms <= now_ms;
  }
}

std::optional<std::int64_t> job_status_row::backoff_until_ms(
    node_id node) const {
  auto until_ms = entries_[node].backoff_until_ms;
  if (until_ms == 0) return std::nullopt;
  return until_ms;
}

std::string_view job_status_row::data(node_id node) const {
  if (!(entries_[node].flags & has_data_flag)) return {};
  return data_.find(node)->second;
}

std::string_view job_status_row::message(node_id node) const {
  if (!(entries_[node].flags & has_message_flag)) return {};
  return messages_.find(node)->second;
}

status_record job_status_row::record(node_id node) const {
  const auto& e = entries_[node];
  status_record r;
  r.label = e.label;
  r.backoff_step = e.step;
  r.backoff_until_ms = e.backoff_until_ms;
  r.updated_ms = e.updated_ms;
  r.overwriteable = (e.flags & overwriteable_flag) != 0;
  r.data = std::string{data(node)};
  r.message = std::string{message(node)};
  if (e.label == status_label::running) {
    if (auto it = before_run_.find(node); it != before_run_.end())
      r.before_run = it->second;
  }
  return r;
}

void job_status_row::restore(node_id node, const status_record& record) {
  auto& e = entries_[node];
  if (record.label == status_label::running && record.before_run) {
    before_run_.insert_or_assign(node, *record.before_run);
  } else {
    before_run_.erase(node);
  }
  set_label(e, record.label);
  e.step = record.backoff_step;
  e.updated_ms = record.updated_ms;
  if (record.overwriteable) {
    e.flags |= overwriteable_flag;
  } else {
    e.flags &= static_cast<std::uint8_t>(~overwriteable_flag);
  }
  set_text(data_, node, has_data_flag, record.data);
  set_text(messages_, node, has_message_flag, record.message);
  set_deadline(node, uses_backoff(record.label) ? record.backoff_until_ms : 0);
  queue_change(node);
}

std::optional<std::int64_t> job_status_row::next_backoff_expiry_ms() const {
  while (!heap_.empty() && !heap_item_live(heap_.front())) {
    std::pop_heap(heap_.begin(), heap_.end(), later_first{});
    heap_.pop_back();
  }
  if (heap_.empty()) return std::nullopt;
  return heap_.front().at_ms;
}

std::vector<job_status_row::change> job_status_row::take_changes(
    std::int64_t now_ms) {
  while (!heap_.empty() && heap_.front().at_ms <= now_ms) {
    auto item = heap_.front();
    std::pop_heap(heap_.begin(), heap_.end(), later_first{});
    heap_.pop_back();
    if (heap_item_live(item)) queue_change(item.node);
  }
  std::vector<change> out;
  out.reserve(changed_.size());
  for (auto node : changed_) {
    // Ids past a shrink, and repeats left by a shrink and regrow, lack the
    // flag (or the entry).
    if (node >= entries_.size()) continue;
    auto& e = entries_[node];
    if (!(e.flags & queued_flag)) continue;
    e.flags &= static_cast<std::uint8_t>(~queued_flag);
    out.push_back(
        {node, runnable_at(node, now_ms), e.label == status_label::done});
  }
  changed_.clear();
  // After a big burst (a million new nodes), give the memory back.
  if (changed_.capacity() > 65536) changed_.shrink_to_fit();
  return out;
}

void job_status_row::skip_changes(std::int64_t now_ms) {
  while (!heap_.empty() && heap_.front().at_ms <= now_ms) {
    std::pop_heap(heap_.begin(), heap_.end(), later_first{});
    heap_.pop_back();
  }
  for (auto node : changed_)
    if (node < entries_.size())
      entries_[node].flags &= static_cast<std::uint8_t>(~queued_flag);
  changed_.clear();
  if (changed_.capacity() > 65536) changed_.shrink_to_fit();
}

std::vector<node_id> job_status_row::take_newly_runnable(std::int64_t now_ms) {
  std::vector<node_id> out;
  for (const auto& c : take_changes(now_ms))
    if (c.runnable) out.push_back(c.node);
  return out;
}

std::size_t job_status_row::memory_bytes() const {
  // unordered_map: a node (next pointer, key, std::string) plus a bucket.
  constexpr std::size_t map_node_bytes =
      sizeof(void*) * 2 + sizeof(std::pair<node_id, std::string>);
  std::size_t bytes = entries_.capacity() * sizeof(entry) +
                      heap_.capacity() * sizeof(deadline) +
                      changed_.capacity() * sizeof(node_id);
  bytes += before_run_.bucket_count() * sizeof(void*) +
           before_run_.size() *
               (sizeof(void*) * 2 + sizeof(std::pair<node_id, prior_status>));
  for (const auto* table : {&data_, &messages_}) {
    bytes +=
        table->bucket_count() * sizeof(void*) + table->size() * map_node_bytes;
    for (const auto& [node, text] : *table) {
      if (text.capacity() > 15) bytes += text.capacity() + 1;
    }
  }
  return bytes;
}

void job_status_row::set_label(entry& e, status_label label) {
  // Callers pass labels of the enum (apply maps others to error_backoff);
  // a bad one must still not write past counts_.
  if (static_cast<std::size_t>(label) >= num_status_labels)
    label = status_label::error_backoff;
  --counts_[static_cast<std::size_t>(e.label)];
  ++counts_[static_cast<std::size_t>(label)];
  e.label = label;
}

void job_status_row::set_deadline(node_id node, std::int64_t until_ms) {
  auto& e = entries_[node];
  if (e.backoff_until_ms != 0) --num_deadlines_;
  e.backoff_until_ms = until_ms;
  if (until_ms == 0) return;
  ++num_deadlines_;
  heap_.push_back({until_ms, node});
  std::push_heap(heap_.begin(), heap_.end(), later_first{});
  // Lazy deletion leaves stale items behind; keep them a minority.
  if (heap_.size() > 2 * num_deadlines_ + 1024) compact_heap();
}

void job_status_row::set_text(std::unordered_map<node_id, std::string>& table,
                              node_id node, std::uint8_t flag,
                              std::string text) {
  auto& e = entries_[node];
  if (text.empty()) {
    if (e.flags & flag) table.erase(node);
    e.flags &= static_cast<std::uint8_t>(~flag);
    return;
  }
  table[node] = std::move(text);
  e.flags |= flag;
}

void job_status_row::queue_change(node_id node) {
  auto& e = entries_[node];
  if (e.flags & queued_flag) return;
  e.flags |= queued_flag;
  changed_.push_back(node);
}

bool job_status_row::heap_item_live(const deadline& d) const {
  return d.node < entries_.size() &&
         entries_[d.node].backoff_until_ms == d.at_ms;
}

void job_status_row::compact_heap() {
  std::erase_if(heap_,
                [this](const deadline& d) { return !heap_item_live(d); });
  // Identical live items (the same deadline set twice) would survive.
  std::sort(heap_.begin(), heap_.end(),
            [](const deadline& a, const deadline& b) {
              return std::pair{a.at_ms, a.node} < std::pair{b.at_ms, b.node};
            });
  heap_.erase(std::unique(heap_.begin(), heap_.end(),
                          [](const deadline& a, const deadline& b) {
                            return a.at_ms == b.at_ms && a.node == b.node;
                          }),
              heap_.end());
  std::make_heap(heap_.begin(), heap_.end(), later_first{});
}

std::int64_t job_status_row::current_wait_ms(
    const entry& e, const backoff_settings& backoff) const {
  auto step = std::max<std::int32_t>(e.step, 1);
  auto wait_s = backoff.wait_for_error(step);
  if (!wait_s) {
    // Past the end of a "fail" list (the settings changed, or there are
    // none): incomplete_backoff and worker_lost still need some wait.
    wait_s = backoff.seconds().empty() ? fallback_backoff_s
                                       : backoff.seconds().back();
  }
  return std::int64_t{*wait_s} * 1000;
}

}  // namespace bistro
