// The scheduler's answers to monitor requests (actors/protocol/monitor.md):
// the dispatcher, the read view of its state it builds per request
// (`view_of`), the effects of the mutating handlers (`scheduler_actions`),
// and the sending of the asking handlers' questions. The handlers
// themselves are plain functions in actors/monitor, looked up in the one
// table (actors/monitor/monitor_table.hpp) and called by their kind: reads
// and changes answer at once; edits have the config watcher rewrite the
// file, and asks send their question to the status store or every worker
// and hand the answers back, so a request answers through a promise once
// its last asynchronous entry is in; the asks that read the jobs' statuses
// ask the job actors, which own them (`ask_jobs`). Refusals are monitor_error
// values, never exceptions. Runs on the scheduler actor's thread.
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <array>
#include <boost/json.hpp>
#include <memory>
#include <optional>

#include "actors/monitor/monitor_args.hpp"
#include "actors/monitor/monitor_error.hpp"
#include "actors/monitor/monitor_table.hpp"
#include "actors/scheduler/drained_workers_file.hpp"
#include "actors/scheduler/scheduler_state.hpp"
#include "actors/store/status_store.hpp"
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
      .startup_wait_reason = st.options.startup_wait_reason,
      .keeps_history = static_cast<bool>(st.options.store)};
}

/// The scheduler's side of the mutating handlers (monitor_actions.hpp):
/// applies their decisions to its own state.
class scheduler_actions final : public monitor_actions {
 public:
  explicit scheduler_actions(scheduler_ptr self) : self_(self) {}

  void forgive(const std::vector<std::size_t>& jobs) override {
    // Each job forgives its tasks and stores what changed.
    for (auto j : jobs) tell_job(self_, j, job_event{tasks_forgiven{}});
    flush_jobs(self_);
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

/// An asking handler's answer, once the answers to its question are in:
/// written into the entry with a view of the state at that time.
void answer_entry(scheduler_ptr self, const ask_handler& ask,
                  const monitor_question& question, monitor_answers answers,
                  const std::string& key, const pending_ptr& reply) {
  monitor_result<json::value> answer{monitor_error{}};
  // As in on_monitor: a bug (or a bad_alloc) in the answer is the entry's
  // internal error, not the scheduler's end.
  try {
    answer = ask.answer(view_of(self), question, answers);
  } catch (const std::exception& e) {
    answer = monitor_error{monitor_errc::internal,
                           std::string{"internal error: "} + e.what()};
  }
  if (answer)
    reply->out[key] = json::object{{"data", std::move(*answer)}};
  else
    reply->out[key] = error_entry(answer.error());
  reply->entry_done();
}

/// Sends a history question to the status store; answers the entry when
/// it replies.
void ask_store(scheduler_ptr self, ask_handler ask,
               std::shared_ptr<const monitor_question> question,
               const std::string& key, const pending_ptr& reply) {
  const auto& q = std::get<history_question>(*question);
  const auto& store = self->state.options.store;
  auto done = [=](run_history_ptr page, std::string no_answer) {
    answer_entry(self, ask, *question,
                 history_answer{std::move(page), std::move(no_answer)}, key,
                 reply);
  };
  if (!store) return done(nullptr, "this scheduler has no status store");
  auto on_page = [=](const run_history_ptr& page) { done(page, ""); };
  auto on_error = [=](const caf::error& err) {
    done(nullptr, self->system().render(err));
  };
  if (q.node)
    self->request(store, ask_timeout, history_atom_v, q.job, *q.node)
        .then(on_page, on_error);
  else
    self->request(store, ask_timeout, history_atom_v, q.job, q.limit)
        .then(on_page, on_error);
}

/// Sends a task-log question to every connected worker, each with its own
/// deadline (a dead one costs every query this long, not the whole
/// request's timeout, and is named in the answer); answers the entry when
/// the last one replied or timed out.
void ask_workers(scheduler_ptr self, ask_handler ask,
                 std::shared_ptr<const monitor_question> question,
                 const std::string& key, const pending_ptr& reply) {
  const auto& lr = std::get<task_logs_question>(*question).request;
  struct gathered {
    task_logs_answers pages;
    std::size_t waiting = 0;
  };
  auto got = std::make_shared<gathered>();
  std::vector<std::pair<worker_actor, std::string>> targets;
  for (const auto& w : self->state.workers)
    if (w.handle) targets.emplace_back(w.handle, w.shard);
  if (targets.empty())
    return answer_entry(self, ask, *question, task_logs_answers{}, key, reply);
  got->waiting = targets.size();
  auto deadline =
      std::chrono::milliseconds(self->state.options.task_logs_timeout_ms);
  auto one_in = [=](worker_log_page page) {
    got->pages.push_back(std::move(page));
    if (--got->waiting == 0)
      answer_entry(self, ask, *question, std::move(got->pages), key, reply);
  };
  for (auto& [handle, shard] : targets) {
    self->request(handle, deadline, logs_atom_v, lr)
        .then(
            [=, shard = shard](log_reply& page) {
              one_in({shard, std::move(page), ""});
            },
            [=, shard = shard](const caf::error& err) {
              one_in({shard, log_reply{},
                      err == caf::sec::request_timeout
                          ? "no answer within " +
                                std::to_string(deadline.count()) + " ms"
                          : self->system().render(err)});
            });
  }
}

/// Asks each job of a jobs_question about its statuses (job_questions.hpp):
/// a request to that job's actor, which owns its row, with the exclusions
/// of the current (config, tree). The answers are awaited (nothing else is
/// handled meanwhile, so the snapshot the questions were made from is the
/// one the reply reads) and go to the entry in the question's order; a job
/// that gave none leaves the answers short, which the reply reports.
void ask_jobs(scheduler_ptr self, ask_handler ask,
              std::shared_ptr<const monitor_question> question,
              const std::string& key, const pending_ptr& reply) {
  auto& st = self->state;
  const auto& questions = std::get<jobs_question>(*question).questions;
  if (questions.empty() || !st.cfg || !st.tree)
    return answer_entry(self, ask, *question, jobs_answers{}, key, reply);
  struct gathered {
    std::vector<std::optional<job_answer>> answers;
    std::size_t waiting = 0;
  };
  auto got = std::make_shared<gathered>();
  got->answers.resize(questions.size());
  got->waiting = questions.size();
  auto one_in = [=]() {
    if (--got->waiting > 0) return;
    jobs_answers answers;
    for (auto& a : got->answers)
      if (a) answers.answers.push_back(std::move(*a));
    answer_entry(self, ask, *question, std::move(answers), key, reply);
  };
  auto ex = st.exclusions.shared(st.cfg, st.tree, st.rounds.eligibility());
  const auto now = now_ms(self);
  for (std::size_t i = 0; i < questions.size(); ++i) {
    send_told(self, questions[i].job);  // the answer counts every event
    auto q = std::make_shared<const job_monitor_question>(
        job_monitor_question{questions[i], ex, now});
    self->request(st.jobs.at(questions[i].job), ask_timeout, monitor_atom_v,
                  std::move(q))
        .await(
            [=](const job_answer_ptr& answer) {
              if (answer) got->answers[i] = std::move(*answer);
              one_in();
            },
            [=](const caf::error& err) {
              spdlog::error("monitor: job {} gave no answer: {}",
                            questions[i].job, self->system().render(err));
              one_in();
            });
  }
}

/// An asking handler (ask_handlers.hpp): the plain function's question,
/// sent to whom it names; the answer comes later. A refusal of the
/// question is the entry's answer, and nothing is asked.
monitor_check ask_for(scheduler_ptr self, const ask_handler& ask,
                      const json::object& req, const std::string& key,
                      const pending_ptr& reply) {
  auto question = ask.question(view_of(self), req);
  if (!question) return std::move(question).error();
  auto q = std::make_shared<const monitor_question>(std::move(*question));
  if (std::holds_alternative<history_question>(*q))
    ask_store(self, ask, std::move(q), key, reply);
  else if (std::holds_alternative<task_logs_question>(*q))
    ask_workers(self, ask, std::move(q), key, reply);
  else
    ask_jobs(self, ask, std::move(q), key, reply);
  return std::nullopt;
}

/// Has the config watcher set `job` to `text` ("" deletes it) and answers
/// `done` once the file is replaced.
monitor_check save_through_watcher(scheduler_ptr self, const job_edit& edit,
                                   const std::string& key,
                                   const pending_ptr& reply) {
  auto& st = self->state;
  if (!st.watcher)
    return bad_request("this scheduler has no config file to edit");
  auto done = edit.done;
  self->request(st.watcher, ask_timeout, save_atom_v, edit.job, edit.text)
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

/// A handler that answers at once (read, change), as the entry's
/// {"data": ...} or its refusal.
monitor_check answer_now(const std::string& key,
                         monitor_result<json::value> answer,
                         const pending_ptr& reply) {
  if (!answer) return std::move(answer).error();
  reply->out[key] = json::object{{"data", std::move(*answer)}};
  return std::nullopt;
}

/// A handler that answers later (edit, ask): counted in `reply->waiting`
/// unless it refused at once.
template <class Start>
monitor_check answer_later(const pending_ptr& reply, Start start) {
  ++reply->waiting;
  monitor_check refused;
  try {
    refused = start();
  } catch (...) {
    --reply->waiting;  // on_monitor answers the entry with the error
    throw;
  }
  if (refused) --reply->waiting;
  return refused;
}

/// Answers one entry at once, or starts its asynchronous answer (and
/// counts it in `reply->waiting`). The handler comes from the one table
/// (actors/monitor/monitor_table.hpp), its kind says how it is called.
monitor_check handle_entry(scheduler_ptr self, const std::string& key,
                           const json::value& entry, const pending_ptr& reply) {
  if (!entry.is_object()) return bad_request("expected an object");
  const auto& req = entry.as_object();
  auto name = string_arg(req, "handler");
  if (!name) return std::move(name).error();
  if (name->empty()) return bad_request("handler: missing");
  const auto* handler = find_monitor_handler(*name);
  if (!handler) return bad_request("Unknown handler: " + *name);
  const auto& f = handler->function;
  if (const auto* read = std::get_if<read_handler>(&f))
    return answer_now(key, (*read)(view_of(self), req), reply);
  if (const auto* change = std::get_if<change_handler>(&f)) {
    scheduler_actions actions{self};
    return answer_now(key, (*change)(view_of(self), actions, req), reply);
  }
  if (const auto* edit = std::get_if<edit_handler>(&f))
    return answer_later(reply, [&]() -> monitor_check {
      auto order = (*edit)(view_of(self), req);
      if (!order) return std::move(order).error();
      return save_through_watcher(self, *order, key, reply);
    });
  const auto& ask = std::get<ask_handler>(f);
  return answer_later(reply,
                      [&] { return ask_for(self, ask, req, key, reply); });
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
