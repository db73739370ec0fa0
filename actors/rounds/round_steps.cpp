// The three steps of a round: prepare, plan (pure), commit.
#include <algorithm>

#include "actors/rounds/round_scheduler.hpp"
#include "actors/rounds/subtree_plan.hpp"

namespace bistro {

round_output plan_round(
    const scheduler_policy& policy, round_input input, std::mt19937_64& rng,
    const std::function<void(const parked_candidate&)>& on_park) {
  if (!on_park && splits_by_subtree(policy, input))
    return plan_by_subtree(policy, std::move(input), rng);
  ledger_placer placer(*input.context, std::move(input.ledger),
                       std::move(input.cursors));
  placer.on_park = on_park;
  if (!on_park && input.park_sink && input.park_batch_size > 0) {
    // Full batches go to the sink as they fill; the last, partial one
    // stays in the output.
    placer.on_park = [&](const parked_candidate& p) {
      placer.parked.push_back(p);
      if (placer.parked.size() < input.park_batch_size) return;
      parked_batch batch{input.generation, input.round, {}};
      batch.parked.swap(placer.parked);
      placer.parked.reserve(input.park_batch_size);
      input.park_sink(std::move(batch));
    };
  }
  policy.schedule(input.jobs, placer, rng);
  return {input.generation,          std::move(placer.ledger),
          std::move(placer.cursors), std::move(placer.picks),
          std::move(placer.parked),  std::move(input.jobs)};
}

void round_scheduler::scan_all(status_rows rows, std::int64_t now_ms) {
  scan_pending_ = false;
  // Each row's feed so far is stale: the scans cover it.
  for_each_job([&](job_index j) {
    if (rows[j]) rows[j]->skip_changes(now_ms);
  });
  // Each job with dependents tells them its done tasks, whole; then each
  // job scans, reading its own row and what it was told.
  const std::size_t num_jobs = cfg_->jobs.size();
  std::vector<std::vector<node_id>> done(num_jobs);
  for_each_job([&](job_index j) {
    if (rows[j] && !dependents_[j].empty())
      done[j] = sides_[j].done_tasks(*rows[j]);
  });
  for_each_job([&](job_index j) {
    for (std::size_t k = 0; k < depends_on_[j].size(); ++k)
      sides_[j].told_done(k, done[depends_on_[j][k]]);
    scan_job(j, rows[j], now_ms);
  });
}

// Touches only job j's tracker range, lists and side.
void round_scheduler::scan_job(job_index j, const job_status_row* row,
                               std::int64_t now_ms) {
  for (node_id n : tracker_.pending(j)) {
    tracker_.set_state(j, n, candidate_state::idle);
  }
  tracker_.pending(j).clear();
  tracker_.activate_all(j, sides_[j].scan(row, now_ms));
}

// Touches only job j's tracker range, lists and side.
void round_scheduler::validate_pending(job_index j, const job_status_row* row,
                                       std::int64_t now_ms) {
  auto pending = std::move(tracker_.pending(j));
  tracker_.pending(j).clear();
  for (node_id n : sides_[j].validate(row, pending, now_ms))
    tracker_.set_state(j, n, candidate_state::idle);
  for (node_id n : pending) tracker_.activate(j, n);
}

void round_scheduler::take_changes(status_rows rows, std::int64_t now_ms) {
  const std::size_t num_jobs = cfg_->jobs.size();
  // Every job's feed, a job that may not run included: its dependents
  // learn from it what is done.
  std::vector<job_round_side::feed> feeds(num_jobs);
  std::size_t work = 0;
  for (job_index j = 0; j < num_jobs; ++j) {
    if (!rows[j]) continue;
    feeds[j] = sides_[j].take_feed(*rows[j], now_ms, !dependents_[j].empty());
    work += feeds[j].runnable.size() + tracker_.pending(j).size();
  }
  // What crosses jobs: each job's done tasks, as one batch, to each job
  // that depends on it, which looks at those tasks again.
  for (job_index j = 0; j < num_jobs; ++j) {
    const auto& done = feeds[j].done;
    if (done.empty()) continue;
    for (job_index d : dependents_[j]) {
      const auto& deps = depends_on_[d];
      for (std::size_t k = 0; k < deps.size(); ++k)
        if (deps[k] == j) sides_[d].told_done(k, done);
      if (sides_[d].may_run())
        for (node_id n : done) tracker_.offer(d, n);
      work += done.size();
    }
  }
  // Each job's own offers and validation.
  for_each_job_when(work, [&](job_index j) {
    if (!rows[j] || !cfg_->jobs[j].runnable()) return;
    for (node_id n : feeds[j].runnable) tracker_.offer(j, n);
    validate_pending(j, rows[j], now_ms);
  });
}

round_input round_scheduler::prepare(status_rows rows, std::int64_t now_ms,
                                     bool lend) {
  if (scan_pending_) {
    scan_all(rows, now_ms);
  } else {
    wake_ancestors();  // crosses jobs: shared slots and wait lists
    take_changes(rows, now_ms);
  }
  round_open_ = true;
  ledger_lent_ = lend;
  round_input input{generation_, context_, lent_or_copied_ledger(lend),
                    cursors_,    {},       now_ms,
                    {},          ++round_, {},
                    0,           threads_};
  for (job_index j = 0; j < cfg_->jobs.size(); ++j) {
    auto& active = tracker_.active(j);
    if (active.empty()) continue;
    input.jobs.push_back({j, cfg_->jobs[j].priority, tracker_.tracked(j),
                          std::move(active), false});
    active.clear();
  }
  input.running_per_job.resize(cfg_->jobs.size());
  for (job_index j = 0; j < cfg_->jobs.size(); ++j)
    if (rows[j])
      input.running_per_job[j] =
          static_cast<std::uint32_t>(rows[j]->count(status_label::running));
  return input;
}

resource_ledger round_scheduler::lent_or_copied_ledger(bool lend) {
  if (lend) return std::move(*ledger_);
  if (!spare_ledger_) return ledger_->twin();
  resource_ledger copy = std::move(*spare_ledger_);
  spare_ledger_.reset();
  copy.sync_from(*ledger_);
  return copy;
}

round_input round_scheduler::prepare_round(status_rows rows,
                                           std::int64_t now_ms) {
  return prepare(rows, now_ms, false);
}

std::vector<task_pick> round_scheduler::run_round(
    const scheduler_policy& policy, status_rows rows, std::int64_t now_ms,
    std::mt19937_64& rng) {
  // In place: parks go straight to their wait lists.
  auto output =
      plan_round(policy, prepare(rows, now_ms, true), rng,
                 [this](const parked_candidate& p) { park_candidate(p); });
  auto started = commit_round(std::move(output), rows, now_ms);
  // The scheduler actor's rounds copy the ledger: keep a twin from the
  // first round on, so that a prepare_round copies only what changed.
  if (!spare_ledger_) spare_ledger_.emplace(ledger_->twin());
  return started;
}

std::vector<task_pick> round_scheduler::commit_round(
    round_output output, status_rows rows, std::int64_t now_ms,
    std::vector<status_record>* records) {
  if (records) records->clear();
  const bool lent = ledger_lent_;
  round_open_ = ledger_lent_ = false;
  if (lent) {
    ledger_.emplace(std::move(output.ledger));
  } else if (output.generation == generation_) {
    spare_ledger_.emplace(std::move(output.ledger));
  }
  std::vector<task_pick> started;
  if (output.generation != generation_) return started;  // a reset came
  cursors_ = std::move(output.cursors);
  // Per job (on the threads for a big round): which picks are candidates
  // this round offered, once (a policy actor is code anyone may register:
  // another (job, node) has no candidate id). Each job touches only its
  // own candidates.
  const auto& picks = output.picks;
  std::vector<pick_check> checks(picks.size(), pick_check::not_offered);
  std::vector<std::vector<std::uint32_t>> by_job(cfg_->jobs.size());
  for (std::uint32_t i = 0; i < picks.size(); ++i)
    if (picks[i].job < by_job.size()) by_job[picks[i].job].push_back(i);
  for_each_job_when(picks.size(), [&](job_index j) {
    for (std::uint32_t i : by_job[j]) {
      const node_id node = picks[i].node;
      if (!tracker_.is_task(j, node) ||
          tracker_.state(j, node) != candidate_state::active)
        continue;
      tracker_.set_state(j, node, candidate_state::idle);
      checks[i] = pick_check::offered;
    }
  });

  // The slots: each offered pick against the ledger.
  std::size_t charged = 0;
  running_.reserve(running_.size() + picks.size());
  for (std::size_t i = 0; i < picks.size(); ++i) {
    const auto& pick = picks[i];
    if (checks[i] == pick_check::not_offered) continue;
    const auto& demand = (*demands_)[pick.job];
    bool valid = !running_.contains(pick.job, pick.node);
    if (lent) {
      // The placer's own picks: charged in this very ledger.
      if (!valid) ledger_->give_back(demand, pick.chain, pick.worker);
    } else {
      // The live ledger may have changed since prepare_round, and the
      // worker and the chain come from the policy.
      valid = valid && pick.worker < roster_.size() &&
              is_entry_of(pick.chain, pick.node) &&
              roster_.serves(pick.job, pick.worker) &&
              ledger_->first_blocking(demand, pick.chain) == no_node &&
              ledger_->worker_fits(demand, pick.worker);
      if (valid) ledger_->take(demand, pick.chain, pick.worker);
    }
    if (!valid) {
      tracker_.offer(pick.job, pick.node);  // validated again next round
      continue;
    }
    running_.set(pick.job, pick.node, {pick.chain, pick.worker});
    checks[i] = pick_check::charged;
    ++charged;
  }
  // Each job's word on its starts: it marks running those its row still
  // allows (a full round starts tens of thousands: each job on a thread).
  // With `records`: each job's, in the order of its picks.
  std::vector<std::vector<status_record>> job_records(
      records ? cfg_->jobs.size() : 0);
  for_each_job_when(charged, [&](job_index j) {
    std::vector<node_id> nodes;
    std::vector<std::uint32_t> which;
    for (std::uint32_t i : by_job[j]) {
      if (checks[i] != pick_check::charged) continue;
      nodes.push_back(picks[i].node);
      which.push_back(i);
    }
    if (nodes.empty() || !rows[j]) return;
    std::vector<std::uint8_t> accepted;
    sides_[j].accept_starts(*rows[j], nodes, now_ms, accepted,
                            records ? &job_records[j] : nullptr);
    for (std::size_t k = 0; k < which.size(); ++k)
      if (accepted[k]) checks[which[k]] = pick_check::started;
  });
  // A refused start gives its slots back and is looked at again.
  round_open_ = true;  // its wakes join the round's deferred ones
  started.reserve(charged);
  std::vector<std::uint32_t> next_record(job_records.size(), 0);
  for (std::size_t i = 0; i < picks.size(); ++i) {
    const auto& pick = picks[i];
    if (checks[i] == pick_check::started) {
      started.push_back(pick);
      if (records)
        records->push_back(
            std::move(job_records[pick.job][next_record[pick.job]++]));
    } else if (checks[i] == pick_check::charged) {
      if (records) ++next_record[pick.job];
      // As if it ended: what waits on its slots wakes, after the plan's
      // parks below.
      task_finished(pick.job, pick.node);
      tracker_.offer(pick.job, pick.node);
    }
  }
  round_open_ = false;
  for (auto& job : output.jobs) {
    auto& active = tracker_.active(job.job);
    if (active.empty()) {
      active = std::move(job.nodes);
    } else {
      active.insert(active.end(), job.nodes.begin(), job.nodes.end());
    }
  }
  const std::size_t keys = slots_->tree().size() + 1 + roster_.num_groups();
  for (const auto& p : output.parked) park_offered(p, keys);
  for (auto key : deferred_wakes_) tracker_.wake(key);
  deferred_wakes_.clear();
  return started;
}

bool round_scheduler::is_entry_of(node_id chain, node_id node) const {
  if (chain == node) return true;
  if (!slots_->any_replicas()) return false;
  const auto copies = slots_->copies(node);
  return std::find(copies.begin(), copies.end(), chain) != copies.end();
}

void round_scheduler::park_candidate(const parked_candidate& p) {
  if (p.key == retry_key) {
    tracker_.activate(p.job, p.node);
  } else {
    tracker_.park(p.job, p.node, p.key);
  }
}

void round_scheduler::park_planned(const parked_batch& batch) {
  // Wakes stay deferred while the round is open, so a slot freed before
  // the batch came still wakes these at commit.
  if (!round_open_ || batch.generation != generation_ || batch.round != round_)
    return;
  const std::size_t keys = slots_->tree().size() + 1 + roster_.num_groups();
  for (const auto& p : batch.parked) park_offered(p, keys);
}

void round_scheduler::park_offered(const parked_candidate& p,
                                   std::size_t keys) {
  // Only what this round offered, once, on a key that exists: another
  // (job, node) has no candidate id, a candidate parked twice would join
  // two wait lists, and a key past the worker groups would size a list
  // for it.
  if (tracker_.is_task(p.job, p.node) &&
      tracker_.state(p.job, p.node) == candidate_state::active &&
      (p.key == retry_key || p.key < keys))
    park_candidate(p);
}

}  // namespace bistro
