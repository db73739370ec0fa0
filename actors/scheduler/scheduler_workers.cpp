// The scheduler actor's dealings with workers: the in-process worker, remote
// workers' hellos and heartbeats, healthchecks, and giving up lost workers'
// tasks with a safety backoff so that no task ever runs twice at once.
#include <spdlog/spdlog.h>

#include "actors/scheduler/scheduler_state.hpp"
#include "actors/scheduler/worker_session.hpp"
#include "actors/workers/worker_secret.hpp"

namespace bistro::scheduler_detail {

namespace {

worker_index attach(scheduler_ptr self, worker_slot slot,
                    const std::string& host) {
  auto& st = self->state;
  // A remote worker's hello says what its machine has: the limits of the
  // resources physical_resources maps.
  worker_physical physical;
  physical.usable.memory_mb = slot.physical.memory_mb;
  physical.usable.cpu_cores = slot.physical.cpu_cores;
  physical.usable.gpu_cards =
      static_cast<std::int64_t>(slot.physical.gpus.size());
  for (const auto& gpu : slot.physical.gpus)
    physical.gpu_models.push_back(gpu.name);
  auto w = st.rounds.add_worker(slot.shard, host, slot.port,
                                slot.remote ? &physical : nullptr);
  if (slot.remote)
    spdlog::info("worker {} measured {:.0f} MB memory, {} CPU cores, {} GPUs{}",
                 slot.shard, physical.usable.memory_mb,
                 physical.usable.cpu_cores, physical.usable.gpu_cards,
                 slot.physical.error.empty()
                     ? std::string{}
                     : " (" + slot.physical.error + ")");
  if (st.workers.drained(slot.shard)) st.rounds.remove_worker(w);
  slot.host = host;
  st.workers.place(w, std::move(slot));
  return w;
}

/// Ends a remote worker's session: whatever the worker still sends to it
/// goes nowhere, and the worker, which watches it, says hello again.
void end_session(scheduler_ptr self, worker_slot& slot) {
  if (slot.remote && slot.handle)
    self->send_exit(slot.handle, caf::exit_reason::user_shutdown);
}

/// Gives up every run on worker `w`: "worker lost", with a backoff that
/// outlasts the worker's own suicide (TERM, wait, KILL) by the margin.
void lose_worker(scheduler_ptr self, worker_index w, const std::string& why) {
  auto& st = self->state;
  auto now = now_ms(self);
  auto min_wait = st.options.health.suicide_backoff_safety_margin_ms +
                  st.options.health.suicide_task_kill_wait_ms;
  auto lost = st.runs.lose_worker(
      w, st.workers[w].shard, [&](std::uint64_t id, run_info& run) {
        auto job = job_index_of(self, run.job);
        auto node = st.tree->find(run.node);
        if (!job || !node) return;
        st.rounds.task_finished(static_cast<job_index>(*job), *node);
        tell_job(self, *job,
                 job_event{task_lost{
                     *node, now, min_wait, "worker lost: " + why,
                     run_note{id, st.workers[w].shard, run.start_ms, now}}});
      });
  flush_jobs(self);
  spdlog::error("worker {} lost ({}): {} running task(s) marked worker lost",
                st.workers[w].shard, why, lost);
  record_event(self, "worker_lost", st.workers[w].shard,
               why + ": " + std::to_string(lost) + " running task(s) lost");
  st.rounds.remove_worker(w);
  end_session(self, st.workers[w]);
  st.workers[w].handle = nullptr;
  poke(self);
}

/// A reconnecting worker's runs: its own known ones stay, unknown ones (a
/// scheduler restart) are adopted when the hello speaks for the worker that
/// ran them (`trusted`), and any other (a run elsewhere, of a job or node
/// that is gone, or reported by a worker that could not prove who it is) is
/// killed: two runs of one task must never go on at once, and a peer must
/// not take over runs by naming them.
void adopt_runs(scheduler_ptr self, worker_index w,
                const std::vector<running_task_report>& reports, bool trusted) {
  auto& st = self->state;
  auto busy = st.runs.busy_tasks();
  std::unordered_set<std::uint64_t> reported;
  auto kill = [&](const running_task_report& report, const char* why) {
    spdlog::warn("worker {} runs {} on {} (run {}), which {}: killing it",
                 st.workers[w].shard, report.job, report.node, report.run_id,
                 why);
    self->send(
        st.workers[w].handle, kill_atom_v,
        kill_order{
            report.job, report.node, report.run_id, {kill_method::kill, 0}});
  };
  for (const auto& report : reports) {
    if (auto it = st.runs.find(report.run_id); it != st.runs.end()) {
      if (it->second.worker == w && it->second.job == report.job &&
          it->second.node == report.node) {
        reported.insert(report.run_id);
      } else {
        kill(report, "was sent to another worker");
      }
      continue;
    }
    if (!trusted) {
      kill(report, "this worker cannot prove it was given");
      continue;
    }
    if (auto restored = st.runs.take_restored(report.run_id)) {
      if (restored->shard != st.workers[w].shard) {
        kill(report, "was sent to another worker before the restart");
        continue;
      }
    }
    auto job = job_index_of(self, report.job);
    auto node = st.tree->find(report.node);
    bool clash = busy.count(task_name_key(report.job, report.node)) > 0;
    if (!job || !node || clash) {
      kill(report, clash ? "runs elsewhere" : "no longer exists");
      continue;
    }
    reported.insert(report.run_id);
    spdlog::info("adopting {} on {} (run {}) from worker {}", report.job,
                 report.node, report.run_id, st.workers[w].shard);
    auto& run = st.runs.adopt(
        report.run_id, run_info{report.job, report.node, w, report.start_ms,
                                std::nullopt, false});
    busy.insert(task_name_key(report.job, report.node));
    tell_job(self, *job,
             job_event{task_adopted{*node,
                                    run_note{report.run_id, st.workers[w].shard,
                                             run.start_ms, 0}}});
    st.rounds.adopt_running(static_cast<job_index>(*job), *node, w);
  }
  flush_jobs(self);
  // Runs we gave this worker that it no longer has ended while the link
  // was down and their results were lost with it: retry them after a
  // backoff rather than wait forever.
  std::vector<std::uint64_t> vanished;
  for (const auto& [id, run] : st.runs)
    if (run.worker == w && !reported.count(id)) vanished.push_back(id);
  for (auto id : vanished) {
    const auto& run = st.runs.at(id);
    task_result r;
    r.job = run.job;
    r.node = run.node;
    r.run_id = id;
    r.label = status_label::error_backoff;
    r.message = "the run's result was lost while its worker was cut off";
    r.worker = st.workers[w].shard;
    on_result(self, r);
  }
}

std::size_t running_on(scheduler_ptr self, worker_index w) {
  std::size_t n = 0;
  for (const auto& [id, run] : self->state.runs) n += run.worker == w;
  return n;
}

/// Good news at info, a worker in trouble at warning, a lost one at error.
void log_transition(const worker_registry::transition& t) {
  auto level = t.to == worker_health::must_die    ? spdlog::level::err
               : t.to == worker_health::unhealthy ? spdlog::level::warn
                                                  : spdlog::level::info;
  spdlog::log(level, "worker {}: {} -> {}{}{}", t.shard, to_string(t.from),
              to_string(t.to), t.why.empty() ? "" : ": ", t.why);
}

/// Says when a worker's heartbeats stop (long before it turns UNHEALTHY:
/// what happens to its tasks, and when) and when they come back.
void log_silences(scheduler_ptr self, std::int64_t now) {
  auto& st = self->state;
  for (const auto& s : st.workers.health().check_silence(now)) {
    if (!s.silent) {
      spdlog::info("worker {}: heartbeats arrive again after a {} ms gap",
                   s.shard, s.gap_ms);
      record_event(self, "worker_heard", s.shard,
                   "heartbeats arrive again after a " +
                       std::to_string(s.gap_ms) + " ms gap");
      continue;
    }
    const auto* rec = st.workers.health().find(s.shard);
    auto w = st.workers.index_of(s.shard);
    if (!rec) continue;
    const auto& t = st.workers.health().timeouts();
    auto unhealthy_at = rec->last_heartbeat_ms + rec->heartbeat_period_ms +
                        t.heartbeat_grace_ms;
    spdlog::warn(
        "worker {}: no heartbeat for {} ms (it sends one every {} ms); its "
        "{} running task(s) count as running until it turns UNHEALTHY in "
        "~{} s and is lost ~{} s after that "
        "(--heartbeat_grace_period, --lose_unhealthy_worker_after)",
        s.shard, s.gap_ms, rec->heartbeat_period_ms,
        w ? running_on(self, *w) : 0,
        std::max<std::int64_t>(0, (unhealthy_at - now) / 1000),
        t.lose_unhealthy_worker_after_ms / 1000);
    record_event(self, "worker_silent", s.shard,
                 "no heartbeat for " + std::to_string(s.gap_ms) + " ms");
  }
}

}  // namespace

void add_local_worker(scheduler_ptr self, worker_actor worker,
                      const std::string& shard, const std::string& host) {
  auto& st = self->state;
  if (!st.cfg) {
    st.workers.join_later(std::move(worker), shard, host);
    return;
  }
  attach(self, worker_slot{std::move(worker), shard, {}, 0, false, 0, 0, {}},
         host);
  spdlog::info("worker {} on {} joined", shard, host);
  record_event(self, "worker_joined", shard, "in-process, on " + host);
  poke(self);
}

void join_early_workers(scheduler_ptr self) {
  auto& st = self->state;
  for (auto& [worker, shard, host] : st.workers.take_early_joins())
    add_local_worker(self, std::move(worker), shard, host);
}

caf::result<worker_welcome> on_hello(scheduler_ptr self, worker_hello& hello) {
  auto& st = self->state;
  worker_welcome welcome;
  welcome.health = st.options.health;
  welcome.health.heartbeat_period_ms = hello.heartbeat_period_ms;
  if (hello.protocol_version != protocol_version) {
    welcome.message =
        "protocol version " + std::to_string(hello.protocol_version) +
        " is not this scheduler's version " + std::to_string(protocol_version);
    spdlog::error("refused worker {} on {}: {}", hello.shard, hello.host,
                  welcome.message);
    return welcome;
  }
  if (!st.cfg) {
    welcome.message = "the scheduler has no config yet; retry shortly";
    return welcome;
  }
  // Identity: a hello proves it comes from the worker that this shard's
  // last welcome was for by carrying that welcome's secret. A shard never
  // welcomed (nor kept in the store: --clean_statuses) is first contact,
  // trusted as Bistro trusts every worker.
  worker_record candidate;
  candidate.shard = hello.shard;
  candidate.host = hello.host;
  candidate.pid = hello.pid;
  candidate.start_ms = hello.start_ms;
  candidate.heartbeat_period_ms = hello.heartbeat_period_ms;
  auto now = now_ms(self);
  auto id = st.workers.identify(candidate, hello.secret, now);
  const bool first_contact = id.first_contact;
  const bool proven = id.proven;
  const auto& result = id.result;
  welcome.message = result.message;
  if (!result.accepted) {
    spdlog::warn("refused worker {} on {} (pid {}){}: {}", hello.shard,
                 hello.host, hello.pid,
                 first_contact || proven ? ""
                 : hello.secret.empty()  ? " without its secret"
                                         : " with a wrong secret",
                 result.message);
    return welcome;
  }
  const bool trusted = id.trusted();
  auto secret = proven ? hello.secret : make_worker_secret();
  if (!proven) {
    auto hash = worker_secret_hash(secret);
    st.workers.remember_secret(hello.shard, hash);
    if (st.options.store)
      self->send(st.options.store, persist_atom_v, hello.shard, hash);
  }
  if (auto old = st.workers.index_of(hello.shard)) {
    auto& slot = st.workers[*old];
    if (result.bumped || slot.start_ms != hello.start_ms || !proven)
      lose_worker(self, *old,
                  proven ? "replaced by its own new instance on " + hello.host
                         : "replaced by a new instance on " + hello.host);
    else
      end_session(self, slot);  // the same worker, on a new connection
  }
  auto session = spawn_worker_session(
      self->system(),
      worker_session_options{
          caf::actor_cast<scheduler_actor>(self), std::move(hello.handle),
          hello.shard, hello.start_ms, st.workers.secret_hash(hello.shard),
          std::chrono::milliseconds(std::max<std::int64_t>(
              st.options.health.healthcheck_grace_ms, 60000))});
  auto w = attach(self,
                  worker_slot{caf::actor_cast<worker_actor>(session),
                              hello.shard,
                              {},
                              hello.port,
                              true,
                              hello.start_ms,
                              0,
                              std::move(hello.physical)},
                  hello.host);
  spdlog::info("worker {} on {} (pid {}) joined: {}{}", hello.shard, hello.host,
               hello.pid, result.message,
               proven ? " (proved its secret)"
               : first_contact
                   ? " (first contact)"
                   : " (as a new worker: it did not prove its secret)");
  record_event(self, "worker_joined", hello.shard,
               "on " + hello.host + " (pid " + std::to_string(hello.pid) + ")" +
                   (proven ? ", proved its secret" : ""));
  if (trusted) {
    for (auto& r : hello.finished) {
      r.worker = hello.shard;  // it speaks only for itself
      on_result(self, r);
    }
  } else if (!hello.finished.empty()) {
    spdlog::warn(
        "worker {}: ignoring {} result(s) it cannot prove it was "
        "given",
        hello.shard, hello.finished.size());
  }
  adopt_runs(self, w, hello.running, trusted);
  welcome.accepted = true;
  welcome.session = caf::actor_cast<worker_session_actor>(session);
  welcome.secret = std::move(secret);
  poke(self);
  if (hello.finished.empty()) return welcome;
  // The worker drops the results its hello carried once welcomed: welcome
  // it once their statuses are on disk.
  auto rp = self->make_response_promise<worker_welcome>();
  after_jobs_kept(self, [rp, welcome](bool) mutable { rp.deliver(welcome); });
  return rp;
}

heartbeat_reply on_heartbeat(scheduler_ptr self, const std::string& shard,
                             std::int64_t start_ms,
                             const std::vector<running_task_report>& running) {
  heartbeat_reply reply;
  reply.known =
      self->state.workers.health().heartbeat(shard, start_ms, now_ms(self));
  if (reply.known)
    if (auto w = self->state.workers.index_of(shard);
        w && self->state.workers[*w].start_ms == start_ms)
      note_task_usage(self, *w, running);
  if (!reply.known)
    reply.message =
        "this worker instance was lost; kill its tasks and say "
        "hello again";
  return reply;
}

void check_workers(scheduler_ptr self) {
  auto& st = self->state;
  auto now = now_ms(self);
  log_silences(self, now);
  for (const auto& t : st.workers.health().check(now)) {
    log_transition(t);
    record_event(self, "worker_health", t.shard,
                 std::string{to_string(t.from)} + " -> " +
                     std::string{to_string(t.to)} +
                     (t.why.empty() ? "" : ": " + t.why));
    auto w = st.workers.index_of(t.shard);
    if (!w) continue;
    const auto* rec = st.workers.health().find(t.shard);
    if (t.to == worker_health::must_die) {
      lose_worker(self, *w, "no heartbeat or healthcheck for too long");
    } else if (t.to == worker_health::unhealthy) {
      st.rounds.remove_worker(*w);  // no new tasks; running ones go on
    } else if (t.to == worker_health::healthy && rec &&
               !st.workers.drained(t.shard)) {
      st.rounds.add_worker(t.shard, rec->host, st.workers[*w].port);
      poke(self);
    }
  }
  // Healthchecks: a ping per remote worker every healthcheck period.
  for (worker_index w = 0; w < st.workers.size(); ++w) {
    auto& slot = st.workers[w];
    if (!slot.remote || !slot.handle ||
        now - slot.last_ping_ms < st.options.health.healthcheck_period_ms)
      continue;
    slot.last_ping_ms = now;
    auto shard = slot.shard;
    auto start = slot.start_ms;
    self->request(slot.handle,
                  std::chrono::milliseconds(std::max<std::int64_t>(
                      st.options.health.healthcheck_grace_ms, 1)),
                  ping_atom_v)
        .then(
            [=](bool ok) {
              if (ok)
                self->state.workers.health().healthcheck_ok(shard, start, now);
            },
            [=](const caf::error&) {
              // A failed healthcheck counts through the registry's clock.
            });
  }
  poll_local_usage(self);
  sample_rates(self, now);
  sample_activity(self, now);
  self->delayed_send(self,
                     std::chrono::milliseconds(std::max<std::int64_t>(
                         st.options.health.worker_check_interval_ms, 10)),
                     check_atom_v);
}

}  // namespace bistro::scheduler_detail
