#include "actors/scheduler/scheduler_actor.hpp"

#include <spdlog/spdlog.h>

#include "actors/scheduler/scheduler_state.hpp"

namespace bistro {

namespace scheduler_detail {

std::optional<std::size_t> job_index_of(scheduler_ptr self,
                                        const std::string& name) {
  const auto* job = self->state.cfg->find_job(name);
  if (!job) return std::nullopt;
  return static_cast<std::size_t>(job - self->state.cfg->jobs.data());
}

void tell_job(scheduler_ptr self, std::size_t job, job_event event) {
  auto& st = self->state;
  st.told[job].push_back(std::move(event));
  st.unflushed[job] = 1;
  // No round comes any more: the job gets it now, and stores it as it
  // stops.
  if (st.stopping) send_told(self, job);
}

void send_told(scheduler_ptr self, std::size_t job) {
  auto& st = self->state;
  if (st.told[job].empty()) return;
  self->send(st.jobs[job], result_atom_v,
             std::make_shared<const std::vector<job_event>>(
                 std::exchange(st.told[job], {})));
}

void flush_jobs(scheduler_ptr self) {
  auto& st = self->state;
  for (std::size_t j = 0; j < st.jobs.size(); ++j) {
    if (!st.unflushed[j]) continue;
    st.unflushed[j] = 0;
    send_told(self, j);
    self->send(st.jobs[j], persist_atom_v);
  }
}

/// `done(all ok)` once each of `jobs` answered that what it queued so far
/// is on disk (within `timeout`; a job that does not answer counts as a
/// failure).
template <class Timeout>
void after_kept(scheduler_ptr self, const std::vector<job_actor>& jobs,
                Timeout timeout, std::function<void(bool)> done) {
  if (jobs.empty()) {
    done(true);
    return;
  }
  struct gather {
    std::size_t left;
    bool ok = true;
    std::function<void(bool)> done;
  };
  auto g = std::make_shared<gather>(gather{jobs.size(), true, std::move(done)});
  for (const auto& job : jobs) {
    self->send(job, persist_atom_v);  // what it queued goes now
    self->request(job, timeout, persist_atom_v, ack_atom_v)
        .then(
            [g](bool ok) {
              g->ok = g->ok && ok;
              if (--g->left == 0) g->done(g->ok);
            },
            [g](const caf::error&) {
              g->ok = false;
              if (--g->left == 0) g->done(false);
            });
  }
}

void after_kept(scheduler_ptr self, const std::vector<job_actor>& jobs,
                std::function<void(bool)> done) {
  // No timeout: the store answers once the statuses are on disk, however
  // long a full disk takes.
  after_kept(self, jobs, caf::infinite, std::move(done));
}

void after_jobs_kept(scheduler_ptr self, std::function<void(bool)> done) {
  auto& st = self->state;
  std::vector<job_actor> jobs;
  for (std::size_t j = 0; j < st.jobs.size(); ++j) {
    if (!st.unflushed[j]) continue;
    st.unflushed[j] = 0;
    send_told(self, j);
    jobs.push_back(st.jobs[j]);
  }
  after_kept(self, jobs, std::move(done));
}

void stop(scheduler_ptr self, caf::error reason) {
  auto& st = self->state;
  if (st.stopping) return;
  st.stopping = true;
  for (std::size_t j = 0; j < st.jobs.size(); ++j) send_told(self, j);
  std::vector<job_actor> jobs = st.jobs;
  for (const auto& [name, job] : st.parked_jobs) jobs.push_back(job);
  // Bounded: a store that cannot write keeps what it got and names it in
  // the log as it stops (status_store_actor.hpp).
  after_kept(self, jobs, std::chrono::seconds(10),
             [self, reason = std::move(reason)](bool) mutable {
               self->quit(std::move(reason));
             });
}

/// After the start-up wait: restored runs that no worker reported are not
/// running anywhere; they may run again.
void settle_unconfirmed(scheduler_ptr self, std::int64_t now) {
  auto& st = self->state;
  auto busy = st.runs.busy_tasks();
  std::vector<runs_unconfirmed> by_job(st.jobs.size());
  for (const auto& [job_name, node_name] : st.runs.unconfirmed()) {
    bool reported = busy.count(task_name_key(job_name, node_name)) > 0;
    auto job = job_index_of(self, job_name);
    auto node = st.tree->find(node_name);
    if (reported || !job || !node) continue;
    by_job[*job].nodes.push_back(*node);
  }
  // Each job marks those still running before the restart as not running.
  for (std::size_t j = 0; j < by_job.size(); ++j) {
    if (by_job[j].nodes.empty()) continue;
    by_job[j].now_ms = now;
    tell_job(self, j, job_event{std::move(by_job[j])});
  }
  st.runs.settle();
  flush_jobs(self);
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

/// Each job of `cfg` gets its actor: the one it had (by name, also while
/// parked) or a new one; the actors of jobs `cfg` lacks are parked.
void assign_job_actors(scheduler_ptr self, const config& cfg) {
  auto& st = self->state;
  // Events name nodes of the tree their job has now: they go first.
  for (std::size_t j = 0; j < st.jobs.size(); ++j) send_told(self, j);
  std::map<std::string, job_actor> known = std::move(st.parked_jobs);
  st.parked_jobs.clear();
  for (std::size_t j = 0; j < st.jobs.size(); ++j)
    known[st.cfg->jobs[j].name] = std::move(st.jobs[j]);
  st.jobs.clear();
  for (const auto& job : cfg.jobs) {
    auto it = known.find(job.name);
    if (it == known.end()) {
      st.jobs.push_back(spawn_job_actor(self, {st.options.store}));
      continue;
    }
    st.jobs.push_back(std::move(it->second));
    known.erase(it);
  }
  st.parked_jobs = std::move(known);
  st.told.assign(st.jobs.size(), {});
  st.unflushed.assign(st.jobs.size(), 1);
  st.backoff_due.assign(st.jobs.size(), std::nullopt);
}

void adopt_new_snapshot(scheduler_ptr self, config_ptr cfg,
                        node_tree_ptr tree) {
  auto& st = self->state;
  assign_job_actors(self, *cfg);
  st.cfg = std::move(cfg);
  st.tree = std::move(tree);
  st.rounds.reset(st.cfg, st.tree, st.rng);
  std::vector<job_reset> resets(st.jobs.size());
  // The statuses loaded at start-up go to the first config's jobs. Those
  // of jobs or nodes that are gone stay on disk, untouched.
  if (st.options.restored) {
    std::size_t applied = 0;
    for (auto& s : *st.options.restored) {
      auto job = job_index_of(self, s.job);
      auto node = st.tree->find(s.node);
      if (!job || !node) continue;
      ++applied;
      if (s.status.label == status_label::running)
        st.runs.restore(s.job, s.node, s.run_id,
                        restored_run{s.job, s.node, s.worker, s.start_ms});
      resets[*job].restored.emplace_back(*node, std::move(s.status));
    }
    spdlog::info("restored {} of {} stored statuses ({} were running)", applied,
                 st.options.restored->size(), st.runs.unconfirmed().size());
    st.options.restored.reset();
  }
  join_early_workers(self);
  // Running tasks keep their slots: the round state re-charged those it
  // knew by name. A run whose job or node came back after a config that
  // dropped it is charged again here, so it is never started twice, and
  // its task shows it running.
  for (auto& [run_id, run] : st.runs) {
    auto job = job_index_of(self, run.job);
    auto node = st.tree->find(run.node);
    if (!job || !node) continue;
    resets[*job].running.emplace_back(*node, run.start_ms);
    st.rounds.adopt_running(static_cast<job_index>(*job), *node, run.worker);
  }
  for (std::size_t j = 0; j < st.jobs.size(); ++j) {
    auto& r = resets[j];
    r.job = static_cast<job_index>(j);
    r.cfg = st.cfg;
    r.tree = st.tree;
    r.facts = st.rounds.side_facts();
    r.num_dependencies = st.rounds.num_dependencies(r.job);
    r.blocked = st.rounds.blocked(r.job);
    self->send(st.jobs[j], update_atom_v,
               std::make_shared<const job_reset>(std::move(r)));
  }
  find_orphans(self, now_ms(self));
  poke(self);
}

/// The status a result carries. The label comes off the wire: one a task
/// may not report (a system label, or past the enum) is the worker's
/// error, not the task's outcome.
parsed_status status_of(const task_result& r) {
  if (is_task_reported(r.label)) return {r.label, r.data, r.message};
  spdlog::warn("worker {} sent unknown status label {} for {} on {}", r.worker,
               static_cast<unsigned>(r.label), r.job, r.node);
  return {status_label::error_backoff,
          {},
          "worker " + r.worker + " sent unknown status label " +
              std::to_string(static_cast<unsigned>(r.label))};
}

/// A result for a run the scheduler no longer tracks but whose status it
/// may still take, from the worker that ran it: one that went on while the
/// scheduler was down (restored as running), or one given up with its lost
/// worker while the task has not run again since. Its job decides by the
/// task's status. The index of that job, or none.
std::optional<std::size_t> on_late_result(scheduler_ptr self,
                                          const task_result& r) {
  auto& st = self->state;
  bool restored = false;
  switch (st.runs.claim_late(r.run_id, r.job, r.node, r.worker)) {
    case run_table::late_result::restored:
      restored = true;
      break;
    case run_table::late_result::lost:
      break;
    case run_table::late_result::none:
      return std::nullopt;
  }
  auto job = job_index_of(self, r.job);
  auto node = st.tree->find(r.node);
  if (!job || !node) return std::nullopt;
  auto status = status_of(r);
  st.runs.note_taken(r.run_id);
  st.metrics.late_task_finished();
  st.activity.finished(r.job, status.label == status_label::error_backoff ||
                                  status.label == status_label::failed);
  // The round state never charged this run (it was not adopted), so only
  // the status changes.
  tell_job(self, *job,
           job_event{late_task_ended{
               task_ended{*node, std::move(status), now_ms(self),
                          run_note{r.run_id, {}, r.start_ms, r.end_ms}},
               restored, r.job + " on " + r.node}});
  poke(self);
  return job;
}

std::optional<std::size_t> on_result(scheduler_ptr self, const task_result& r) {
  auto& st = self->state;
  if (!st.cfg) return std::nullopt;
  auto it = st.runs.find(r.run_id);
  if (it == st.runs.end())
    if (auto job = on_late_result(self, r)) return job;
  if (it == st.runs.end() || it->second.job != r.job ||
      it->second.node != r.node ||
      st.workers[it->second.worker].shard != r.worker) {
    if (it == st.runs.end() && st.runs.taken(r.run_id))
      spdlog::debug("run {} ({} on {}): its result was taken already", r.run_id,
                    r.job, r.node);
    else
      spdlog::warn("ignoring a status for unknown run {} ({} on {})", r.run_id,
                   r.job, r.node);
    return std::nullopt;
  }
  auto run = st.runs.finish(it);
  auto status = status_of(r);
  const auto label = status.label;
  const bool failed =
      label == status_label::error_backoff || label == status_label::failed;
  st.metrics.task_finished(failed);
  st.activity.finished(r.job, failed);
  auto job = job_index_of(self, r.job);
  auto node = st.tree->find(r.node);
  poke(self);  // a result always pokes a round, which stores its status
  if (!job || !node) {
    spdlog::info(
        "{} on {} ended: {}{}{} (now dropped: its job or node is "
        "gone)",
        r.job, r.node, to_string(label), status.message.empty() ? "" : ": ",
        status.message);
    return std::nullopt;
  }
  st.rounds.task_finished(static_cast<job_index>(*job), *node);
  // Backoffs count from the scheduler's clock, not the worker's.
  tell_job(self, *job,
           job_event{task_ended{*node, std::move(status), now_ms(self),
                                run_note{r.run_id, st.workers[run.worker].shard,
                                         run.start_ms, r.end_ms}}});
  return job;
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
  // The status store tells the scheduler how its commits go.
  if (st.options.store)
    self->send(st.options.store, join_atom_v,
               caf::actor_cast<store_report_actor>(self));
  self->set_exit_handler([=](const caf::exit_msg& msg) {
    // Nothing queued for the store is left behind: the job actors send
    // theirs first.
    stop(self, msg.reason);
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
        // Answered by the task's job once the result's status is on disk
        // (the worker keeps it until then); an ignored result, once what
        // its job queued so far is (an earlier copy of it among them), or
        // at once when its job is unknown.
        auto& st = self->state;
        std::optional<std::size_t> job = on_result(self, r);
        if (!job && st.cfg) job = job_index_of(self, r.job);
        if (job) {
          send_told(self, *job);
          return self->delegate(st.jobs[*job], persist_atom_v, ack_atom_v);
        }
        return true;
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
