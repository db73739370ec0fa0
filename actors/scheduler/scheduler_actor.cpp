#include "actors/scheduler/scheduler_actor.hpp"

#include <spdlog/spdlog.h>

#include <cmath>

#include "actors/scheduler/scheduler_state.hpp"
#include "actors/scheduler/task_arguments.hpp"

namespace bistro {

namespace scheduler_detail {

void start_round(scheduler_ptr self);

namespace {

/// A run's cgroups and the limits its job's resources map to.
task_cgroup_spec cgroup_spec_of(const config& cfg, const job_config& job) {
  task_cgroup_spec out;
  const auto& cg = job.task_subprocess.cgroups;
  if (!cg.enabled()) return out;
  out.root = cg.root;
  out.slice = cg.slice;
  out.subsystems = cg.subsystems;
  out.kill_without_freezer = cg.kill_without_freezer;
  out.pids_max = cg.pids_max;
  auto limits = cgroup_limits_of(cfg, job);
  out.memory_limit_mb = limits.memory_limit_mb;
  out.cpu_millicores = std::llround(limits.cpu_cores * 1000);
  return out;
}

}  // namespace

/// Something changed: run a round soon (coalesced).
void poke(scheduler_ptr self) {
  auto& st = self->state;
  st.dirty = true;
  if (st.round_in_flight || st.poke_queued) return;
  st.poke_queued = true;
  self->send(self, tick_atom_v, std::uint64_t{0});
}

void arm_timer(scheduler_ptr self, std::int64_t ms) {
  auto& st = self->state;
  ms = std::max<std::int64_t>(ms, 1);
  auto due = now_ms(self) + ms;
  if (st.timer_due_ms && *st.timer_due_ms <= due) return;  // one is due first
  st.timer_due_ms = due;
  self->delayed_send(self, std::chrono::milliseconds(ms), tick_atom_v,
                     ++st.timer_generation);
}

/// The wait until the next round: working_wait while tasks start, else
/// idle_wait, and never past the next backoff expiry.
std::int64_t next_wait_ms(scheduler_ptr self, std::int64_t now) {
  auto& st = self->state;
  if (!st.cfg) return 1000;
  double wait_sec = st.last_round_starts > 0 ? st.cfg->working_wait_sec
                                             : st.cfg->idle_wait_sec;
  auto wait = static_cast<std::int64_t>(wait_sec * 1000);
  for (auto* row : st.row_ptrs)
    if (auto expiry = row->next_backoff_expiry_ms())
      wait = std::min(wait, *expiry - now);
  return wait;
}

bool nothing_more_to_do(scheduler_ptr self) {
  auto& st = self->state;
  if (!st.cfg || !st.runs.empty() || st.last_round_starts > 0 ||
      st.round_in_flight || st.dirty)
    return false;
  for (auto* row : st.row_ptrs)
    if (row->next_backoff_expiry_ms()) return false;
  return true;
}

std::optional<std::size_t> job_index_of(scheduler_ptr self,
                                        const std::string& name) {
  const auto* job = self->state.cfg->find_job(name);
  if (!job) return std::nullopt;
  return static_cast<std::size_t>(job - self->state.cfg->jobs.data());
}

void persist(scheduler_ptr self, std::size_t job, node_id node,
             status_record status, std::uint64_t run_id, const run_info* run,
             std::int64_t end_ms) {
  auto& st = self->state;
  if (!st.options.store) return;
  stored_status out;
  out.job = st.cfg->jobs[job].name;
  out.node = std::string{st.tree->name(node)};
  out.status = std::move(status);
  out.run_id = run_id;
  if (run) {
    if (run->worker < st.workers.size())
      out.worker = st.workers[run->worker].shard;
    out.start_ms = run->start_ms;
  }
  out.end_ms = end_ms;
  st.to_persist.push(std::move(out));
}

void flush_persist(scheduler_ptr self) {
  auto& st = self->state;
  if (!st.options.store) return;
  if (st.to_persist.empty()) return;
  auto batch = st.to_persist.take();
  if (!batch.acks.empty()) {
    // No timeout: the store answers once the batch is on disk, however
    // long a full disk takes; the workers keep their results meanwhile.
    self->request(st.options.store, caf::infinite, persist_atom_v,
                  std::move(batch.statuses), ack_atom_v)
        .then(
            [acks = std::move(batch.acks)](bool ok) {
              for (const auto& ack : acks) ack(ok);
            },
            [](const caf::error&) {
              // The store is gone (shutdown): nobody is acknowledged, so
              // the workers keep their results and send them again.
            });
  } else {
    self->send(st.options.store, persist_atom_v, std::move(batch.statuses));
  }
}

void after_persist(scheduler_ptr self, std::function<void(bool)> ack) {
  if (!self->state.options.store) {
    ack(true);
    return;
  }
  self->state.to_persist.after(std::move(ack));
}

/// Applies the statuses loaded at start-up to the first config and tree.
/// Those of jobs or nodes that are gone stay on disk, untouched.
void restore_statuses(scheduler_ptr self) {
  auto& st = self->state;
  if (!st.options.restored) return;
  std::size_t applied = 0;
  for (const auto& s : *st.options.restored) {
    auto job = job_index_of(self, s.job);
    auto node = st.tree->find(s.node);
    if (!job || !node) continue;
    st.rows[*job]->restore(*node, s.status);
    ++applied;
    if (s.status.label == status_label::running)
      st.runs.restore(s.job, s.node, s.run_id,
                      restored_run{s.job, s.node, s.worker, s.start_ms});
  }
  spdlog::info("restored {} of {} stored statuses ({} were running)", applied,
               st.options.restored->size(), st.runs.unconfirmed().size());
  st.options.restored.reset();
}

/// After the start-up wait: restored runs that no worker reported are not
/// running anywhere; they may run again.
void settle_unconfirmed(scheduler_ptr self, std::int64_t now) {
  auto& st = self->state;
  auto busy = st.runs.busy_tasks();
  for (const auto& [job_name, node_name] : st.runs.unconfirmed()) {
    bool reported = busy.count(task_name_key(job_name, node_name)) > 0;
    auto job = job_index_of(self, job_name);
    auto node = st.tree->find(node_name);
    if (reported || !job || !node ||
        st.rows[*job]->label(*node) != status_label::running)
      continue;
    spdlog::warn(
        "{} on {} was running before the restart and no worker "
        "reported it: it was not running",
        job_name, node_name);
    st.rows[*job]->apply(*node,
                         parsed_status{status_label::was_not_running, "",
                                       "no worker reported this run after the "
                                       "scheduler restarted"},
                         now, st.cfg->jobs[*job].backoff);
    persist(self, *job, *node, st.rows[*job]->record(*node), 0, nullptr, now);
  }
  st.runs.settle();
  flush_persist(self);
}

/// Kills orphaned runs whose kill_orphan_tasks_after_sec has passed.
void kill_due_orphans(scheduler_ptr self, std::int64_t now) {
  auto& st = self->state;
  std::erase_if(st.runs.orphans(), [&](std::uint64_t run_id) {
    auto it = st.runs.find(run_id);
    if (it == st.runs.end()) return true;  // it ended
    auto& run = it->second;
    if (run.kill_sent || !run.orphan_since_ms) return true;
    const auto* job = st.cfg->find_job(run.job);
    auto after = job ? job->kill_orphan_tasks_after_sec
                     : st.cfg->kill_orphan_tasks_after_sec;
    if (!after) return true;  // never killed; re-examined on the next config
    if (now < *run.orphan_since_ms + static_cast<std::int64_t>(*after * 1000))
      return false;
    const auto& kill = job ? job->kill_subprocess : st.cfg->kill_subprocess;
    spdlog::info("killing orphaned task {} on {} (run {})", run.job, run.node,
                 run_id);
    run.kill_sent = true;
    note_kill_sent(self, run);
    record_event(self, "kill", run.job + " " + run.node,
                 "orphaned: its job or node is gone or disabled");
    if (run.worker < st.workers.size() && st.workers[run.worker].handle)
      self->send(st.workers[run.worker].handle, kill_atom_v,
                 kill_order{run.job, run.node, run_id, kill});
    return true;
  });
}

/// After a new config or tree: which runs lost their job or node (deleted
/// or disabled). Only then can a run become an orphan, so rounds only
/// look at the runs found here.
void find_orphans(scheduler_ptr self, std::int64_t now) {
  auto& st = self->state;
  st.runs.orphans().clear();
  for (auto& [run_id, run] : st.runs) {
    const auto* job = st.cfg->find_job(run.job);
    auto node = st.tree->find(run.node);
    bool orphan = !job || !job->enabled || !node || !st.tree->enabled(*node);
    for (node_id n = node ? st.tree->parent(*node) : no_node;
         !orphan && n != no_node; n = st.tree->parent(n))
      orphan = !st.tree->enabled(n);
    if (!orphan) {
      run.orphan_since_ms.reset();
      continue;
    }
    if (!run.orphan_since_ms) run.orphan_since_ms = now;
    st.runs.orphans().push_back(run_id);
  }
  kill_due_orphans(self, now);
}

void adopt_new_snapshot(scheduler_ptr self, config_ptr cfg,
                        node_tree_ptr tree) {
  auto& st = self->state;
  st.rows = remap_status_rows(st.cfg.get(), st.tree, st.rows, st.parked_rows,
                              *cfg, tree);
  st.row_ptrs.clear();
  for (auto& row : st.rows) st.row_ptrs.push_back(row.get());
  st.cfg = std::move(cfg);
  st.tree = std::move(tree);
  restore_statuses(self);
  st.rounds.reset(st.cfg, st.tree, st.rng);
  join_early_workers(self);
  // Running tasks keep their slots: the round state re-charges those it
  // knew by name. A run whose job or node came back after a config that
  // dropped it is charged again here, so it is never started twice.
  for (auto& [run_id, run] : st.runs) {
    auto job = job_index_of(self, run.job);
    auto node = st.tree->find(run.node);
    if (job && node && st.rows[*job]->label(*node) != status_label::running) {
      st.rows[*job]->mark_running(*node, run.start_ms);
      st.rounds.adopt_running(static_cast<job_index>(*job), *node, run.worker);
    }
  }
  find_orphans(self, now_ms(self));
  poke(self);
}

/// `records[i]`: pick i's status as its job accepted the start (running,
/// with the status before the run).
void dispatch(scheduler_ptr self, const std::vector<task_pick>& picks,
              std::vector<status_record>& records, std::int64_t now) {
  auto& st = self->state;
  const auto& roster = st.rounds.workers();
  // Orders for remote workers leave once their runs' "running" statuses
  // are on disk: a run a remote worker knows of is always one a restarted
  // scheduler knows of, so its result counts even if it ends while the
  // scheduler is down. (An in-process worker dies with the scheduler.)
  std::vector<std::pair<worker_actor, task_spec>> remote_orders;
  for (std::size_t i = 0; i < picks.size(); ++i) {
    const auto& pick = picks[i];
    const auto& job = st.cfg->jobs[pick.job];
    task_spec spec;
    spec.job = job.name;
    spec.node = std::string{st.tree->name(pick.node)};
    spec.command = job.command;  // empty: the worker's --worker_command
    spec.json_arg = task_json_argument(
        {*st.cfg, job, *st.tree, pick.chain, bistro_prev_status(records[i]),
         roster.shard(pick.worker), roster.host(pick.worker)});
    // The run's cgroups travel in `cgroup`, with the limits its resources
    // map to.
    spec.subprocess = job.task_subprocess;
    spec.subprocess.cgroups = {};
    spec.kill = job.kill_subprocess;
    spec.cgroup = cgroup_spec_of(*st.cfg, job);
    auto [run_id, run] = st.runs.start(
        run_info{job.name, spec.node, pick.worker, now, std::nullopt, false});
    spec.run_id = run_id;
    persist(self, pick.job, pick.node, std::move(records[i]), run_id, run, 0);
    st.activity.started(spec.job);
    spdlog::info("starting {} on {} (run {}, worker {})", spec.job, spec.node,
                 run_id, roster.shard(pick.worker));
    if (st.workers[pick.worker].remote && st.options.store)
      remote_orders.emplace_back(st.workers[pick.worker].handle,
                                 std::move(spec));
    else
      self->send(st.workers[pick.worker].handle, run_atom_v, std::move(spec));
  }
  if (remote_orders.empty()) return;
  after_persist(self, [self, orders = std::move(remote_orders)](bool) mutable {
    for (auto& [worker, spec] : orders)
      self->send(worker, run_atom_v, std::move(spec));
  });
}

void log_stats(scheduler_ptr self) {
  auto& st = self->state;
  spdlog::info(
      "stats: running {} started {} finished {} rounds {} "
      "round_seconds {:.3f} rounds_split {} persisted {}",
      st.runs.size(), st.metrics.tasks_started(), st.metrics.tasks_finished(),
      st.metrics.rounds(), st.metrics.round_seconds(),
      st.metrics.rounds_split(), st.to_persist.statuses_persisted());
}

void finish_round(scheduler_ptr self, std::vector<task_pick> picks,
                  std::vector<status_record> records = {}, bool split = false) {
  auto& st = self->state;
  auto now = now_ms(self);
  st.round_in_flight = false;
  st.last_round_starts = picks.size();
  st.metrics.round_done(std::chrono::duration<double>(
                            std::chrono::steady_clock::now() - st.round_began)
                            .count(),
                        picks.size(), split);
  dispatch(self, picks, records, now);
  flush_persist(self);
  if (!st.runs.orphans().empty()) kill_due_orphans(self, now);
  if (st.rounds.has_follow_up()) st.dirty = true;
  if (st.dirty) {
    poke(self);
  } else if (st.options.exit_when_done && nothing_more_to_do(self)) {
    spdlog::info("nothing left to run: exiting (--exit_when_done)");
    if (st.options.stats_interval_ms > 0) log_stats(self);
    self->quit();
    return;
  }
  arm_timer(self, next_wait_ms(self, now));
}

/// Bistro's CAUTION_exit_initial_wait_before_timestamp: while the clock is
/// before that time, the wait for workers to report is over at once.
bool startup_wait_skipped(scheduler_ptr self, std::int64_t now) {
  auto& st = self->state;
  if (!st.cfg || st.cfg->exit_initial_wait_before_sec * 1000 <= now ||
      now >= st.started_ms + st.options.startup_wait_ms)
    return false;
  st.options.startup_wait_ms = now - st.started_ms;
  spdlog::warn(
      "ending the wait for workers early: the config's "
      "CAUTION_exit_initial_wait_before_timestamp ({}) is later than now "
      "({}). DANGER: tasks still running on workers that have not reported "
      "yet will run a second time",
      st.cfg->exit_initial_wait_before_sec, now / 1000);
  return true;
}

void start_round(scheduler_ptr self) {
  auto& st = self->state;
  if (st.round_in_flight) {
    st.dirty = true;
    return;
  }
  st.dirty = false;
  auto now = now_ms(self);
  startup_wait_skipped(self, now);
  if (st.cfg && !st.startup_checked &&
      now >= st.started_ms + st.options.startup_wait_ms) {
    st.startup_checked = true;
    if (st.options.startup_wait_ms > 0)
      spdlog::info(
          "startup: the wait for workers is over after {} s ({} worker(s) "
          "known, {} run(s) adopted); tasks may start",
          (now - st.started_ms) / 1000, st.workers.health().all().size(),
          st.runs.size());
    settle_unconfirmed(self, now);
  }
  if (!st.cfg || !st.cfg->enabled || st.workers.empty() ||
      st.to_persist.failing() ||
      now < st.started_ms + st.options.startup_wait_ms) {
    // Statuses changed since the last round go to the store now; a round
    // that runs sends them with the statuses of the runs it starts, as
    // one batch (finish_round).
    flush_persist(self);
    arm_timer(self, st.cfg
                        ? std::min<std::int64_t>(
                              next_wait_ms(self, now),
                              st.started_ms + st.options.startup_wait_ms - now)
                        : 1000);
    return;
  }
  st.round_in_flight = true;
  st.round_began = std::chrono::steady_clock::now();
  auto input =
      std::make_shared<round_input>(st.rounds.prepare_round(st.row_ptrs, now));
  // What the policy parks comes back in batches while it plans, and is
  // parked here meanwhile: a big round's parking runs beside its planning.
  input->park_sink = [scheduler = caf::actor_cast<scheduler_actor>(self)](
                         parked_batch batch) {
    caf::anon_send(scheduler, plan_atom_v,
                   parked_batch_ptr{
                       std::make_shared<const parked_batch>(std::move(batch))});
  };
  input->park_batch_size = st.options.park_batch_size;
  input->min_split_candidates = st.options.round_split_candidates;
  // No timeout: CAF keeps a request's timeout in its clock until it
  // expires, answered or not (one per round, for a minute), and a policy
  // that dies is answered with an error anyway.
  self->request(st.options.policy, caf::infinite, plan_atom_v, std::move(input))
      .then(
          [=](round_output_ptr output) {
            const bool split = output->parts > 1;
            std::vector<status_record> records;
            auto picks = self->state.rounds.commit_round(
                std::move(*output), self->state.row_ptrs, now_ms(self),
                &records);
            finish_round(self, std::move(picks), std::move(records), split);
          },
          [=](const caf::error& err) {
            auto& st = self->state;
            spdlog::error(
                "scheduling round failed: {}; every candidate is looked "
                "at again next round",
                self->system().render(err));
            // The round's candidates went to the policy and did not come
            // back: derive them again, as after a new snapshot (running
            // tasks keep their charges).
            if (st.cfg && st.tree) st.rounds.reset(st.cfg, st.tree, st.rng);
            finish_round(self, {});
          });
}

/// A result for a run the scheduler no longer tracks but whose status it
/// may still take, from the worker that ran it: one that went on while the
/// scheduler was down (restored as running), or one given up with its lost
/// worker while the task has not run again since.
bool on_restored_result(scheduler_ptr self, const task_result& r) {
  auto& st = self->state;
  const char* when = nullptr;
  bool restored = false;
  switch (st.runs.claim_late(r.run_id, r.job, r.node, r.worker)) {
    case run_table::late_result::restored:
      when = "while the scheduler was down";
      restored = true;
      break;
    case run_table::late_result::lost:
      when = "after its worker was given up";
      break;
    case run_table::late_result::none:
      break;
  }
  if (!when) return false;
  auto job = job_index_of(self, r.job);
  auto node = st.tree->find(r.node);
  if (!job || !node) return false;
  // A restored run's task still shows it running; a lost run's task shows
  // the loss (anything else: its status moved on, and this result is old).
  auto label = st.rows[*job]->label(*node);
  if (restored ? label != status_label::running
               : label == status_label::running || label == status_label::done)
    return false;
  parsed_status status{r.label, r.data, r.message};
  if (!is_task_reported(r.label))
    status =
        parsed_status{status_label::error_backoff,
                      {},
                      "worker " + r.worker + " sent unknown status label " +
                          std::to_string(static_cast<unsigned>(r.label))};
  st.metrics.late_task_finished();
  st.activity.finished(r.job, status.label == status_label::error_backoff ||
                                  status.label == status_label::failed);
  // The round state never charged this run (it was not adopted), so only
  // the status changes.
  st.rows[*job]->apply(*node, status, now_ms(self), st.cfg->jobs[*job].backoff);
  run_info run{r.job, r.node, no_worker, r.start_ms, std::nullopt, false};
  persist(self, *job, *node, st.rows[*job]->record(*node), r.run_id, &run,
          r.end_ms);
  spdlog::info("{} on {} ended {}: {} (now {})", r.job, r.node, when,
               to_string(status.label), to_string(st.rows[*job]->label(*node)));
  poke(self);
  return true;
}

bool on_result(scheduler_ptr self, const task_result& r) {
  auto& st = self->state;
  auto it = st.runs.find(r.run_id);
  if (it == st.runs.end() && on_restored_result(self, r)) {
    st.runs.note_taken(r.run_id);
    return true;
  }
  if (it == st.runs.end() || it->second.job != r.job ||
      it->second.node != r.node ||
      st.workers[it->second.worker].shard != r.worker) {
    if (it == st.runs.end() && st.runs.taken(r.run_id))
      spdlog::debug("run {} ({} on {}): its result was taken already", r.run_id,
                    r.job, r.node);
    else
      spdlog::warn("ignoring a status for unknown run {} ({} on {})", r.run_id,
                   r.job, r.node);
    return false;
  }
  auto run = st.runs.finish(it);
  parsed_status status{r.label, r.data, r.message};
  // The label comes off the wire: one a task may not report (a system
  // label, or past the enum) is the worker's error, not the task's outcome.
  if (!is_task_reported(r.label)) {
    spdlog::warn("worker {} sent unknown status label {} for {} on {}",
                 r.worker, static_cast<unsigned>(r.label), r.job, r.node);
    status =
        parsed_status{status_label::error_backoff,
                      {},
                      "worker " + r.worker + " sent unknown status label " +
                          std::to_string(static_cast<unsigned>(r.label))};
  }
  const auto label = status.label;
  const bool failed =
      label == status_label::error_backoff || label == status_label::failed;
  st.metrics.task_finished(failed);
  st.activity.finished(r.job, failed);
  auto job = job_index_of(self, r.job);
  auto node = st.tree->find(r.node);
  std::string_view now_label = "dropped: its job or node is gone";
  if (job && node) {
    // Backoffs count from the scheduler's clock, not the worker's.
    st.rows[*job]->apply(*node, status, now_ms(self),
                         st.cfg->jobs[*job].backoff);
    st.rounds.task_finished(static_cast<job_index>(*job), *node);
    now_label = to_string(st.rows[*job]->label(*node));
    // Sent with the next round's batch: a result always pokes a round.
    persist(self, *job, *node, st.rows[*job]->record(*node), r.run_id, &run,
            r.end_ms);
  }
  spdlog::info("{} on {} ended: {}{}{} (now {})", r.job, r.node,
               to_string(label), status.message.empty() ? "" : ": ",
               status.message, now_label);
  poke(self);
  return true;
}

scheduler_actor::behavior_type scheduler_behavior(scheduler_ptr self,
                                                  scheduler_options options) {
  auto& st = self->state;
  st.options = std::move(options);
  st.rng.seed(st.options.seed);
  st.rounds.set_threads(st.options.round_threads);
  st.clock = actor_wall_clock{self->clock()};
  st.started_ms = now_ms(self);
  st.activity = activity_series{
      st.options.activity_sample_ms,
      static_cast<std::size_t>(std::max<std::int64_t>(
          1, 3600 * 1000 /
                 std::max<std::int64_t>(st.options.activity_sample_ms, 1))),
      st.started_ms};
  // Run ids only grow, also across restarts: milliseconds since the epoch,
  // times 1024 runs per millisecond of head room.
  st.runs.set_next_id(static_cast<std::uint64_t>(st.started_ms) * 1024);
  st.workers = worker_directory{st.options.timeouts,
                                std::move(st.options.worker_secret_hashes),
                                st.options.drained_workers};
  for (const auto& shard : st.workers.drained_shards())
    spdlog::info("worker {} is drained (kept in {}): it gets no new task",
                 shard, st.options.drained_workers_file);
  self->set_exit_handler([=](const caf::exit_msg& msg) {
    flush_persist(self);  // nothing queued for the store is left behind
    self->quit(msg.reason);
  });
  if (st.options.startup_wait_ms > 0)
    spdlog::info(
        "startup: no task starts for {} s, until the workers that ran tasks "
        "before a restart have reported them, so that none runs twice: {}",
        st.options.startup_wait_ms / 1000, st.options.startup_wait_reason);
  self->send(self, check_atom_v);
  if (st.options.stats_interval_ms > 0)
    self->delayed_send(self,
                       std::chrono::milliseconds(st.options.stats_interval_ms),
                       stats_atom_v);
  return {
      [=](result_atom, const task_result& r) { on_result(self, r); },
      [=](result_atom, const task_result& r, ack_atom) -> caf::result<bool> {
        // Answered once the result's status is on disk (or at once when it
        // was ignored and nothing waits): the worker keeps it until then.
        on_result(self, r);
        auto rp = self->make_response_promise<bool>();
        after_persist(self, [rp](bool ok) mutable { rp.deliver(ok); });
        return rp;
      },
      [=](stats_atom) {
        log_stats(self);
        self->delayed_send(
            self,
            std::chrono::milliseconds(self->state.options.stats_interval_ms),
            stats_atom_v);
      },
      [=](update_atom, config_ptr cfg, node_tree_ptr tree) {
        self->state.errors.erase("config");
        self->state.errors.erase("nodes");
        self->state.snapshot_ms = now_ms(self);
        // A new tree alone (a node source's update) is no config event.
        if (cfg != self->state.cfg)
          record_event(self, "config_loaded", self->state.options.config_file,
                       std::to_string(cfg->jobs.size()) + " job(s), " +
                           std::to_string(tree->size()) + " node(s)");
        adopt_new_snapshot(self, std::move(cfg), std::move(tree));
      },
      [=](error_atom, const std::string& source, const std::string& message,
          std::int64_t at_ms) {
        // The sender logged what it kept (the last good config, the
        // previous nodes, or a new tree without some nodes); the scheduler
        // only shows it (/api/errors, the page, the shell).
        spdlog::debug("{} error shown: {}", source, message);
        self->state.errors[source] = {message, at_ms};
        record_event(self, source == "config" ? "config_rejected" : "error",
                     source, message);
      },
      [=](join_atom, config_watcher_actor watcher) {
        self->state.watcher = std::move(watcher);
      },
      [=](monitor_atom, const std::string& request) {
        return on_monitor(self, request);
      },
      [=](join_atom, worker_actor worker, const std::string& shard,
          const std::string& host) {
        add_local_worker(self, std::move(worker), shard, host);
      },
      [=](hello_atom, worker_hello& hello) { return on_hello(self, hello); },
      [=](heartbeat_atom, const std::string& shard, std::int64_t start_ms,
          const std::vector<running_task_report>& running) {
        return on_heartbeat(self, shard, start_ms, running);
      },
      [=](check_atom) { check_workers(self); },
      [=](persist_atom, bool ok, const std::string& error, std::uint64_t n,
          double seconds) {
        auto& st = self->state;
        if (st.to_persist.committed(ok, n, seconds)) {
          st.errors.erase("persist");
          poke(self);
        }
        if (!ok) st.errors["persist"] = {error, now_ms(self)};
      },
      [=](tick_atom, std::uint64_t generation) {
        if (generation == 0) {
          self->state.poke_queued = false;
        } else if (generation != self->state.timer_generation) {
          return;  // superseded by a newer timer
        } else {
          self->state.timer_due_ms.reset();
        }
        start_round(self);
      },
      [=](plan_atom, const parked_batch_ptr& batch) {
        self->state.rounds.park_planned(*batch);
      },
  };
}

}  // namespace scheduler_detail

scheduler_actor spawn_scheduler(caf::actor_system& sys,
                                scheduler_options options) {
  return sys.spawn(scheduler_detail::scheduler_behavior, std::move(options));
}

}  // namespace bistro
