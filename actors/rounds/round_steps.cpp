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

bool round_scheduler::is_candidate(job_index job, node_id node,
                                   const job_status_row* row,
                                   std::int64_t now_ms) const {
  if (blocked_job_[job] || !row || node >= row->size()) return false;
  auto copies = slots_->any_replicas() ? slots_->copies(node)
                                       : std::span<const node_id>{};
  if (copies.empty()) copies = std::span<const node_id>{&node, 1};
  if (std::none_of(copies.begin(), copies.end(), [&](node_id copy) {
        return eligibility_->allows(job, copy);
      })) {
    return false;
  }
  return row->runnable_at(node, now_ms) && deps_done_.all_done(job, node);
}

void round_scheduler::scan_all(status_rows rows, std::int64_t now_ms) {
  scan_pending_ = false;
  // Each row's feed so far is stale (the scans cover it). First what each
  // job is told of its dependencies, whole, each job on its own bytes;
  // then the scans, each reading its own row and what it was told.
  for_each_job([&](job_index j) {
    if (rows[j]) rows[j]->take_changes(now_ms);
  });
  for_each_job([&](job_index j) {
    for (std::size_t k = 0; k < depends_on_[j].size(); ++k)
      if (const auto* dep = rows[depends_on_[j][k]])
        deps_done_.fill(j, k, *dep);
  });
  for_each_job([&](job_index j) { scan_job(j, rows[j], now_ms); });
}

// Touches only job j's tracker range and lists, and reads its own row.
void round_scheduler::scan_job(job_index j, const job_status_row* row,
                               std::int64_t now_ms) {
  for (node_id n : tracker_.pending(j)) {
    tracker_.set_state(j, n, candidate_state::idle);
  }
  tracker_.pending(j).clear();
  const auto& job = cfg_->jobs[j];
  if (!job.runnable() || !row || blocked_job_[j]) return;
  const level_id level = job.level_for_tasks;
  const auto& order = order_[level];
  const std::uint32_t count = slots_->count(level);
  // The common case, inlined: no replicas, no dependencies.
  const bool plain = !slots_->any_replicas() && depends_on_[j].empty();
  std::vector<node_id> nodes;
  nodes.reserve(count);
  // Pushed last-first: policies try the back of the list first.
  for (std::uint32_t i = count; i-- > 0;) {
    node_id n = order.empty() ? slots_->node_at(level, i) : order[i];
    if (plain ? n < row->size() && eligibility_->allows(j, n) &&
                    row->runnable_at(n, now_ms)
              : is_candidate(j, n, row, now_ms)) {
      nodes.push_back(n);
    }
  }
  tracker_.activate_all(j, std::move(nodes));
}

// Touches only job j's tracker range and lists, and reads its own row and
// what it was told of its dependencies.
void round_scheduler::validate_pending(job_index j, const job_status_row* row,
                                       std::int64_t now_ms) {
  auto pending = std::move(tracker_.pending(j));
  tracker_.pending(j).clear();
  for (node_id n : pending) {
    if (is_candidate(j, n, row, now_ms)) {
      tracker_.activate(j, n);
    } else {
      tracker_.set_state(j, n, candidate_state::idle);
    }
  }
}

void round_scheduler::take_changes(status_rows rows, std::int64_t now_ms) {
  const std::size_t num_jobs = cfg_->jobs.size();
  // Every job's feed, a job that may not run included: its dependents
  // learn from it what is done.
  std::vector<std::vector<node_id>> runnable(num_jobs), done(num_jobs);
  std::size_t work = 0;
  for (job_index j = 0; j < num_jobs; ++j) {
    if (!rows[j]) continue;
    const bool depended_on = !dependents_[j].empty();
    for (const auto& c : rows[j]->take_changes(now_ms)) {
      if (c.runnable) runnable[j].push_back(c.node);
      if (c.done && depended_on) done[j].push_back(c.node);
    }
    work += runnable[j].size() + tracker_.pending(j).size();
  }
  // What crosses jobs: each job's done tasks, as one batch, to each job
  // that depends on it, which looks at those tasks again.
  for (job_index j = 0; j < num_jobs; ++j) {
    if (done[j].empty()) continue;
    for (job_index d : dependents_[j]) {
      const auto& deps = depends_on_[d];
      for (std::size_t k = 0; k < deps.size(); ++k)
        if (deps[k] == j) deps_done_.deliver(d, k, done[j]);
      if (cfg_->jobs[d].runnable())
        for (node_id n : done[j]) tracker_.offer(d, n);
      work += done[j].size();
    }
  }
  // Each job's own offers and validation: its own row, what it was told.
  for_each_job_when(work, [&](job_index j) {
    if (!rows[j] || !cfg_->jobs[j].runnable()) return;
    for (node_id n : runnable[j]) tracker_.offer(j, n);
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

std::vector<task_pick> round_scheduler::commit_round(round_output output,
                                                     status_rows rows,
                                                     std::int64_t now_ms) {
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
  // another (job, node) has no candidate id), and still runnable. Each job
  // touches only its own candidates and row.
  const auto& picks = output.picks;
  std::vector<pick_check> checks(picks.size(), pick_check::not_offered);
  std::vector<std::vector<std::uint32_t>> by_job(cfg_->jobs.size());
  for (std::uint32_t i = 0; i < picks.size(); ++i)
    if (picks[i].job < by_job.size()) by_job[picks[i].job].push_back(i);
  auto check_job = [&](job_index j) {
    for (std::uint32_t i : by_job[j]) {
      const node_id node = picks[i].node;
      if (!tracker_.is_task(j, node) ||
          tracker_.state(j, node) != candidate_state::active)
        continue;
      tracker_.set_state(j, node, candidate_state::idle);
      if (rows[j]->runnable_at(node, now_ms)) {
        checks[i] = pick_check::runnable;
      } else {
        checks[i] = pick_check::not_runnable;
        tracker_.offer(j, node);  // validated again next round
      }
    }
  };
  for_each_job_when(picks.size(), check_job);

  started.reserve(picks.size());
  running_.reserve(running_.size() + picks.size());
  for (std::size_t i = 0; i < picks.size(); ++i) {
    const auto& pick = picks[i];
    if (checks[i] == pick_check::not_offered) continue;
    const auto& demand = (*demands_)[pick.job];
    bool valid = checks[i] == pick_check::runnable &&
                 !running_.contains(pick.job, pick.node);
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
      if (checks[i] == pick_check::runnable)
        tracker_.offer(pick.job, pick.node);
      continue;
    }
    running_.set(pick.job, pick.node, {pick.chain, pick.worker});
    started.push_back(pick);
    checks[i] = pick_check::started;
  }
  // Each job's row marks its started tasks running (a full round starts
  // tens of thousands: each row on a thread).
  for_each_job_when(started.size(), [&](job_index j) {
    for (std::uint32_t i : by_job[j])
      if (checks[i] == pick_check::started) {
        rows[j]->mark_started(picks[i].node, now_ms);
      }
  });
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
