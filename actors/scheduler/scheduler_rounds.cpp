// The scheduler's rounds: when one runs (poke, the round timer, the
// start-up wait), its three exchanges with the job actors (feed, check,
// run: actors/rounds/round_scheduler.hpp), the plan by the policy actor,
// and the run orders to the workers (`dispatch`). Runs on the scheduler
// actor's thread (scheduler_state.hpp).
#include <spdlog/spdlog.h>

#include <cmath>

#include "actors/scheduler/scheduler_state.hpp"
#include "actors/scheduler/task_arguments.hpp"

namespace bistro::scheduler_detail {

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
  after_kept(self, jobs,
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
  if (st.stopping) {
    // The plan came back while the job actors send their last statuses:
    // nothing starts any more.
    st.round_in_flight = false;
    return;
  }
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

}  // namespace bistro::scheduler_detail
