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

std::vector<job_feed_question> round_scheduler::open_prepare(
    std::int64_t now_ms) {
  scanning_ = scan_pending_;
  scan_pending_ = false;
  if (!scanning_) wake_ancestors();  // crosses jobs: shared slots, wait lists
  std::vector<job_feed_question> questions(cfg_->jobs.size());
  for (job_index j = 0; j < questions.size(); ++j)
    questions[j] = {now_ms, scanning_, !dependents_[j].empty()};
  return questions;
}

std::vector<job_check_question> round_scheduler::route_feeds(
    std::vector<job_feed>& feeds, std::int64_t now_ms) {
  const std::size_t num_jobs = cfg_->jobs.size();
  running_per_job_.assign(num_jobs, 0);
  std::vector<job_check_question> questions(num_jobs);
  // What crosses jobs: each job's done tasks, as one batch shared by the
  // jobs that depend on it (after a reset, all of them).
  std::vector<std::shared_ptr<const std::vector<node_id>>> done(num_jobs);
  for (job_index j = 0; j < num_jobs && j < feeds.size(); ++j) {
    running_per_job_[j] = feeds[j].running;
    if (!feeds[j].done.empty() || (scanning_ && !dependents_[j].empty()))
      done[j] = std::make_shared<const std::vector<node_id>>(
          std::move(feeds[j].done));
  }
  for (job_index j = 0; j < num_jobs; ++j) {
    auto& q = questions[j];
    q.now_ms = now_ms;
    q.scan = scanning_;
    for (std::uint32_t k = 0; k < depends_on_[j].size(); ++k)
      if (const auto& batch = done[depends_on_[j][k]]) {
        q.told.emplace_back(k, batch);
        // A dependency done on a task makes it worth a look.
        if (!scanning_ && sides_[j].may_run())
          for (node_id n : *batch) tracker_.offer(j, n);
      }
  }
  for (job_index j = 0; j < num_jobs; ++j) {
    auto& pending = tracker_.pending(j);
    if (scanning_) {
      // The scan looks at every task again.
      for (node_id n : pending) tracker_.set_state(j, n, candidate_state::idle);
      pending.clear();
      continue;
    }
    if (!cfg_->jobs[j].runnable()) continue;
    if (j < feeds.size())
      for (node_id n : feeds[j].runnable) tracker_.offer(j, n);
    questions[j].pending = std::move(pending);
    pending.clear();
  }
  return questions;
}

round_input round_scheduler::close_prepare(std::vector<job_check>& checks,
                                           std::int64_t now_ms, bool lend) {
  if (scanning_) {
    // Every candidate of every job: each job's on a thread (it touches
    // only its own candidate range).
    for_each_job([&](job_index j) {
      if (j < checks.size())
        tracker_.activate_all(j, std::move(checks[j].candidates));
    });
  } else {
    for (job_index j = 0; j < cfg_->jobs.size() && j < checks.size(); ++j) {
      for (node_id n : checks[j].rest)
        tracker_.set_state(j, n, candidate_state::idle);
      for (node_id n : checks[j].candidates) tracker_.activate(j, n);
    }
  }
  scanning_ = false;
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
  input.running_per_job = std::move(running_per_job_);
  input.running_per_job.resize(cfg_->jobs.size());
  running_per_job_.clear();
  return input;
}

round_input round_scheduler::prepare(status_rows rows, std::int64_t now_ms,
                                     bool lend) {
  // The jobs' answers, in place from their rows: each job's side reads
  // only its own row (on the round's threads when there is enough work).
  auto feed_questions = open_prepare(now_ms);
  const bool scan = !feed_questions.empty() && feed_questions[0].scan;
  std::vector<job_feed> feeds(cfg_->jobs.size());
  auto feed = [&](job_index j) {
    if (rows[j]) feeds[j] = sides_[j].answer(*rows[j], feed_questions[j]);
  };
  if (scan) {
    for_each_job(feed);
  } else {
    for (job_index j = 0; j < feeds.size(); ++j) feed(j);
  }
  auto check_questions = route_feeds(feeds, now_ms);
  std::vector<job_check> checks(cfg_->jobs.size());
  std::size_t work = 0;
  for (const auto& q : check_questions) {
    work += q.pending.size();
    for (const auto& [k, batch] : q.told) work += batch->size();
  }
  auto check = [&](job_index j) {
    if (!check_questions[j].empty())
      checks[j] = sides_[j].answer(rows[j], std::move(check_questions[j]));
  };
  if (scan) {
    for_each_job(check);
  } else {
    for_each_job_when(work, check);
  }
  return close_prepare(checks, now_ms, lend);
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
  auto starts = open_commit(std::move(output), now_ms, records != nullptr);
  std::size_t work = 0;
  for (const auto& s : starts) work += s.nodes.size();
  // Each job's word on its starts, in place from its row (a full round
  // starts tens of thousands: each job on a thread).
  std::vector<job_started> answers(starts.size());
  for_each_job_when(work, [&](job_index j) {
    if (j < starts.size() && !starts[j].nodes.empty() && rows[j])
      answers[j] = sides_[j].answer(*rows[j], starts[j]);
  });
  return close_commit(answers, records);
}

std::vector<job_starts> round_scheduler::open_commit(round_output output,
                                                     std::int64_t now_ms,
                                                     bool records) {
  commit_ = {};
  const bool lent = ledger_lent_;
  round_open_ = ledger_lent_ = false;
  if (lent) {
    ledger_.emplace(std::move(output.ledger));
  } else if (output.generation == generation_) {
    spare_ledger_.emplace(std::move(output.ledger));
  }
  std::vector<job_starts> starts;
  if (output.generation != generation_) return starts;  // a reset came
  commit_.open = true;
  cursors_ = std::move(output.cursors);
  // Per job (on the threads for a big round): which picks are candidates
  // this round offered, once (a policy actor is code anyone may register:
  // another (job, node) has no candidate id). Each job touches only its
  // own candidates.
  auto& picks = commit_.picks = std::move(output.picks);
  auto& checks = commit_.checks;
  checks.assign(picks.size(), pick_check::not_offered);
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
  }
  // Each job is asked to accept the starts it got slots for, in the order
  // of its picks.
  starts.resize(cfg_->jobs.size());
  commit_.which.resize(cfg_->jobs.size());
  for (job_index j = 0; j < cfg_->jobs.size(); ++j) {
    starts[j].now_ms = now_ms;
    starts[j].records = records;
    for (std::uint32_t i : by_job[j]) {
      if (checks[i] != pick_check::charged) continue;
      starts[j].nodes.push_back(picks[i].node);
      starts[j].workers.push_back(picks[i].worker);
      commit_.which[j].push_back(i);
    }
  }
  commit_.untried = std::move(output.jobs);
  commit_.parked = std::move(output.parked);
  return starts;
}

std::vector<task_pick> round_scheduler::close_commit(
    std::vector<job_started>& answers, std::vector<status_record>* records,
    std::vector<std::uint32_t>* positions) {
  if (records) records->clear();
  if (positions) positions->clear();
  std::vector<task_pick> started;
  if (!commit_.open) return started;
  commit_.open = false;
  auto& picks = commit_.picks;
  auto& checks = commit_.checks;
  // A job's answer marks its accepted starts; a job that gave none (or a
  // short one) accepted nothing.
  std::vector<std::vector<status_record>> job_records(
      records ? cfg_->jobs.size() : 0);
  for (job_index j = 0; j < commit_.which.size(); ++j) {
    const auto& which = commit_.which[j];
    if (j >= answers.size()) break;
    auto& answer = answers[j];
    for (std::size_t k = 0; k < which.size() && k < answer.accepted.size(); ++k)
      if (answer.accepted[k]) checks[which[k]] = pick_check::started;
    if (records) {
      answer.records.resize(which.size());
      job_records[j] = std::move(answer.records);
    }
  }
  // A refused start gives its slots back and is looked at again.
  round_open_ = true;  // its wakes join the round's deferred ones
  // Each charged pick's index in its job's starts.
  std::vector<std::uint32_t> next(cfg_->jobs.size(), 0);
  for (std::size_t i = 0; i < picks.size(); ++i) {
    const auto& pick = picks[i];
    if (checks[i] == pick_check::started) {
      const auto k = next[pick.job]++;
      started.push_back(pick);
      if (records) records->push_back(std::move(job_records[pick.job][k]));
      if (positions) positions->push_back(k);
    } else if (checks[i] == pick_check::charged) {
      ++next[pick.job];
      // As if it ended: what waits on its slots wakes, after the plan's
      // parks below.
      task_finished(pick.job, pick.node);
      tracker_.offer(pick.job, pick.node);
    }
  }
  round_open_ = false;
  for (auto& job : commit_.untried) {
    auto& active = tracker_.active(job.job);
    if (active.empty()) {
      active = std::move(job.nodes);
    } else {
      active.insert(active.end(), job.nodes.begin(), job.nodes.end());
    }
  }
  const std::size_t keys = slots_->tree().size() + 1 + roster_.num_groups();
  for (const auto& p : commit_.parked) park_offered(p, keys);
  for (auto key : deferred_wakes_) tracker_.wake(key);
  deferred_wakes_.clear();
  commit_ = {};
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
