// The monitor handlers that ask other actors (actors/protocol/monitor.md)
// and the questions they ask: `task_logs` asks every connected worker for a
// page of its task logs, `task_history` and `job_history` ask the status
// store for ended runs, and the handlers that read the jobs' status rows
// (`histogram`, `job_summary`, `status`, `metrics`, `tasks`, `task`, in
// job_handlers.hpp, status_handlers.hpp and run_handlers.hpp) ask each job
// of a jobs_question (job_questions.hpp). Each is two plain functions: one
// turns the request and the read view into the question (what to ask whom;
// a refusal is a monitor_error and nothing is asked), the other turns the
// gathered answers into the entry's answer (merging the workers' pages,
// naming the workers that gave none). The scheduler only sends the
// question and hands the answers back (actors/scheduler/
// scheduler_monitor.cpp); registered in monitor_table.hpp as `asks`.
//
// Plain logic: no CAF. Thread contract: as the view's (the caller's
// thread, during the call).
#pragma once

#include <boost/json.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "actors/monitor/job_questions.hpp"
#include "actors/monitor/monitor_error.hpp"
#include "actors/monitor/monitor_view.hpp"
#include "actors/protocol/task_log_query.hpp"
#include "actors/store/status_store.hpp"

namespace bistro {

/// A question to the status store: one task's ended runs (`node` set:
/// `history_atom, job, node`), or a job's newest `limit` ended runs across
/// its nodes (`history_atom, job, limit`).
struct history_question {
  std::string job;
  std::optional<std::string> node;
  std::uint64_t limit = 0;
};

/// The same question to every connected worker's task-log store.
struct task_logs_question {
  log_request request;
};

/// Questions to jobs about their status rows (job_questions.hpp), in the
/// order the reply reads their answers.
struct jobs_question {
  std::vector<job_question> questions;
  /// What the reply needs besides the answers (also when no job is
  /// asked). tasks: the page's size across the jobs (each job is asked for
  /// one more, so that the reply can tell whether there are more).
  std::size_t page_limit = 0;
  /// histogram: whether the reply has "samples".
  bool samples = false;

  /// A new question to job `job`, asking nothing yet: set its parts.
  job_question& ask(std::size_t job) {
    auto& q = questions.emplace_back();
    q.job = job;
    return q;
  }
};

/// What an asking handler wants to know, and of whom.
using monitor_question =
    std::variant<history_question, task_logs_question, jobs_question>;

/// The status store's answer: its page, or (page null) why none came.
struct history_answer {
  run_history_ptr page;
  /// The failure of the request (the timeout, the store gone), rendered.
  std::string no_answer;
};

/// One worker's answer to a task_logs_question.
struct worker_log_page {
  std::string shard;
  /// Its page, when `no_answer` is empty; a page with an `error` (a bad
  /// regex, a store failure) holds no lines.
  log_reply page;
  /// Why the worker gave no page ("no answer within 3000 ms", the
  /// request's failure rendered); "" when it did.
  std::string no_answer;
};

/// Every asked worker's answer, in the order they came.
using task_logs_answers = std::vector<worker_log_page>;

/// The jobs' answers to a jobs_question, one a question, in its order.
struct jobs_answers {
  std::vector<job_answer> answers;
};

/// What came back for a monitor_question (the alternative of the same
/// index).
using monitor_answers =
    std::variant<history_answer, task_logs_answers, jobs_answers>;

/// A jobs_question and its answers, checked against each other and the
/// view: one answer a question, for a job of the view's config.
struct asked_jobs {
  const jobs_question* question = nullptr;
  const jobs_answers* answers = nullptr;
};

/// `question` and `answers` as asked_jobs, or an internal error naming
/// `handler` when the dispatcher handed back something else (answers of
/// another kind, or not one a question, or a job the view does not have).
monitor_result<asked_jobs> asked_jobs_of(std::string_view handler,
                                         const monitor_view& view,
                                         const monitor_question& question,
                                         const monitor_answers& answers);

/// task_logs {log_type, jobs, nodes, sort, time | line_id, limit,
/// regex_filter}: the question to every worker.
monitor_result<monitor_question> task_logs_question_of(
    const monitor_view& view, const boost::json::object& req);

/// task_logs: the workers' pages merged, Bistro's {"next_line_id",
/// "lines": [[job, node, time_s, line, line_id], ...]} with ours
/// "unanswered": [{"worker", "why"}] when some worker gave no page;
/// unavailable (naming each worker and why) when none did.
monitor_result<boost::json::value> task_logs_reply(
    const monitor_view& view, const monitor_question& question,
    const monitor_answers& answers);

/// task_history {job_id, node_id}: the question to the status store.
monitor_result<monitor_question> task_history_question_of(
    const monitor_view& view, const boost::json::object& req);

/// task_history: {"job", "node", "history": [run, ...]}, oldest first; a
/// run is run_json's. not_found for a job or node neither the config nor
/// the store knows.
monitor_result<boost::json::value> task_history_reply(
    const monitor_view& view, const monitor_question& question,
    const monitor_answers& answers);

/// job_history {job_id, limit (default 100, at most 10000)}: the question
/// to the status store.
monitor_result<monitor_question> job_history_question_of(
    const monitor_view& view, const boost::json::object& req);

/// job_history: {"job", "limit", "runs": [run with "node", ...]}, newest
/// first. not_found for a job neither the config nor the store knows.
monitor_result<boost::json::value> job_history_reply(
    const monitor_view& view, const monitor_question& question,
    const monitor_answers& answers);

/// A history entry as the monitor shows it: {"run_id" (a string),
/// "label", "start_ms", "end_ms", "worker", "message"}.
boost::json::object run_json(const run_history_entry& run);

}  // namespace bistro
