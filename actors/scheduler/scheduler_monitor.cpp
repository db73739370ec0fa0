// The scheduler's answers to monitor requests (actors/protocol/monitor.md):
// the dispatch table, the read view of its state it builds per request
// (`view_of`), and the effects of the mutating handlers
// (`scheduler_actions`). The handlers themselves are plain functions in
// actors/monitor, called through `on_view` (reads) or `on_actions`
// (changes); `task_logs` asks every worker and `save_job`, `delete_job`
// and `enable_job` have the config watcher rewrite the file, so a request
// answers through a promise once its last asynchronous entry is in.
// Refusals are monitor_error values, never exceptions. Runs on the
// scheduler actor's thread.
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <array>
#include <boost/json.hpp>
#include <memory>
#include <optional>

#include "actors/monitor/activity_handlers.hpp"
#include "actors/monitor/bistro_monitor_format.hpp"
#include "actors/monitor/change_handlers.hpp"
#include "actors/monitor/config_handlers.hpp"
#include "actors/monitor/job_handlers.hpp"
#include "actors/monitor/monitor_args.hpp"
#include "actors/monitor/monitor_error.hpp"
#include "actors/monitor/run_handlers.hpp"
#include "actors/monitor/status_handlers.hpp"
#include "actors/protocol/monitor_roles.hpp"
#include "actors/scheduler/drained_workers_file.hpp"
#include "actors/scheduler/scheduler_history.hpp"
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

/// Every worker slot as the monitor shows it, by worker_index.
std::vector<worker_summary> worker_summaries(scheduler_ptr self) {
  const auto& st = self->state;
  std::vector<worker_summary> out;
  out.reserve(st.workers.size());
  for (worker_index w = 0; w < st.workers.size(); ++w) {
    const auto& slot = st.workers[w];
    worker_summary s;
    s.connected = static_cast<bool>(slot.handle);
    s.shard = slot.shard;
    s.host = slot.host;
    s.remote = slot.remote;
    s.drained = st.workers.drained(slot.shard);
    s.start_ms = slot.start_ms;
    s.pid = static_cast<std::int64_t>(::getpid());
    if (slot.remote) s.record = st.workers.health().find(slot.shard);
    s.memory_mb = slot.physical.memory_mb;
    s.cpu_cores = slot.physical.cpu_cores;
    for (const auto& g : slot.physical.gpus)
      s.gpus.push_back({g.name, g.pci_bus_id, g.memory_mb});
    s.physical_error = slot.physical.error;
    if (st.cfg && s.connected) s.resource_limits = st.rounds.worker_limits(w);
    out.push_back(std::move(s));
  }
  return out;
}

/// The read view of this scheduler's state for one monitor request.
monitor_view view_of(scheduler_ptr self) {
  const auto& st = self->state;
  auto workers = std::make_shared<std::optional<std::vector<worker_summary>>>();
  return monitor_view{
      .cfg = st.cfg.get(),
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
      .events = st.events,
      .runs = st.runs,
      .metrics = st.metrics,
      .persisted = st.to_persist,
      .workers = [self, workers]() -> const std::vector<worker_summary>& {
        if (!*workers) *workers = worker_summaries(self);
        return **workers;
      },
      .known_worker =
          [self](const std::string& shard) {
            return self->state.workers.known(shard);
          },
      .started_ms = st.started_ms,
      .startup_wait_until_ms = st.started_ms + st.options.startup_wait_ms,
      .startup_wait_reason = st.options.startup_wait_reason};
}

/// A handler over the read view (actors/monitor), as a row of the table.
template <monitor_result<json::value> (*Answer)(const monitor_view&,
                                                const json::object&)>
monitor_result<json::value> on_view(scheduler_ptr self,
                                    const json::object& req) {
  return Answer(view_of(self), req);
}

/// The scheduler's side of the mutating handlers (monitor_actions.hpp):
/// applies their decisions to its own state.
class scheduler_actions final : public monitor_actions {
 public:
  explicit scheduler_actions(scheduler_ptr self) : self_(self) {}

  void forgive(const std::vector<std::size_t>& jobs) override {
    auto& st = self_->state;
    for (auto j : jobs) {
      auto& row = *st.rows[j];
      for (auto n : st.tree->nodes_at_level(st.cfg->jobs[j].level_for_tasks)) {
        auto before = row.record(n);
        row.forgive(n);
        if (row.record(n) != before) persist(self_, j, n, 0, nullptr, 0);
      }
    }
    flush_persist(self_);
    poke(self_);
  }

  void kill(std::uint64_t id) override {
    auto& st = self_->state;
    auto it = st.runs.find(id);
    if (it == st.runs.end() || !st.cfg) return;
    auto& run = it->second;
    const auto* job = st.cfg->find_job(run.job);
    if (!job || run.worker >= st.workers.size() ||
        !st.workers[run.worker].handle)
      return;
    note_kill_sent(self_, run);
    self_->send(st.workers[run.worker].handle, kill_atom_v,
                kill_order{run.job, run.node, id, job->kill_subprocess});
  }

  monitor_check set_drained(const std::string& shard, bool drain,
                            std::optional<worker_index> w) override {
    auto& st = self_->state;
    if (st.workers.set_drained(shard, drain) &&
        !st.options.drained_workers_file.empty())
      if (auto err = save_drained_workers(st.options.drained_workers_file,
                                          st.workers.drained_shards())) {
        st.workers.set_drained(shard, !drain);
        return unavailable("the drain is not kept: " + *err);
      }
    if (!w) return std::nullopt;
    if (drain) {
      st.rounds.remove_worker(*w);
    } else if (!st.workers[*w].remote || st.workers.health().usable(shard)) {
      st.rounds.add_worker(shard, st.workers[*w].host, st.workers[*w].port);
      poke(self_);
    }
    return std::nullopt;
  }

  void record_event(std::string kind, std::string subject,
                    std::string message) override {
    scheduler_detail::record_event(self_, std::move(kind), std::move(subject),
                                   std::move(message));
  }

 private:
  scheduler_ptr self_;
};

/// A mutating handler (actors/monitor/change_handlers.hpp), as a row of
/// the table: it decides over the view and acts through the scheduler's
/// monitor_actions.
template <monitor_result<json::value> (*Change)(
    const monitor_view&, monitor_actions&, const json::object&)>
monitor_result<json::value> on_actions(scheduler_ptr self,
                                       const json::object& req) {
  scheduler_actions actions{self};
  return Change(view_of(self), actions, req);
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
                                   const std::string& text,
                                   const std::string& done,
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

/// A handler that answers at once.
using answer_now = monitor_result<json::value> (*)(scheduler_ptr,
                                                   const json::object& req);
/// A handler that answers `reply->out[key]` later, then calls
/// `reply->entry_done()`; dispatch has counted it in `reply->waiting`. A
/// refusal it returns is the entry's answer, and nothing is pending.
using answer_later = monitor_check (*)(scheduler_ptr, const json::object& req,
                                       const std::string& key,
                                       pending_ptr reply);

/// One row of the dispatch table: the name of the handler's role in
/// actors/protocol/monitor_roles.hpp, its function (`later` when
/// `deferred`, else `now`), and whether that function can change anything,
/// which follows from its kind (see the constructors below) and must equal
/// the role's `mutates` (checked at compile time).
struct monitor_handler {
  std::string_view name;
  answer_now now = nullptr;
  answer_later later = nullptr;
  bool deferred = false;
  bool changes = false;
};

/// save_job, delete_job, enable_job: the order a plain function
/// (change_handlers.hpp) makes of the entry, carried out by the config
/// watcher.
template <monitor_result<job_edit> (*Edit)(const monitor_view&,
                                           const json::object&)>
monitor_check edit_through_watcher(scheduler_ptr self, const json::object& req,
                                   const std::string& key, pending_ptr reply) {
  auto edit = Edit(view_of(self), req);
  if (!edit) return std::move(edit).error();
  return save_through_watcher(self, edit->job, edit->text, edit->done, key,
                              std::move(reply));
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

/// A plain handler over the read view (actors/monitor): it cannot change
/// anything.
template <monitor_result<json::value> (*Answer)(const monitor_view&,
                                                const json::object&)>
constexpr monitor_handler reads(std::string_view name) {
  return {name, on_view<Answer>, nullptr, false, false};
}

/// A plain handler that acts through monitor_actions (change_handlers.hpp).
template <monitor_result<json::value> (*Change)(
    const monitor_view&, monitor_actions&, const json::object&)>
constexpr monitor_handler changes(std::string_view name) {
  return {name, on_actions<Change>, nullptr, false, true};
}

/// A plain function's order to the config watcher (change_handlers.hpp).
template <monitor_result<job_edit> (*Edit)(const monitor_view&,
                                           const json::object&)>
constexpr monitor_handler edits(std::string_view name) {
  return {name, nullptr, edit_through_watcher<Edit>, true, true};
}

/// A read-only question to other actors, answered later.
constexpr monitor_handler asks(std::string_view name, answer_later f) {
  return {name, nullptr, f, true, false};
}

/// The index of role `name` in monitor_roles (its size when none). By
/// index and by value: GCC's UBSan makes a pointer's comparison with null
/// non-constant.
constexpr std::size_t role_index(std::string_view name) {
  for (std::size_t i = 0; i < monitor_roles.size(); ++i)
    if (monitor_roles[i].name == name) return i;
  return monitor_roles.size();
}

/// The dispatch table: on_monitor looks every entry's handler up here.
constexpr std::array<monitor_handler, monitor_roles.size()> monitor_handlers{{
    reads<errors_answer>("errors"),
    reads<refresh_time_answer>("refresh_time"),
    reads<jobs_answer>("jobs"),
    reads<sorted_node_names_answer>("sorted_node_names"),
    reads<nodes_answer>("nodes"),
    reads<running_tasks_answer>("running_tasks"),
    reads<job_node_runtime_answer>("job_node_runtime"),
    reads<histogram_answer>("histogram"),
    asks("task_logs", handle_task_logs),
    changes<forgive_jobs_answer>("forgive_jobs"),
    changes<kill_task_answer>("kill_task"),
    edits<save_job_edit>("save_job"),
    edits<delete_job_edit>("delete_job"),
    reads<status_answer>("status"),
    reads<job_summary_answer>("job_summary"),
    reads<tasks_answer>("tasks"),
    reads<node_page_answer>("node_page"),
    reads<workers_answer>("workers"),
    reads<config_answer>("config"),
    reads<metrics_answer>("metrics"),
    reads<task_answer>("task"),
    changes<kill_job_answer>("kill_job"),
    edits<enable_job_edit>("enable_job"),
    changes<drain_worker_answer>("drain_worker"),
    asks("task_history", answer_through<ask_task_history>),
    asks("job_history", answer_through<ask_job_history>),
    reads<timeseries_answer>("timeseries"),
    reads<events_answer>("events"),
}};

/// Every role has exactly one row (the table has as many rows as there are
/// roles, each row names a role, and no two rows share a name).
constexpr bool one_row_per_role() {
  for (std::size_t i = 0; i < monitor_handlers.size(); ++i) {
    if (role_index(monitor_handlers[i].name) == monitor_roles.size())
      return false;
    for (std::size_t j = 0; j < i; ++j)
      if (monitor_handlers[j].name == monitor_handlers[i].name) return false;
  }
  return true;
}
static_assert(one_row_per_role(),
              "monitor_handlers: one row per monitor role, one function each");

/// A role mutates exactly when its function is of a kind that can change
/// something: the token checks derived from monitor_roles cover every
/// handler that acts.
constexpr bool mutates_as_its_role() {
  for (const auto& h : monitor_handlers) {
    auto r = role_index(h.name);
    if (r == monitor_roles.size() || monitor_roles[r].mutates != h.changes)
      return false;
  }
  return true;
}
static_assert(mutates_as_its_role(),
              "monitor_handlers: a role's `mutates` (monitor_roles.hpp) must "
              "match its function's kind (reads/asks or changes/edits)");

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
