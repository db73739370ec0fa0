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
  for (const auto& expiry : st.backoff_due)
    if (expiry) wait = std::min(wait, *expiry - now);
  return wait;
}

bool nothing_more_to_do(scheduler_ptr self) {
  auto& st = self->state;
  if (!st.cfg || !st.runs.empty() || st.last_round_starts > 0 ||
      st.round_in_flight || st.dirty)
    return false;
  for (const auto& expiry : st.backoff_due)
    if (expiry) return false;
  return true;
}

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

void after_jobs_kept(scheduler_ptr self, std::function<void(bool)> done) {
  auto& st = self->state;
  std::vector<job_actor> jobs;
  for (std::size_t j = 0; j < st.jobs.size(); ++j) {
    if (!st.unflushed[j]) continue;
    st.unflushed[j] = 0;
    send_told(self, j);
    jobs.push_back(st.jobs[j]);
  }
  // No timeout: the store answers once the statuses are on disk, however
  // long a full disk takes.
  after_kept(self, jobs, caf::infinite, std::move(done));
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

/// A round's started tasks: `records[i]` is pick i's status as its job
/// accepted the start (running, with the status before the run), and
/// `run_ids[i]` the run its job stored it with.
struct round_starts {
  std::vector<task_pick> picks;
  std::vector<status_record> records;
  std::vector<std::uint64_t> run_ids;
};

void dispatch(scheduler_ptr self, round_starts& starts, std::int64_t now) {
  auto& st = self->state;
  const auto& roster = st.rounds.workers();
  // Orders for remote workers leave once their runs' "running" statuses
  // are on disk: a run a remote worker knows of is always one a restarted
  // scheduler knows of, so its result counts even if it ends while the
  // scheduler is down. (An in-process worker dies with the scheduler.)
  std::vector<std::pair<worker_actor, task_spec>> remote_orders;
  std::vector<std::uint8_t> remote_jobs(st.jobs.size(), 0);
  for (std::size_t i = 0; i < starts.picks.size(); ++i) {
    const auto& pick = starts.picks[i];
    const auto& job = st.cfg->jobs[pick.job];
    task_spec spec;
    spec.job = job.name;
    spec.node = std::string{st.tree->name(pick.node)};
    spec.command = job.command;  // empty: the worker's --worker_command
    spec.json_arg = task_json_argument({*st.cfg, job, *st.tree, pick.chain,
                                        bistro_prev_status(starts.records[i]),
                                        roster.shard(pick.worker),
                                        roster.host(pick.worker)});
    // The run's cgroups travel in `cgroup`, with the limits its resources
    // map to.
    spec.subprocess = job.task_subprocess;
    spec.subprocess.cgroups = {};
    spec.kill = job.kill_subprocess;
    spec.cgroup = cgroup_spec_of(*st.cfg, job);
    spec.run_id = starts.run_ids[i];
    st.runs.start_reserved(
        spec.run_id,
        run_info{job.name, spec.node, pick.worker, now, std::nullopt, false});
    st.activity.started(spec.job);
    spdlog::info("starting {} on {} (run {}, worker {})", spec.job, spec.node,
                 spec.run_id, roster.shard(pick.worker));
    if (st.workers[pick.worker].remote && st.options.store) {
      remote_jobs[pick.job] = 1;
      remote_orders.emplace_back(st.workers[pick.worker].handle,
                                 std::move(spec));
    } else
      self->send(st.workers[pick.worker].handle, run_atom_v, std::move(spec));
  }
  if (remote_orders.empty()) return;
  // Each job sent its starts' statuses to the store as it accepted them.
  std::vector<job_actor> jobs;
  for (std::size_t j = 0; j < remote_jobs.size(); ++j)
    if (remote_jobs[j]) jobs.push_back(st.jobs[j]);
  after_kept(self, jobs, caf::infinite,
             [self, orders = std::move(remote_orders)](bool) mutable {
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

void finish_round(scheduler_ptr self, round_starts starts = {},
                  bool split = false) {
  auto& st = self->state;
  auto now = now_ms(self);
  st.round_in_flight = false;
  st.last_round_starts = starts.picks.size();
  st.metrics.round_done(std::chrono::duration<double>(
                            std::chrono::steady_clock::now() - st.round_began)
                            .count(),
                        starts.picks.size(), split);
  dispatch(self, starts, now);
  flush_jobs(self);
  if (!st.runs.orphans().empty()) kill_due_orphans(self, now);
  if (st.rounds.has_follow_up()) st.dirty = true;
  if (st.dirty) {
    poke(self);
  } else if (st.options.exit_when_done && nothing_more_to_do(self)) {
    spdlog::info("nothing left to run: exiting (--exit_when_done)");
    if (st.options.stats_interval_ms > 0) log_stats(self);
    stop(self, caf::error{});
    return;
  }
  arm_timer(self, next_wait_ms(self, now));
}

/// Asks the job actors `which` (job indexes) with `ask(j)` (a request) and
/// awaits every answer: nothing else is handled meanwhile, so no result
/// lands between a round's questions. Then `done(answers)`, by job index
/// (a job not asked, or whose request failed, has the default answer).
template <class Answer, class Ask, class Done>
void await_jobs(scheduler_ptr self, const std::vector<std::size_t>& which,
                Ask ask, Done done) {
  struct gather {
    std::vector<Answer> answers;
    std::size_t left = 0;
    Done done;
  };
  auto g = std::make_shared<gather>(
      gather{std::vector<Answer>(self->state.jobs.size()), which.size(),
             std::move(done)});
  if (which.empty()) {
    g->done(g->answers);
    return;
  }
  for (auto j : which)
    ask(j).await(
        [g, j](const std::shared_ptr<Answer>& answer) {
          if (answer) g->answers[j] = std::move(*answer);
          if (--g->left == 0) g->done(g->answers);
        },
        [self, g, j](const caf::error& err) {
          spdlog::error("job {} gave no answer in a round: {}", j,
                        self->system().render(err));
          if (--g->left == 0) g->done(g->answers);
        });
}

void check_candidates(scheduler_ptr self,
                      std::vector<job_check_question> questions,
                      std::int64_t now);
void plan(scheduler_ptr self, round_input prepared);
void start_picks(scheduler_ptr self, round_output output, bool split);

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
  if (st.stopping) return;
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
    // one batch per job (finish_round).
    flush_jobs(self);
    arm_timer(self, st.cfg
                        ? std::min<std::int64_t>(
                              next_wait_ms(self, now),
                              st.started_ms + st.options.startup_wait_ms - now)
                        : 1000);
    return;
  }
  st.round_in_flight = true;
  st.round_began = std::chrono::steady_clock::now();
  // The round's first question to every job: its feed.
  auto questions = st.rounds.open_prepare(now);
  std::vector<std::size_t> all(questions.size());
  for (std::size_t j = 0; j < all.size(); ++j) all[j] = j;
  await_jobs<job_feed>(
      self, all,
      [self, questions](std::size_t j) {
        const auto& q = questions[j];
        // Its events come with the question; it sends its queue to the
        // store once it fed.
        auto& st = self->state;
        st.unflushed[j] = 0;
        job_events_ptr events;
        if (!st.told[j].empty())
          events = std::make_shared<const std::vector<job_event>>(
              std::exchange(st.told[j], {}));
        return self->request(st.jobs[j], caf::infinite, feed_atom_v, q.now_ms,
                             q.scan, q.report_done, std::move(events));
      },
      [self, now](std::vector<job_feed>& feeds) {
        for (std::size_t j = 0; j < feeds.size(); ++j)
          self->state.backoff_due[j] = feeds[j].next_backoff_ms;
        check_candidates(self, self->state.rounds.route_feeds(feeds, now), now);
      });
}

/// The round's second question, to the jobs with something to look at;
/// then the plan.
void check_candidates(scheduler_ptr self,
                      std::vector<job_check_question> questions,
                      std::int64_t now) {
  std::vector<std::size_t> asked;
  auto shared =
      std::make_shared<std::vector<job_check_question>>(std::move(questions));
  for (std::size_t j = 0; j < shared->size(); ++j)
    if (!(*shared)[j].empty()) asked.push_back(j);
  await_jobs<job_check>(
      self, asked,
      [self, shared](std::size_t j) {
        return self->request(
            self->state.jobs[j], caf::infinite, check_atom_v,
            std::make_shared<job_check_question>(std::move((*shared)[j])));
      },
      [self, now](std::vector<job_check>& checks) {
        plan(self, self->state.rounds.close_prepare(checks, now));
      });
}

void plan(scheduler_ptr self, round_input prepared) {
  auto& st = self->state;
  auto input = std::make_shared<round_input>(std::move(prepared));
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
            start_picks(self, std::move(*output), split);
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
            finish_round(self);
          });
}

/// The round's last question: each job accepts the starts the round took
/// slots for, and stores their "running" statuses under the runs that
/// will start them.
void start_picks(scheduler_ptr self, round_output output, bool split) {
  auto& st = self->state;
  const auto now = now_ms(self);
  auto starts = st.rounds.open_commit(std::move(output), now, true);
  std::size_t total = 0;
  for (const auto& s : starts) total += s.nodes.size();
  // Run ids for every start the jobs may accept: a refused one's id is
  // never used.
  auto first_id = std::make_shared<std::vector<std::uint64_t>>(starts.size());
  std::uint64_t id = st.runs.reserve(total);
  const auto& roster = st.rounds.workers();
  std::vector<std::size_t> asked;
  auto orders =
      std::make_shared<std::vector<job_start_order_ptr>>(starts.size());
  for (std::size_t j = 0; j < starts.size(); ++j) {
    (*first_id)[j] = id;
    if (starts[j].nodes.empty()) continue;
    job_start_order order;
    for (std::size_t k = 0; k < starts[j].nodes.size(); ++k)
      order.runs.push_back(run_note{
          id++, std::string{roster.shard(starts[j].workers[k])}, now, 0});
    order.starts = std::move(starts[j]);
    (*orders)[j] = std::make_shared<const job_start_order>(std::move(order));
    asked.push_back(j);
  }
  await_jobs<job_started>(
      self, asked,
      [self, orders](std::size_t j) {
        send_told(self, j);  // what happened during the plan comes first
        return self->request(self->state.jobs[j], caf::infinite, run_atom_v,
                             (*orders)[j]);
      },
      [self, first_id, split](std::vector<job_started>& answers) {
        round_starts started;
        std::vector<std::uint32_t> positions;
        started.picks = self->state.rounds.close_commit(
            answers, &started.records, &positions);
        for (std::size_t i = 0; i < started.picks.size(); ++i)
          started.run_ids.push_back((*first_id)[started.picks[i].job] +
                                    positions[i]);
        finish_round(self, std::move(started), split);
      });
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
