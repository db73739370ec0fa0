// The scheduler actor's dealings with workers: the in-process worker, remote
// workers' hellos and heartbeats, healthchecks, and giving up lost workers'
// tasks with a safety backoff so that no task ever runs twice at once.
#include <spdlog/spdlog.h>

#include "actors/scheduler/scheduler_state.hpp"

namespace bistro::scheduler_detail {

namespace {

worker_index attach(scheduler_ptr self, worker_slot slot,
                    const std::string& host) {
  auto& st = self->state;
  auto w = st.rounds.add_worker(slot.shard, host, slot.port);
  slot.host = host;
  if (st.workers.size() <= w) st.workers.resize(w + 1);
  st.workers[w] = std::move(slot);
  return w;
}

std::optional<worker_index> index_of(scheduler_ptr self,
                                     const std::string& shard) {
  const auto& st = self->state;
  for (worker_index w = 0; w < st.workers.size(); ++w)
    if (st.workers[w].handle && st.workers[w].shard == shard) return w;
  return std::nullopt;
}

/// Gives up every run on worker `w`: "worker lost", with a backoff that
/// outlasts the worker's own suicide (TERM, wait, KILL) by the margin.
void lose_worker(scheduler_ptr self, worker_index w, const std::string& why) {
  auto& st = self->state;
  auto now = now_ms(self);
  auto min_wait = st.options.health.suicide_backoff_safety_margin_ms +
                  st.options.health.suicide_task_kill_wait_ms;
  std::size_t lost = 0;
  for (auto it = st.running.begin(); it != st.running.end();) {
    if (it->second.worker != w) {
      ++it;
      continue;
    }
    auto job = job_index_of(self, it->second.job);
    auto node = st.tree->find(it->second.node);
    if (job && node) {
      st.rows[*job]->mark_worker_lost(*node, now, min_wait,
                                      st.cfg->jobs[*job].backoff,
                                      "worker lost: " + why);
      st.rounds.task_finished(static_cast<job_index>(*job), *node);
      persist(self, *job, *node, it->first, &it->second, now);
    }
    ++lost;
    it = st.running.erase(it);
  }
  flush_persist(self);
  spdlog::error("worker {} lost ({}): {} running task(s) marked worker lost",
                st.workers[w].shard, why, lost);
  st.rounds.remove_worker(w);
  st.workers[w].handle = nullptr;
  poke(self);
}

/// A reconnecting worker's runs: known ones stay, unknown ones (a scheduler
/// restart) are adopted, and one that clashes with a run elsewhere is
/// killed — two runs of one task must never go on at once.
void adopt_runs(scheduler_ptr self, worker_index w,
                const std::vector<running_task_report>& reports) {
  auto& st = self->state;
  auto busy = running_task_keys(st);
  std::unordered_set<std::uint64_t> reported;
  for (const auto& report : reports) {
    reported.insert(report.run_id);
    if (auto it = st.running.find(report.run_id); it != st.running.end()) {
      it->second.worker = w;
      continue;
    }
    auto job = job_index_of(self, report.job);
    auto node = st.tree->find(report.node);
    bool clash = busy.count(task_name_key(report.job, report.node)) > 0;
    if (!job || !node || clash) {
      spdlog::warn("worker {} runs {} on {} (run {}), which {}: killing it",
                   st.workers[w].shard, report.job, report.node, report.run_id,
                   clash ? "runs elsewhere" : "no longer exists");
      self->send(st.workers[w].handle, kill_atom_v,
                 kill_order{report.job, report.node, report.run_id,
                            static_cast<std::uint8_t>(kill_method::kill), 0});
      continue;
    }
    spdlog::info("adopting {} on {} (run {}) from worker {}", report.job,
                 report.node, report.run_id, st.workers[w].shard);
    auto& run = st.running
                    .emplace(report.run_id,
                             run_info{report.job, report.node, w,
                                      report.start_ms, std::nullopt, false})
                    .first->second;
    busy.insert(task_name_key(report.job, report.node));
    st.rows[*job]->mark_running(*node, report.start_ms);
    persist(self, *job, *node, report.run_id, &run, 0);
    st.rounds.adopt_running(static_cast<job_index>(*job), *node, w);
    st.next_run_id = std::max(st.next_run_id, report.run_id + 1);
  }
  flush_persist(self);
  // Runs we gave this worker that it no longer has ended while the link
  // was down and their results were lost with it: retry them after a
  // backoff rather than wait forever.
  std::vector<std::uint64_t> vanished;
  for (const auto& [id, run] : st.running)
    if (run.worker == w && !reported.count(id)) vanished.push_back(id);
  for (auto id : vanished) {
    const auto& run = st.running.at(id);
    task_result r;
    r.job = run.job;
    r.node = run.node;
    r.run_id = id;
    r.label = static_cast<std::uint8_t>(status_label::error_backoff);
    r.message = "the run's result was lost while its worker was cut off";
    r.worker = st.workers[w].shard;
    on_result(self, r);
  }
}

}  // namespace

void add_local_worker(scheduler_ptr self, worker_actor worker,
                      const std::string& shard, const std::string& host) {
  auto& st = self->state;
  if (!st.cfg) {
    st.early_joins.emplace_back(std::move(worker), shard, host);
    return;
  }
  attach(self, worker_slot{std::move(worker), shard, {}, 0, false, 0, 0}, host);
  spdlog::info("worker {} on {} joined", shard, host);
  poke(self);
}

void join_early_workers(scheduler_ptr self) {
  auto& st = self->state;
  auto early = std::move(st.early_joins);
  st.early_joins.clear();
  for (auto& [worker, shard, host] : early)
    add_local_worker(self, std::move(worker), shard, host);
}

worker_welcome on_hello(scheduler_ptr self, worker_hello& hello) {
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
  worker_record candidate;
  candidate.shard = hello.shard;
  candidate.host = hello.host;
  candidate.pid = hello.pid;
  candidate.start_ms = hello.start_ms;
  candidate.heartbeat_period_ms = hello.heartbeat_period_ms;
  auto now = now_ms(self);
  auto result = st.registry.hello(candidate, now);
  welcome.message = result.message;
  if (!result.accepted) {
    spdlog::warn("refused worker {} on {} (pid {}): {}", hello.shard,
                 hello.host, hello.pid, result.message);
    return welcome;
  }
  if (auto old = index_of(self, hello.shard)) {
    const auto& slot = st.workers[*old];
    if (result.bumped || slot.start_ms != hello.start_ms)
      lose_worker(self, *old, "replaced by a new instance on " + hello.host);
  }
  auto w = attach(self,
                  worker_slot{std::move(hello.handle),
                              hello.shard,
                              {},
                              hello.port,
                              true,
                              hello.start_ms,
                              0},
                  hello.host);
  spdlog::info("worker {} on {} (pid {}) joined: {}", hello.shard, hello.host,
               hello.pid, result.message);
  for (const auto& r : hello.finished) on_result(self, r);
  adopt_runs(self, w, hello.running);
  welcome.accepted = true;
  poke(self);
  return welcome;
}

heartbeat_reply on_heartbeat(scheduler_ptr self, const std::string& shard,
                             std::int64_t start_ms) {
  heartbeat_reply reply;
  reply.known = self->state.registry.heartbeat(shard, start_ms, now_ms(self));
  if (!reply.known)
    reply.message =
        "this worker instance was lost; kill its tasks and say "
        "hello again";
  return reply;
}

void check_workers(scheduler_ptr self) {
  auto& st = self->state;
  auto now = now_ms(self);
  for (const auto& t : st.registry.check(now)) {
    spdlog::warn("worker {}: {} -> {}", t.shard, to_string(t.from),
                 to_string(t.to));
    auto w = index_of(self, t.shard);
    if (!w) continue;
    const auto* rec = st.registry.find(t.shard);
    if (t.to == worker_health::must_die) {
      lose_worker(self, *w, "no heartbeat or healthcheck for too long");
    } else if (t.to == worker_health::unhealthy) {
      st.rounds.remove_worker(*w);  // no new tasks; running ones go on
    } else if (t.to == worker_health::healthy && rec) {
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
              if (ok) self->state.registry.healthcheck_ok(shard, start, now);
            },
            [=](const caf::error&) {
              // A failed healthcheck counts through the registry's clock.
            });
  }
  sample_rates(self, now);
  self->delayed_send(self,
                     std::chrono::milliseconds(std::max<std::int64_t>(
                         st.options.health.worker_check_interval_ms, 10)),
                     check_atom_v);
}

}  // namespace bistro::scheduler_detail
