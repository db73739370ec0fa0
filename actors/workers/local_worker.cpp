#include "actors/workers/local_worker.hpp"

#include <spdlog/spdlog.h>

#include <caf/all.hpp>
#include <chrono>
#include <map>
#include <set>

#include "actors/protocol/wall_clock.hpp"
#include "actors/store/task_log_store.hpp"
#include "actors/tasks/fd_waker.hpp"
#include "actors/tasks/task_process.hpp"
#include "actors/workers/task_cgroup_book.hpp"
#include "actors/workers/task_log_writer.hpp"
#include "actors/workers/task_status_event.hpp"
#include "actors/workers/usable_resources.hpp"

namespace bistro {

namespace {

struct running_run {
  task_spec spec;
  std::unique_ptr<task_process> process;
  std::int64_t start_ms = 0;
  /// When it was first signaled to die (0 = never): reported as
  /// "killing" until its process tree is gone.
  std::int64_t killing_since_ms = 0;
};

/// Starts killing `run` (a scheduler's order, or every run when the worker
/// stops); the first kill's time is the run's "killing" start.
void kill_run(running_run& run, const kill_request& how) {
  auto now = wall_ms();
  if (run.killing_since_ms == 0) run.killing_since_ms = now;
  run.process->kill(how, now);
}

struct local_worker_state {
  local_worker_options options;
  task_log_writer_actor writer;
  /// Named in every statuses-log event.
  std::string host = local_host_name();
  /// Output lines and status events wait here and go to the writer at
  /// most once per `log_write_ms` (and before every log query): one
  /// message, and one transaction per stream, however many tasks start
  /// and end in that time. Shared with the exit functor, which sends what
  /// is left.
  std::shared_ptr<task_log_batch> waiting = std::make_shared<task_log_batch>();
  std::int64_t next_log_write_ms = 0;
  /// Wakes the worker with a `tick` as soon as a task may have ended (its
  /// process exits, or after that its canary status pipe closes:
  /// task_process::wake_fd, take_late_wake_fd), so a short task's end is
  /// seen at once; the timer polls output every poll_ms.
  std::unique_ptr<fd_waker> waker;
  std::map<std::pair<std::string, std::string>, running_run> runs;
  /// The poll timer: at most one in flight, named by its generation.
  bool tick_scheduled = false;
  std::uint64_t tick_generation = 0;
  /// The cgroups this worker made tasks in, and their names.
  std::shared_ptr<task_cgroup_book> cgroups;
  static inline const char* name = "local_worker";
};

using worker_ptr = worker_actor::stateful_pointer<local_worker_state>;

task_result result_of(const task_spec& spec, const std::string& shard,
                      const parsed_status& status, std::int64_t start_ms,
                      std::int32_t exit_code) {
  task_result r;
  r.job = spec.job;
  r.node = spec.node;
  r.run_id = spec.run_id;
  r.label = status.label;
  r.data = status.data;
  r.message = status.message;
  r.exit_code = exit_code;
  r.start_ms = start_ms;
  r.end_ms = wall_ms();
  r.worker = shard;
  return r;
}

/// Queues one event of the statuses log (task_status_event.hpp).
void log_status(worker_ptr self, const task_spec& spec, std::string line) {
  self->state.waiting->statuses.push_back(
      log_entry{spec.job, spec.node, wall_ms(), std::move(line)});
}

task_event_context event_context(worker_ptr self, const task_spec& spec,
                                 std::int64_t start_ms) {
  return {start_ms, spec.run_id, self->state.host};
}

/// How long lines may wait in memory before they are written.
constexpr std::int64_t log_write_ms = 10;
/// Written at once past this many waiting lines, to bound memory.
constexpr std::size_t log_write_lines = 4096;

std::size_t lines_in(const task_log_batch& batch) {
  return batch.statuses.size() + batch.out.size() + batch.err.size();
}

bool logs_waiting(const local_worker_state& st) {
  return lines_in(*st.waiting) > 0;
}

/// A kill order's method comes off the wire: one this worker does not know
/// still kills the run (SIGKILL at once), it is never ignored.
kill_request known_kill(kill_request how) {
  if (how.method > kill_method::kill) how = {kill_method::kill, 0};
  return how;
}

/// Sends the waiting lines to the writer when they are due, or now with
/// `force`.
void write_waiting_logs(worker_ptr self, std::int64_t now, bool force) {
  auto& st = self->state;
  auto waiting = lines_in(*st.waiting);
  if (waiting == 0 ||
      (!force && now < st.next_log_write_ms && waiting < log_write_lines))
    return;
  st.next_log_write_ms = now + log_write_ms;
  self->send(st.writer, save_atom_v, std::move(*st.waiting));
  *st.waiting = task_log_batch{};
}

void schedule_tick(worker_ptr self) {
  auto& st = self->state;
  if (st.tick_scheduled || (st.runs.empty() && !logs_waiting(st))) return;
  std::int64_t poll = logs_waiting(st) ? log_write_ms : 1000;
  for (auto& [key, run] : st.runs)
    poll = std::min(poll, run.spec.subprocess.poll_ms);
  st.tick_scheduled = true;
  self->delayed_send(self,
                     std::chrono::milliseconds(std::max<std::int64_t>(poll, 1)),
                     tick_atom_v, ++st.tick_generation);
}

void start_run(worker_ptr self, task_spec spec) {
  auto& st = self->state;
  auto key = std::make_pair(spec.job, spec.node);
  auto start_ms = wall_ms();
  if (auto it = st.runs.find(key); it != st.runs.end()) {
    // Never two runs of one (job, node) at once, whatever the scheduler
    // believes; the refused run ends with an error the scheduler can see.
    parsed_status refused{status_label::error_backoff, "",
                          "worker " + st.options.shard + " refused run " +
                              std::to_string(spec.run_id) + ": run " +
                              std::to_string(it->second.spec.run_id) +
                              " of this task is still running"};
    self->send(st.options.sink, result_atom_v,
               result_of(spec, st.options.shard, refused, start_ms, 0));
    return;
  }
  task_launch launch;
  launch.command = spec.command.empty() ? st.options.command : spec.command;
  launch.node = spec.node;
  launch.json_arg = spec.json_arg;
  launch.cwd = st.options.data_dir + "/jobs/" + spec.job;
  launch.options = spec.subprocess;
  if (!spec.cgroup.subsystems.empty()) {
    auto placed = st.cgroups->place(spec.cgroup, spec.run_id, launch);
    if (!placed.empty()) {
      // The config asks for cgroups this machine cannot give: refused, so
      // that no task runs uncontained while its job believes otherwise.
      auto why = "worker " + st.options.shard + " refuses the run: " + placed;
      spdlog::error("task {} on {}: {}", spec.job, spec.node, why);
      parsed_status refused{status_label::error_backoff, "", why};
      log_status(self, spec, "cannot start: " + why);
      self->send(st.options.sink, result_atom_v,
                 result_of(spec, st.options.shard, refused, start_ms, 0));
      schedule_tick(self);
      return;
    }
  }
  auto started = task_process::start(launch);
  if (auto* err = std::get_if<std::string>(&started)) {
    spdlog::warn("task {} on {}: {}", spec.job, spec.node, *err);
    parsed_status failed{status_label::error_backoff, "", *err};
    log_status(
        self, spec,
        failed_to_start_event(event_context(self, spec, start_ms), *err));
    self->send(st.options.sink, result_atom_v,
               result_of(spec, st.options.shard, failed, start_ms, 0));
    schedule_tick(self);  // writes the event
    return;
  }
  log_status(self, spec,
             running_event(event_context(self, spec, start_ms), launch.argv()));
  running_run run;
  run.process = std::move(std::get<std::unique_ptr<task_process>>(started));
  if (st.waker)
    if (auto wake = run.process->wake_fd(); wake.fd >= 0)
      st.waker->watch(wake.fd, wake.once);
  run.spec = std::move(spec);
  run.start_ms = start_ms;
  st.runs.emplace(std::move(key), std::move(run));
  schedule_tick(self);
}

void poll_runs(worker_ptr self) {
  auto& st = self->state;
  if (st.waker) st.waker->rearm();
  std::vector<task_output_line> lines;
  auto& out = st.waiting->out;
  auto& err = st.waiting->err;
  auto now = wall_ms();
  for (auto it = st.runs.begin(); it != st.runs.end();) {
    auto& run = it->second;
    lines.clear();
    bool finished = run.process->poll(now, lines);
    for (auto& line : lines)
      (line.stream == task_output_line::out ? out : err)
          .push_back({run.spec.job, run.spec.node, now, std::move(line.text)});
    for (auto& notice : run.process->take_notices()) {
      spdlog::warn("task {} on {} (run {}): {}", run.spec.job, run.spec.node,
                   run.spec.run_id, notice);
      log_status(self, run.spec, std::move(notice));
    }
    if (!finished) {
      // Exited, but descendants hold the canary pipe: its hang-up ends it.
      if (st.waker)
        if (int fd = run.process->take_late_wake_fd(); fd >= 0)
          st.waker->watch(fd);
      ++it;
      continue;
    }
    auto status = run.process->status();
    auto exit_code = run.process->exit_code().value_or(0);
    if (run.process->cgroup()) {
      // What the task used, from its cgroups (-1: not measured there).
      auto u = run.process->usage();
      auto mib = [](std::int64_t bytes) {
        return bytes < 0 ? std::string{"?"} : std::to_string(bytes >> 20);
      };
      log_status(
          self, run.spec,
          "cgroup usage: memory peak " + mib(u.memory_peak_bytes) +
              " MiB, cpu " +
              (u.cpu_time_ns < 0 ? std::string{"?"}
                                 : std::to_string(u.cpu_time_ns / 1000000)) +
              " ms");
    }
    auto context = event_context(self, run.spec, run.start_ms);
    const auto& raw = run.process->raw_status();
    log_status(self, run.spec,
               process_exited_event(context, run.process->exit_code(), raw));
    log_status(self, run.spec, got_status_event(context, status, raw));
    self->send(
        st.options.sink, result_atom_v,
        result_of(run.spec, st.options.shard, status, run.start_ms, exit_code));
    it = st.runs.erase(it);
  }
  write_waiting_logs(self, now, false);
  schedule_tick(self);
}

worker_actor::behavior_type local_worker(
    worker_ptr self, local_worker_options options, task_log_writer_actor writer,
    std::shared_ptr<task_cgroup_book> cgroups) {
  self->state.options = std::move(options);
  self->state.writer = writer;
  self->state.cgroups = std::move(cgroups);
  // Whatever ends the worker, its last lines reach the writer, and the
  // writer flushes them and ends.
  self->attach_functor([writer, waiting = self->state.waiting] {
    if (lines_in(*waiting) > 0)
      caf::anon_send(writer, save_atom_v, std::move(*waiting));
    caf::anon_send(writer, stop_atom_v);
  });
  // The waker holds a weak reference: it never keeps the worker alive.
  self->state.waker = std::make_unique<fd_waker>(
      [weak = caf::actor_cast<caf::weak_actor_ptr>(self->ctrl())] {
        if (auto strong = weak.lock())
          caf::anon_send(caf::actor_cast<worker_actor>(strong), tick_atom_v);
      });
  if (!self->state.waker->error().empty()) {
    spdlog::warn("{}; task ends are seen by polling only",
                 self->state.waker->error());
    self->state.waker.reset();
  }
  return {
      [=](run_atom, task_spec spec) { start_run(self, std::move(spec)); },
      [=](kill_atom, const kill_order& order) {
        auto it = self->state.runs.find({order.job, order.node});
        if (it == self->state.runs.end() ||
            it->second.spec.run_id != order.run_id)
          return;  // already over, or a stale order
        kill_run(it->second, known_kill(order.kill));
      },
      [=](kill_atom, std::int64_t wait_ms) {
        // The scheduler is gone for good: stop everything, TERM then KILL.
        for (auto& [key, run] : self->state.runs) {
          kill_run(run, {kill_method::term_wait_kill, wait_ms});
          spdlog::warn(
              "task {} on {} (run {}): killing it: the worker lost its "
              "scheduler",
              run.spec.job, run.spec.node, run.spec.run_id);
        }
      },
      [=](ping_atom) { return true; },
      [=](list_atom) {
        std::vector<running_task_report> out;
        for (auto& [key, run] : self->state.runs) {
          // Sampled now, from the run's cgroups (-1 without).
          auto usage = run.process->usage();
          out.push_back({run.spec.job, run.spec.node, run.spec.run_id,
                         run.start_ms, usage.memory_bytes, usage.cpu_time_ns,
                         run.killing_since_ms});
        }
        return out;
      },
      [=](logs_atom, const log_request& req) {
        // The writer answers after the lines sent just before.
        write_waiting_logs(self, wall_ms(), true);
        return self->delegate(self->state.writer, logs_atom_v, req);
      },
      // A task may have ended (the waker).
      [=](tick_atom) { poll_runs(self); },
      // The poll timer.
      [=](tick_atom, std::uint64_t generation) {
        if (generation == self->state.tick_generation)
          self->state.tick_scheduled = false;
        poll_runs(self);
      },
  };
}

}  // namespace

std::variant<worker_actor, std::string> spawn_local_worker(
    caf::actor_system& sys, local_worker_options options) {
  auto opened = task_log_store::open(options.data_dir + "/task_logs");
  if (auto* err = std::get_if<std::string>(&opened)) return *err;
  // Before any task of ours runs: what an earlier worker of this data dir
  // left in cgroups (killed with -9, its tasks' setsid'd children alive)
  // is killed and removed.
  auto cgroups = std::make_shared<task_cgroup_book>(options.data_dir);
  cgroups->clean_leftovers();
  // What this machine gives tasks, as Bistro measures it.
  if (!options.measured) {
    auto measured = measure_usable_resources(1000);
    spdlog::info("worker {}: {}", options.shard, describe(measured));
  }
  auto writer = spawn_task_log_writer(
      sys, {std::move(std::get<std::unique_ptr<task_log_store>>(opened)),
            options.log_retention_s, options.log_prune_frequency_s});
  return sys.spawn(local_worker, std::move(options), std::move(writer),
                   std::move(cgroups));
}

}  // namespace bistro
