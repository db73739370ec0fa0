// The scheduler's answers to monitor requests (actors/protocol/monitor.md):
// the dispatch table, and the handlers that still read the scheduler's own
// state (status rows, runs, workers) on its own thread. Handlers that need
// only a read view are plain functions in actors/monitor, called through
// `on_view`. Most answer at once; `task_logs` asks every worker and
// `save_job`/`delete_job` ask the config watcher, so a request answers
// through a promise once its last asynchronous entry is in. Refusals are
// monitor_error values, never exceptions.
#include <spdlog/spdlog.h>

#include <array>
#include <boost/json.hpp>

#include "actors/monitor/activity_handlers.hpp"
#include "actors/monitor/bistro_monitor_format.hpp"
#include "actors/monitor/config_handlers.hpp"
#include "actors/monitor/job_handlers.hpp"
#include "actors/monitor/monitor_args.hpp"
#include "actors/monitor/monitor_error.hpp"
#include "actors/protocol/monitor_roles.hpp"
#include "actors/scheduler/scheduler_history.hpp"
#include "actors/scheduler/scheduler_operator.hpp"
#include "actors/scheduler/scheduler_state.hpp"
#include "actors/store/task_log_store.hpp"
#include "config/json_text.hpp"

namespace bistro::scheduler_detail {

namespace json = boost::json;

namespace {

constexpr auto ask_timeout = std::chrono::seconds(10);

/// One request's entries, answered when the last asynchronous one is in.
struct pending_reply {
  json::object out;
  std::size_t waiting = 0;
  caf::typed_response_promise<std::string> promise;

  void entry_done() {
    if (--waiting == 0) promise.deliver(json_text(out));
  }
};
using pending_ptr = std::shared_ptr<pending_reply>;

const json::value* arg(const json::object& req, std::string_view key) {
  return req.if_contains(key);
}

/// The nodes each job does not run on, for the current snapshot.
const task_exclusions& exclusions(scheduler_ptr self) {
  auto& st = self->state;
  return st.exclusions.get(st.cfg, st.tree, st.rounds.eligibility());
}

/// The read view of this scheduler's state for one monitor request.
monitor_view view_of(scheduler_ptr self) {
  const auto& st = self->state;
  return monitor_view{.cfg = st.cfg.get(),
                      .tree = st.tree.get(),
                      .rows = &st.rows,
                      .exclusions = [self]() -> const task_exclusions& {
                        return exclusions(self);
                      },
                      .snapshot_ms = st.snapshot_ms,
                      .now_ms = now_ms(self),
                      .config_file = st.options.config_file,
                      .errors = st.errors,
                      .activity = st.activity,
                      .events = st.events};
}

/// A handler over the read view (actors/monitor), as a row of the table.
template <monitor_result<json::value> (*Answer)(const monitor_view&,
                                                const json::object&)>
monitor_result<json::value> on_view(scheduler_ptr self,
                                    const json::object& req) {
  return Answer(view_of(self), req);
}

monitor_check need_config(scheduler_ptr self) {
  return need_config(view_of(self));
}

monitor_result<json::value> handle_running_tasks(scheduler_ptr self,
                                                 const json::object& req) {
  const auto& st = self->state;
  auto names = strings_arg(req, "jobs");
  if (!names) return std::move(names).error();
  std::unordered_set<std::string> wanted(names->begin(), names->end());
  json::object out;
  for (const auto& [id, run] : st.runs) {
    if (!wanted.empty() && !wanted.count(run.job)) continue;
    auto& by_job = out[run.job];
    if (!by_job.is_object()) by_job = json::object{};
    json::object o{
        {"start_time", run.start_ms / 1000},
        {"worker_shard",
         run.worker < st.workers.size() ? st.workers[run.worker].shard : ""},
        {"run_id", std::to_string(id)}};
    // What its cgroups use, from its worker's last heartbeat.
    add_usage_json(self, run, o);
    by_job.as_object()[run.node] = std::move(o);
  }
  return out;
}

/// Job -> node -> seconds it has run (Bistro's older running_tasks, which
/// its web UI still asks for).
monitor_result<json::value> handle_job_node_runtime(scheduler_ptr self,
                                                    const json::object& req) {
  const auto& st = self->state;
  auto names = strings_arg(req, "jobs");
  if (!names) return std::move(names).error();
  std::unordered_set<std::string> wanted(names->begin(), names->end());
  auto now_s = now_ms(self) / 1000;
  json::object out;
  for (const auto& [id, run] : st.runs) {
    if (!wanted.empty() && !wanted.count(run.job)) continue;
    auto& by_job = out[run.job];
    if (!by_job.is_object()) by_job = json::object{};
    by_job.as_object()[run.node] = now_s - run.start_ms / 1000;
  }
  return out;
}

monitor_result<json::value> handle_forgive(scheduler_ptr self,
                                           const json::object& req) {
  auto& st = self->state;
  if (auto no = need_config(self)) return std::move(*no);
  auto names = strings_arg(req, "jobs");
  if (!names) return std::move(names).error();
  for (const auto& name : *names) {
    auto j = job_index_of(self, name);
    if (!j) continue;  // as Bistro: unknown jobs are no error
    auto& row = *st.rows[*j];
    for (auto n : st.tree->nodes_at_level(st.cfg->jobs[*j].level_for_tasks)) {
      auto before = row.record(n);
      row.forgive(n);
      if (row.record(n) != before) persist(self, *j, n, 0, nullptr, 0);
    }
    spdlog::info("job {} forgiven", name);
  }
  flush_persist(self);
  poke(self);
  return "forgiven";
}

monitor_result<json::value> handle_kill_task(scheduler_ptr self,
                                             const json::object& req) {
  auto& st = self->state;
  if (auto no = need_config(self)) return std::move(*no);
  auto job_arg = string_arg(req, "job_id");
  if (!job_arg) return std::move(job_arg).error();
  auto node_arg = string_arg(req, "node_id");
  if (!node_arg) return std::move(node_arg).error();
  const auto& job_name = *job_arg;
  const auto& node_name = *node_arg;
  const auto* job = st.cfg->find_job(job_name);
  if (!job) return not_found("Unknown job " + job_name);
  for (auto& [id, run] : st.runs) {
    if (run.job != job_name || run.node != node_name) continue;
    if (run.worker >= st.workers.size() || !st.workers[run.worker].handle)
      return unavailable("the worker of " + job_name + ", " + node_name +
                         " is gone");
    spdlog::info("killing {} on {} (run {}) on request", run.job, run.node, id);
    note_kill_sent(self, run);
    record_event(self, "kill", run.job + " " + run.node,
                 "on request (run " + std::to_string(id) + ")");
    self->send(st.workers[run.worker].handle, kill_atom_v,
               kill_order{run.job, run.node, id, job->kill_subprocess});
    return "signaled";
  }
  return not_found("Unknown running task " + job_name + ", " + node_name);
}

/// Workers counted by health name (the in-process worker is HEALTHY).
json::object workers_by_health(scheduler_ptr self) {
  const auto& st = self->state;
  json::object out;
  for (const auto& w : st.workers) {
    if (!w.handle) continue;
    std::string health = "HEALTHY";
    if (w.remote)
      if (const auto* rec = st.workers.health().find(w.shard))
        health = to_string(rec->health);
    auto& n = out[health];
    n = (n.is_int64() ? n.as_int64() : std::int64_t{0}) + 1;
  }
  return out;
}

monitor_result<json::value> handle_status(scheduler_ptr self) {
  const auto& st = self->state;
  auto now = now_ms(self);
  json::object counts;
  std::size_t jobs = 0, invalid_jobs = 0;
  if (st.cfg && st.tree) {
    jobs = st.cfg->jobs.size();
    for (const auto& job : st.cfg->jobs) invalid_jobs += !job.errors.empty();
    auto view = view_of(self);
    for (std::size_t j = 0; j < st.cfg->jobs.size(); ++j)
      for (const auto& [label, n] : job_counts(view, j))
        counts[label] = (counts.contains(label) ? counts[label].as_uint64()
                                                : std::uint64_t{0}) +
                        n.to_number<std::uint64_t>();
  }
  auto rates = st.metrics.rates_at(now);
  auto wait_until = st.started_ms + st.options.startup_wait_ms;
  json::object startup_wait{{"until_ms", wait_until},
                            {"over", now >= wait_until},
                            {"reason", st.options.startup_wait_reason}};
  return json::object{{"now_ms", now},
                      {"started_ms", st.started_ms},
                      {"startup_wait", std::move(startup_wait)},
                      {"config_ms", st.snapshot_ms},
                      {"enabled", st.cfg && st.cfg->enabled},
                      {"errors", errors_json(view_of(self))},
                      {"counts", std::move(counts)},
                      {"jobs", jobs},
                      {"invalid_jobs", invalid_jobs},
                      {"nodes", st.tree ? st.tree->size() : 0},
                      {"running", st.runs.size()},
                      {"workers", workers_by_health(self)},
                      {"rounds", st.metrics.rounds()},
                      {"rounds_per_s", rates.rounds_per_s},
                      {"tasks_started", st.metrics.tasks_started()},
                      {"tasks_finished", st.metrics.tasks_finished()},
                      {"tasks_per_s", rates.tasks_per_s}};
}

monitor_result<json::value> handle_tasks(scheduler_ptr self,
                                         const json::object& req) {
  const auto& st = self->state;
  if (auto no = need_config(self)) return std::move(*no);
  const auto& cfg = *st.cfg;
  auto job_arg = string_arg(req, "job");
  if (!job_arg) return std::move(job_arg).error();
  auto state_arg = string_arg(req, "state");
  if (!state_arg) return std::move(state_arg).error();
  const auto& job_filter = *job_arg;
  auto state_name = *state_arg;
  // A status label, or a reason the job does not run on a node.
  std::optional<status_label> state;
  exclusion excluded_state = exclusion::none;
  if (!state_name.empty()) {
    state = status_label_from_string(state_name);
    if (state_name == to_string(exclusion::avoided))
      excluded_state = exclusion::avoided;
    else if (state_name == to_string(exclusion::disabled))
      excluded_state = exclusion::disabled;
    if (state)
      state_name = to_string(*state);  // `backoff` is error_backoff
    else if (excluded_state == exclusion::none)
      return bad_request("state: unknown status " + state_name);
    else
      state = status_label::never_started;
  }
  const auto& ex = exclusions(self);
  auto limit_arg = page_limit_arg(req);
  if (!limit_arg) return std::move(limit_arg).error();
  auto limit = *limit_arg;
  // The cursor is "JOB/NODE" of the last task of the previous page (job
  // names never contain '/').
  auto after = string_arg(req, "after");
  if (!after) return std::move(after).error();
  std::string after_job, after_node;
  if (!after->empty()) {
    auto tab = after->find('/');
    if (tab == std::string::npos) return bad_request("after: not a cursor");
    after_job = after->substr(0, tab);
    after_node = after->substr(tab + 1);
  }
  json::array tasks;
  // Tasks of the page that run: their run details are filled in below, in
  // one pass over the running runs (not a map of all of them per page).
  // Views into the config and the tree, which outlive this call.
  std::unordered_map<std::string_view,
                     std::unordered_map<std::string_view, std::size_t>>
      running_on_page;
  std::string last;
  bool more = false;
  for (std::size_t j = 0; j < cfg.jobs.size() && !more; ++j) {
    const auto& job = cfg.jobs[j];
    if (!job_filter.empty() && job.name != job_filter) continue;
    if (!after_job.empty() && job.name < after_job) continue;
    auto nodes = st.tree->nodes_at_level(job.level_for_tasks);
    std::size_t begin = 0;
    if (job.name == after_job) {
      auto n = st.tree->find(after_node);
      if (n) {
        auto it = std::upper_bound(nodes.begin(), nodes.end(), *n);
        begin = static_cast<std::size_t>(it - nodes.begin());
      }
    }
    const auto& row = *st.rows[j];
    if (state && row.count(*state) == 0) continue;
    for (std::size_t i = begin; i < nodes.size(); ++i) {
      auto n = nodes[i];
      if (state && row.label(n) != *state) continue;
      auto shown = shown_status(row.label(n), ex.of(j, n));
      if (state && shown != state_name) continue;
      if (tasks.size() == limit) {
        more = true;
        break;
      }
      auto status = status_to_json(row.record(n));
      if (shown != to_string(row.label(n))) status["label"] = shown;
      json::object t{{"job", job.name},
                     {"node", st.tree->name(n)},
                     {"status", std::move(status)}};
      if (row.label(n) == status_label::running)
        running_on_page[job.name].emplace(st.tree->name(n), tasks.size());
      tasks.emplace_back(std::move(t));
      last = job.name + '/' + std::string{st.tree->name(n)};
    }
  }
  if (!running_on_page.empty())
    for (const auto& [id, run] : st.runs) {
      auto by_job = running_on_page.find(run.job);
      if (by_job == running_on_page.end()) continue;
      auto it = by_job->second.find(run.node);
      if (it == by_job->second.end()) continue;
      auto& t = tasks[it->second].as_object();
      if (run.worker < st.workers.size())
        t["worker"] = st.workers[run.worker].shard;
      t["start_ms"] = run.start_ms;
      t["run_id"] = std::to_string(id);
      // "killing" or "running", and what its cgroups use.
      add_usage_json(self, run, t);
    }
  json::value next = nullptr;
  if (more) next = last;
  return json::object{{"tasks", std::move(tasks)}, {"next", next}};
}

/// What a remote worker measured of its machine (null for the in-process
/// worker, which measures nothing for the scheduler).
json::value physical_json(const worker_slot& slot) {
  if (!slot.remote) return nullptr;
  const auto& p = slot.physical;
  json::array gpus;
  for (const auto& g : p.gpus)
    gpus.emplace_back(json::object{{"name", g.name},
                                   {"pci_bus_id", g.pci_bus_id},
                                   {"memory_mb", g.memory_mb}});
  json::object o{{"memory_mb", p.memory_mb},
                 {"cpu_cores", p.cpu_cores},
                 {"gpus", std::move(gpus)}};
  if (!p.error.empty()) o["error"] = p.error;
  return o;
}

/// The worker's limit of each worker-level resource: the resource's own,
/// or what its measured machine gives (physical_resources), or its
/// worker_resources_override.
json::object worker_resources_json(scheduler_ptr self, worker_index w) {
  const auto& st = self->state;
  json::object out;
  if (!st.cfg) return out;
  auto limits = st.rounds.worker_limits(w);
  const auto& ids = st.cfg->resources_by_level[st.cfg->worker_level()];
  for (std::size_t i = 0; i < ids.size() && i < limits.size(); ++i)
    out[st.cfg->resources[ids[i]].name] = limits[i];
  return out;
}

monitor_result<json::value> handle_workers(scheduler_ptr self) {
  const auto& st = self->state;
  std::vector<std::size_t> running(st.workers.size(), 0);
  for (const auto& [id, run] : st.runs)
    if (run.worker < running.size()) ++running[run.worker];
  json::array out;
  for (std::size_t w = 0; w < st.workers.size(); ++w) {
    const auto& slot = st.workers[w];
    if (!slot.handle) continue;
    json::object o{{"shard", slot.shard},
                   {"remote", slot.remote},
                   {"drained", st.workers.drained(slot.shard)},
                   {"running", running[w]},
                   {"start_ms", slot.start_ms}};
    const auto* rec =
        slot.remote ? st.workers.health().find(slot.shard) : nullptr;
    if (rec) {
      o["host"] = rec->host;
      o["pid"] = rec->pid;
      o["health"] = to_string(rec->health);
      o["last_heartbeat_ms"] = rec->last_heartbeat_ms;
      // By the scheduler's clock: a shell on another host has its own.
      o["last_heard_ms_ago"] = now_ms(self) - rec->last_heartbeat_ms;
      o["silent"] = rec->silent;
    } else {
      o["host"] = slot.host;
      o["pid"] = static_cast<std::int64_t>(::getpid());
      o["health"] = "HEALTHY";
      o["last_heartbeat_ms"] = nullptr;
      o["last_heard_ms_ago"] = nullptr;
      o["silent"] = false;
    }
    o["physical"] = physical_json(slot);
    o["resources"] = worker_resources_json(self, static_cast<worker_index>(w));
    out.emplace_back(std::move(o));
  }
  return out;
}

monitor_result<json::value> handle_metrics(scheduler_ptr self) {
  const auto& st = self->state;
  json::object tasks;
  auto view = view_of(self);
  if (st.cfg && st.tree)
    for (std::size_t j = 0; j < st.cfg->jobs.size(); ++j)
      tasks[st.cfg->jobs[j].name] = job_counts(view, j);
  json::array buckets;
  std::uint64_t cumulative = 0;
  const auto& bounds = scheduler_metrics::round_bucket_bounds;
  const auto& counts = st.metrics.round_buckets();
  for (std::size_t b = 0; b < counts.size(); ++b) {
    cumulative += counts[b];
    json::value le =
        b < bounds.size() ? json::value(bounds[b]) : json::value("+Inf");
    buckets.emplace_back(json::array{le, cumulative});
  }
  std::size_t config_errors = errors_json(view).size();
  return json::object{
      {"tasks", std::move(tasks)},
      {"running", st.runs.size()},
      {"tasks_started", st.metrics.tasks_started()},
      {"tasks_finished", st.metrics.tasks_finished()},
      {"tasks_errors", st.metrics.tasks_errors()},
      {"round_seconds_buckets", std::move(buckets)},
      {"round_seconds_sum", st.metrics.round_seconds()},
      {"round_count", st.metrics.rounds()},
      {"workers", workers_by_health(self)},
      {"config_errors", config_errors},
      {"statuses_persisted", st.to_persist.statuses_persisted()},
      {"commit_seconds_sum", st.to_persist.commit_seconds()},
      {"commits", st.to_persist.commits()},
      {"worker_usage", worker_usage_json(self)}};
}

/// task_logs' request to every worker, read from the entry.
monitor_result<log_request> log_request_of(const json::object& req) {
  if (arg(req, "columns"))
    return bad_request("Custom columns are currently not supported.");
  auto type_name = string_arg(req, "log_type");
  if (!type_name) return std::move(type_name).error();
  auto type = parse_log_type(*type_name);
  if (!type)
    return bad_request("log_type: expected stdout, stderr or statuses");
  log_request lr;
  lr.type = *type;
  auto jobs = strings_arg(req, "jobs");
  if (!jobs) return std::move(jobs).error();
  lr.jobs = std::move(*jobs);
  auto nodes = strings_arg(req, "nodes");
  if (!nodes) return std::move(nodes).error();
  lr.nodes = std::move(*nodes);
  auto sort = string_arg(req, "sort", "desc");
  if (!sort) return std::move(sort).error();
  if (*sort == "asc" || *sort == "ASC")
    lr.ascending = true;
  else if (*sort == "desc" || *sort == "DESC")
    lr.ascending = false;
  else
    return bad_request("Unknown sort order: " + *sort);
  if (arg(req, "time") && arg(req, "line_id"))
    return bad_request("Cannot specify both time and line_id");
  if (arg(req, "time")) {
    auto time = int_arg(req, "time", 0);
    if (!time) return std::move(time).error();
    lr.time_ms = *time * 1000;
  }
  if (arg(req, "line_id")) {
    auto line_id = int_arg(req, "line_id", -1);
    if (!line_id) return std::move(line_id).error();
    lr.line_id = *line_id;
  }
  auto limit = int_arg(req, "limit", 1000);
  if (!limit) return std::move(limit).error();
  if (*limit < 1 || *limit > 100000)
    return bad_request("limit: must be between 1 and 100000");
  lr.limit = static_cast<std::uint64_t>(*limit);
  auto regex = string_arg(req, "regex_filter");
  if (!regex) return std::move(regex).error();
  lr.regex_filter = std::move(*regex);
  return lr;
}

/// task_logs: asks every worker, merges their pages into one.
monitor_check handle_task_logs(scheduler_ptr self, const json::object& req,
                               const std::string& key, pending_ptr reply) {
  auto& st = self->state;
  auto request = log_request_of(req);
  if (!request) return std::move(request).error();
  const auto& lr = *request;
  auto limit = static_cast<std::int64_t>(lr.limit);

  struct merge_state {
    std::vector<log_reply_line> lines;
    std::optional<std::int64_t> cut;  // where the first incomplete page ends
    /// (shard, why) of each worker that gave no page.
    std::vector<std::pair<std::string, std::string>> unanswered;
    std::size_t answered = 0;
    std::size_t waiting = 0;
  };
  auto merge = std::make_shared<merge_state>();
  auto ascending = lr.ascending;
  auto finish = [=] {
    auto& m = *merge;
    auto before_cut = [&](std::int64_t id) {
      return !m.cut || (ascending ? id < *m.cut : id > *m.cut);
    };
    std::erase_if(m.lines,
                  [&](const auto& l) { return !before_cut(l.line_id); });
    std::sort(
        m.lines.begin(), m.lines.end(), [&](const auto& a, const auto& b) {
          return ascending ? a.line_id < b.line_id : a.line_id > b.line_id;
        });
    std::optional<std::int64_t> next = m.cut;
    if (m.lines.size() > static_cast<std::size_t>(limit)) {
      next = m.lines[static_cast<std::size_t>(limit)].line_id;
      m.lines.resize(static_cast<std::size_t>(limit));
    }
    if (m.answered == 0 && !m.unanswered.empty()) {
      std::string message;
      for (const auto& [shard, why] : m.unanswered)
        message += (message.empty() ? "" : "; ") + shard + ": " + why;
      reply->out[key] = error_entry(unavailable(message));
    } else {
      json::array lines;
      for (auto& l : m.lines)
        lines.emplace_back(json::array{l.job, l.node, l.time_ms / 1000, l.line,
                                       std::to_string(l.line_id)});
      json::object data{{"next_line_id", std::to_string(next.value_or(-1))},
                        {"lines", std::move(lines)}};
      // Ours: the lines above lack these workers' lines.
      if (!m.unanswered.empty()) {
        json::array unanswered;
        for (const auto& [shard, why] : m.unanswered)
          unanswered.emplace_back(
              json::object{{"worker", shard}, {"why", why}});
        data["unanswered"] = std::move(unanswered);
      }
      reply->out[key] = json::object{{"data", std::move(data)}};
    }
    reply->entry_done();
  };
  std::vector<std::pair<worker_actor, std::string>> targets;
  for (const auto& w : st.workers)
    if (w.handle) targets.emplace_back(w.handle, w.shard);
  if (targets.empty()) {
    finish();
    return std::nullopt;
  }
  merge->waiting = targets.size();
  // One deadline per worker: a dead one costs every query this long, not
  // the whole request's timeout, and is named in the answer.
  auto deadline = std::chrono::milliseconds(st.options.task_logs_timeout_ms);
  for (auto& [handle, shard] : targets) {
    self->request(handle, deadline, logs_atom_v, lr)
        .then(
            [=](log_reply& page) {
              auto& m = *merge;
              if (!page.error.empty()) {
                m.unanswered.emplace_back(shard, page.error);
              } else {
                ++m.answered;
                if (page.next_line_id >= 0 &&
                    (!m.cut || (ascending ? page.next_line_id < *m.cut
                                          : page.next_line_id > *m.cut)))
                  m.cut = page.next_line_id;
                for (auto& l : page.lines) m.lines.push_back(std::move(l));
              }
              if (--m.waiting == 0) finish();
            },
            [=](const caf::error& err) {
              auto& m = *merge;
              m.unanswered.emplace_back(
                  shard, err == caf::sec::request_timeout
                             ? "no answer within " +
                                   std::to_string(deadline.count()) + " ms"
                             : self->system().render(err));
              if (--m.waiting == 0) finish();
            });
  }
  return std::nullopt;
}

/// Has the config watcher set `job` to `text` ("" deletes it) and answers
/// `done` once the file is replaced.
monitor_check save_through_watcher(scheduler_ptr self, const std::string& job,
                                   const std::string& text, const char* done,
                                   const std::string& key, pending_ptr reply) {
  auto& st = self->state;
  if (!st.watcher)
    return bad_request("this scheduler has no config file to edit");
  self->request(st.watcher, ask_timeout, save_atom_v, job, text)
      .then(
          [=](const std::string& error, bool job_missing) {
            if (error.empty())
              reply->out[key] = json::object{{"data", done}};
            else
              reply->out[key] =
                  error_entry({job_missing ? monitor_errc::not_found
                                           : monitor_errc::bad_request,
                               error});
            reply->entry_done();
          },
          [=](const caf::error& err) {
            reply->out[key] = error_entry(
                unavailable("config watcher: " + self->system().render(err)));
            reply->entry_done();
          });
  return std::nullopt;
}

/// save_job / delete_job: the config watcher rewrites the file.
monitor_check handle_edit_job(scheduler_ptr self, const json::object& req,
                              bool save, const std::string& key,
                              pending_ptr reply) {
  auto job = string_arg(req, "job_id");
  if (!job) return std::move(job).error();
  std::string text;
  if (save) {
    const auto* v = arg(req, "job");
    if (!v || !v->is_object()) return bad_request("job: expected an object");
    text = json::serialize(*v);
  }
  return save_through_watcher(self, *job, text, save ? "saved" : "deleted", key,
                              std::move(reply));
}

/// enable_job {job_id, enabled}: the job's own object with "enabled" set,
/// saved as save_job saves.
monitor_check handle_enable_job(scheduler_ptr self, const json::object& req,
                                const std::string& key, pending_ptr reply) {
  auto job = string_arg(req, "job_id");
  if (!job) return std::move(job).error();
  const auto* v = arg(req, "enabled");
  if (!v || !v->is_bool()) return bad_request("enabled: expected a boolean");
  if (auto no = need_config(self)) return no;
  auto enabled = v->as_bool();
  auto text = job_text_with_enabled(self, *job, enabled);
  if (!text) return std::move(text).error();
  return save_through_watcher(self, *job, *text,
                              enabled ? "enabled" : "disabled", key,
                              std::move(reply));
}

/// A handler that answers at once.
using answer_now = monitor_result<json::value> (*)(scheduler_ptr,
                                                   const json::object& req);
/// A handler that answers `reply->out[key]` later, then calls
/// `reply->entry_done()`; dispatch has counted it in `reply->waiting`. A
/// refusal it returns is the entry's answer, and nothing is pending.
using answer_later = monitor_check (*)(scheduler_ptr, const json::object& req,
                                       const std::string& key,
                                       pending_ptr reply);

/// One row of the dispatch table: the name of the handler's role (whether
/// it mutates is actors/protocol/monitor_roles.hpp's) and its function:
/// `later` when `deferred`, else `now`.
struct monitor_handler {
  std::string_view name;
  answer_now now = nullptr;
  answer_later later = nullptr;
  bool deferred = false;
};

constexpr monitor_handler now(std::string_view name, answer_now f) {
  return {name, f, nullptr, false};
}

constexpr monitor_handler later(std::string_view name, answer_later f) {
  return {name, nullptr, f, true};
}

/// A `later` handler from another file, which answers through a
/// monitor_entry_done (scheduler_history.hpp).
template <monitor_check (*Ask)(scheduler_ptr, const json::object&,
                               monitor_entry_done)>
monitor_check answer_through(scheduler_ptr self, const json::object& req,
                             const std::string& key, pending_ptr reply) {
  return Ask(self, req, [key, reply](json::object entry) {
    reply->out[key] = std::move(entry);
    reply->entry_done();
  });
}

/// Whether monitor_roles has `name`. By index and by value: GCC's UBSan
/// makes a pointer's comparison with null non-constant.
constexpr bool is_role(std::string_view name) {
  for (std::size_t i = 0; i < monitor_roles.size(); ++i)
    if (monitor_roles[i].name == name) return true;
  return false;
}

/// The dispatch table: on_monitor looks every entry's handler up here.
constexpr std::array<monitor_handler, monitor_roles.size()> monitor_handlers{{
    now("errors", on_view<errors_answer>),
    now("refresh_time", on_view<refresh_time_answer>),
    now("jobs", on_view<jobs_answer>),
    now("sorted_node_names", on_view<sorted_node_names_answer>),
    now("nodes", on_view<nodes_answer>),
    now("running_tasks", handle_running_tasks),
    now("job_node_runtime", handle_job_node_runtime),
    now("histogram", on_view<histogram_answer>),
    later("task_logs", handle_task_logs),
    now("forgive_jobs", handle_forgive),
    now("kill_task", handle_kill_task),
    later("save_job",
          [](scheduler_ptr self, const json::object& req,
             const std::string& key, pending_ptr reply) {
            return handle_edit_job(self, req, true, key, std::move(reply));
          }),
    later("delete_job",
          [](scheduler_ptr self, const json::object& req,
             const std::string& key, pending_ptr reply) {
            return handle_edit_job(self, req, false, key, std::move(reply));
          }),
    now("status", [](scheduler_ptr self,
                     const json::object&) { return handle_status(self); }),
    now("job_summary", on_view<job_summary_answer>),
    now("tasks", handle_tasks),
    now("node_page", on_view<node_page_answer>),
    now("workers", [](scheduler_ptr self,
                      const json::object&) { return handle_workers(self); }),
    now("config", on_view<config_answer>),
    now("metrics", [](scheduler_ptr self,
                      const json::object&) { return handle_metrics(self); }),
    now("task", handle_task),
    now("kill_job", handle_kill_job),
    later("enable_job", handle_enable_job),
    now("drain_worker", handle_drain_worker),
    later("task_history", answer_through<ask_task_history>),
    later("job_history", answer_through<ask_job_history>),
    now("timeseries", on_view<timeseries_answer>),
    now("events", on_view<events_answer>),
}};

/// Every role has exactly one row (the table has as many rows as there are
/// roles, each row names a role, and no two rows share a name).
constexpr bool one_row_per_role() {
  for (std::size_t i = 0; i < monitor_handlers.size(); ++i) {
    if (!is_role(monitor_handlers[i].name)) return false;
    for (std::size_t j = 0; j < i; ++j)
      if (monitor_handlers[j].name == monitor_handlers[i].name) return false;
  }
  return true;
}
static_assert(one_row_per_role(),
              "monitor_handlers: one row per monitor role, one function each");

const monitor_handler* find_handler(std::string_view name) {
  for (const auto& h : monitor_handlers)
    if (h.name == name) return &h;
  return nullptr;
}

/// Answers one entry at once, or starts its asynchronous answer (and
/// counts it in `reply->waiting`).
monitor_check handle_entry(scheduler_ptr self, const std::string& key,
                           const json::value& entry, const pending_ptr& reply) {
  if (!entry.is_object()) return bad_request("expected an object");
  const auto& req = entry.as_object();
  auto name = string_arg(req, "handler");
  if (!name) return std::move(name).error();
  if (name->empty()) return bad_request("handler: missing");
  const auto* handler = find_handler(*name);
  if (!handler) return bad_request("Unknown handler: " + *name);
  if (handler->deferred) {
    ++reply->waiting;
    monitor_check refused;
    try {
      refused = handler->later(self, req, key, reply);
    } catch (...) {
      --reply->waiting;  // on_monitor answers the entry with the error
      throw;
    }
    if (refused) --reply->waiting;
    return refused;
  }
  auto answer = handler->now(self, req);
  if (!answer) return std::move(answer).error();
  reply->out[key] = json::object{{"data", std::move(*answer)}};
  return std::nullopt;
}

}  // namespace

caf::result<std::string> on_monitor(scheduler_ptr self,
                                    const std::string& request) {
  boost::system::error_code ec;
  auto doc = json::parse(request, ec);
  if (ec)
    return json::serialize(
        json::object{{"error", "monitor request: not JSON: " + ec.message()}});
  if (!doc.is_object())
    return json::serialize(
        json::object{{"error", "monitor request: expected a JSON object"}});
  auto reply = std::make_shared<pending_reply>();
  reply->waiting = 1;  // this function's own share, released below
  for (const auto& [key, entry] : doc.as_object()) {
    if (key == "prefs") continue;
    std::string name{key};
    monitor_check refused;
    // Expected refusals are values; this only keeps a bug (or a bad_alloc)
    // in one entry from taking the scheduler down.
    try {
      refused = handle_entry(self, name, entry, reply);
    } catch (const std::exception& e) {
      refused = monitor_error{monitor_errc::internal,
                              std::string{"internal error: "} + e.what()};
    }
    if (refused) reply->out[name] = error_entry(*refused);
  }
  if (reply->waiting == 1) return json_text(reply->out);
  reply->promise = self->make_response_promise<std::string>();
  auto promise = reply->promise;
  reply->entry_done();
  return promise;
}

void sample_rates(scheduler_ptr self, std::int64_t now) {
  self->state.metrics.sample(now);
}

}  // namespace bistro::scheduler_detail
