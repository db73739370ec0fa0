#include "actors/rounds/job_round_side.hpp"

#include <algorithm>

namespace bistro {

void job_round_side::reset(job_index job, const job_config& cfg, facts shared,
                           std::size_t num_dependencies, bool blocked) {
  job_ = job;
  level_ = cfg.level_for_tasks;
  shared_ = std::move(shared);
  may_run_ = cfg.runnable() && !blocked;
  const auto levels =
      static_cast<std::size_t>(shared_.slots->tree().num_levels());
  const std::size_t count = static_cast<std::size_t>(level_) < levels
                                ? shared_.slots->count(level_)
                                : 0;
  done_.assign(num_dependencies, std::vector<std::uint8_t>(count, 0));
}

job_round_side::feed job_round_side::take_feed(job_status_row& row,
                                               std::int64_t now_ms,
                                               bool report_done) const {
  feed out;
  for (const auto& c : row.take_changes(now_ms)) {
    if (c.runnable && may_run_) out.runnable.push_back(c.node);
    if (c.done && report_done) out.done.push_back(c.node);
  }
  return out;
}

std::vector<node_id> job_round_side::done_tasks(
    const job_status_row& row) const {
  std::vector<node_id> out;
  if (row.count(status_label::done) == 0) return out;
  const auto& slots = *shared_.slots;
  if (static_cast<std::size_t>(level_) >=
      static_cast<std::size_t>(slots.tree().num_levels()))
    return out;
  for (std::uint32_t s = 0; s < slots.count(level_); ++s) {
    const node_id n = slots.node_at(level_, s);
    if (n < row.size() && row.label(n) == status_label::done) out.push_back(n);
  }
  return out;
}

void job_round_side::told_done(std::size_t k, std::span<const node_id> nodes) {
  auto& done = done_[k];
  for (node_id n : nodes)
    if (is_task(n)) done[shared_.slots->slot(n)] = 1;
}

bool job_round_side::all_dependencies_done(node_id node) const {
  if (done_.empty()) return true;
  if (!is_task(node)) return false;
  const auto slot = shared_.slots->slot(node);
  return std::all_of(done_.begin(), done_.end(),
                     [&](const auto& done) { return done[slot] != 0; });
}

bool job_round_side::is_candidate(const job_status_row* row, node_id node,
                                  std::int64_t now_ms) const {
  if (!may_run_ || !row || node >= row->size() || !is_task(node)) return false;
  const auto& slots = *shared_.slots;
  auto copies =
      slots.any_replicas() ? slots.copies(node) : std::span<const node_id>{};
  if (copies.empty()) copies = std::span<const node_id>{&node, 1};
  if (std::none_of(copies.begin(), copies.end(), [&](node_id copy) {
        return shared_.eligibility->allows(job_, copy);
      })) {
    return false;
  }
  return row->runnable_at(node, now_ms) && all_dependencies_done(node);
}

std::vector<node_id> job_round_side::scan(const job_status_row* row,
                                          std::int64_t now_ms) const {
  std::vector<node_id> nodes;
  if (!may_run_ || !row) return nodes;
  const auto& slots = *shared_.slots;
  const auto& order = (*shared_.order)[level_];
  const std::uint32_t count = slots.count(level_);
  // The common case, inlined: no replicas, no dependencies.
  const bool plain = !slots.any_replicas() && done_.empty();
  const auto& eligibility = *shared_.eligibility;
  nodes.reserve(count);
  // Pushed last-first: policies try the back of the list first.
  for (std::uint32_t i = count; i-- > 0;) {
    node_id n = order.empty() ? slots.node_at(level_, i) : order[i];
    if (plain ? n < row->size() && eligibility.allows(job_, n) &&
                    row->runnable_at(n, now_ms)
              : is_candidate(row, n, now_ms)) {
      nodes.push_back(n);
    }
  }
  return nodes;
}

std::vector<node_id> job_round_side::validate(const job_status_row* row,
                                              std::vector<node_id>& nodes,
                                              std::int64_t now_ms) const {
  std::vector<node_id> rest;
  std::size_t kept = 0;
  for (node_id n : nodes) {
    if (is_candidate(row, n, now_ms)) {
      nodes[kept++] = n;
    } else {
      rest.push_back(n);
    }
  }
  nodes.resize(kept);
  return rest;
}

void job_round_side::accept_starts(job_status_row& row,
                                   std::span<const node_id> nodes,
                                   std::int64_t now_ms,
                                   std::vector<std::uint8_t>& accepted,
                                   std::vector<status_record>* records) const {
  accepted.assign(nodes.size(), 0);
  if (records) records->resize(nodes.size());
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    const node_id n = nodes[i];
    if (n >= row.size() || !row.runnable_at(n, now_ms)) continue;
    row.mark_started(n, now_ms);
    accepted[i] = 1;
    if (records) (*records)[i] = row.record(n);
  }
}

job_feed job_round_side::answer(job_status_row& row,
                                const job_feed_question& q) const {
  job_feed out;
  if (q.scan) {
    // The scan that follows covers every change so far.
    row.skip_changes(q.now_ms);
    if (q.report_done) out.done = done_tasks(row);
  } else {
    out = take_feed(row, q.now_ms, q.report_done);
  }
  out.running = static_cast<std::uint32_t>(row.count(status_label::running));
  out.next_backoff_ms = row.next_backoff_expiry_ms();
  return out;
}

job_check job_round_side::answer(const job_status_row* row,
                                 job_check_question q) {
  for (const auto& [k, nodes] : q.told)
    if (k < done_.size() && nodes) told_done(k, *nodes);
  job_check out;
  if (q.scan) {
    out.candidates = scan(row, q.now_ms);
  } else {
    out.candidates = std::move(q.pending);
    out.rest = validate(row, out.candidates, q.now_ms);
  }
  return out;
}

job_started job_round_side::answer(job_status_row& row,
                                   const job_starts& q) const {
  job_started out;
  accept_starts(row, q.nodes, q.now_ms, out.accepted,
                q.records ? &out.records : nullptr);
  return out;
}

std::size_t job_round_side::memory_bytes() const {
  std::size_t bytes = sizeof(*this);
  for (const auto& d : done_) bytes += d.capacity();
  return bytes;
}

}  // namespace bistro
