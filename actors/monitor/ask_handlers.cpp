#include "actors/monitor/ask_handlers.hpp"

#include <algorithm>
#include <utility>

#include "actors/jobs/task_status.hpp"
#include "actors/monitor/monitor_args.hpp"
#include "actors/store/task_log_store.hpp"

namespace bistro {

namespace json = boost::json;

namespace {

constexpr std::int64_t default_job_runs = 100;
constexpr std::int64_t max_job_runs = 10000;

/// A question's answers of the kind it asked for, or an internal error
/// naming the handler (the dispatcher handed back the wrong kind).
template <class Question, class Answers>
monitor_result<std::pair<const Question*, const Answers*>> matched(
    std::string_view handler, const monitor_question& question,
    const monitor_answers& answers) {
  const auto* q = std::get_if<Question>(&question);
  const auto* a = std::get_if<Answers>(&answers);
  if (!q || !a)
    return monitor_error{
        monitor_errc::internal,
        std::string{handler} + ": the answers are not of the question's kind"};
  return std::pair{q, a};
}

/// The request to every worker, read from the entry.
monitor_result<log_request> log_request_of(const json::object& req) {
  if (req.if_contains("columns"))
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
  if (req.if_contains("time") && req.if_contains("line_id"))
    return bad_request("Cannot specify both time and line_id");
  if (req.if_contains("time")) {
    auto time = int_arg(req, "time", 0);
    if (!time) return std::move(time).error();
    lr.time_ms = *time * 1000;
  }
  if (req.if_contains("line_id")) {
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

/// job_history's "limit": from 1 to max_job_runs, default_job_runs when
/// missing or null.
monitor_result<std::int64_t> job_runs_limit(const json::object& req) {
  const auto* v = req.if_contains("limit");
  if (!v || v->is_null()) return default_job_runs;
  std::int64_t n = -1;
  if (v->is_int64())
    n = v->as_int64();
  else if (v->is_uint64())
    n = v->as_uint64() > static_cast<std::uint64_t>(max_job_runs)
            ? max_job_runs + 1
            : static_cast<std::int64_t>(v->as_uint64());
  else if (v->is_string())
    n = parse_int(v->as_string()).value_or(-1);
  if (n < 1 || n > max_job_runs)
    return bad_request("limit: expected an integer from 1 to " +
                       std::to_string(max_job_runs));
  return n;
}

/// Refused when this scheduler keeps no statuses: asking again will not
/// help (so not unavailable).
monitor_check history_kept(const monitor_view& view) {
  if (view.keeps_history) return std::nullopt;
  return bad_request(
      "no run history: this scheduler keeps no statuses (--clean_statuses, "
      "--dry_run or --benchmark_run)");
}

/// The store's page, or why there is none: the store's own failure (its
/// LMDB read) or no answer at all.
monitor_result<const run_history_page*> page_of(const history_answer& a) {
  if (!a.page)
    return unavailable("status store: no answer (" + a.no_answer + ")");
  if (!a.page->error.empty()) return unavailable(a.page->error);
  return a.page.get();
}

}  // namespace

monitor_result<asked_jobs> asked_jobs_of(std::string_view handler,
                                         const monitor_view& view,
                                         const monitor_question& question,
                                         const monitor_answers& answers) {
  auto found = matched<jobs_question, jobs_answers>(handler, question, answers);
  if (!found) return std::move(found).error();
  const auto& [q, a] = *found;
  auto wrong = [&](std::string what) {
    return monitor_error{monitor_errc::internal,
                         std::string{handler} + ": " + std::move(what)};
  };
  if (a->answers.size() != q->questions.size())
    return wrong("not one answer a job asked");
  const auto jobs = view.cfg ? view.cfg->jobs.size() : 0;
  for (std::size_t i = 0; i < q->questions.size(); ++i) {
    if (q->questions[i].job >= jobs)
      return wrong("a job the config does not have");
    if (a->answers[i].job != q->questions[i].job)
      return wrong("the answers are not in the question's order");
  }
  return asked_jobs{q, a};
}

json::object run_json(const run_history_entry& run) {
  return json::object{{"run_id", std::to_string(run.run_id)},
                      {"label", to_string(run.label)},
                      {"start_ms", run.start_ms},
                      {"end_ms", run.end_ms},
                      {"worker", run.worker},
                      {"message", run.message}};
}

monitor_result<monitor_question> task_logs_question_of(
    const monitor_view&, const json::object& req) {
  auto request = log_request_of(req);
  if (!request) return std::move(request).error();
  return monitor_question{task_logs_question{std::move(*request)}};
}

monitor_result<json::value> task_logs_reply(const monitor_view&,
                                            const monitor_question& question,
                                            const monitor_answers& answers) {
  auto found = matched<task_logs_question, task_logs_answers>(
      "task_logs", question, answers);
  if (!found) return std::move(found).error();
  const auto& lr = found->first->request;
  const bool ascending = lr.ascending;
  const auto limit = static_cast<std::size_t>(lr.limit);

  std::vector<log_reply_line> lines;
  std::optional<std::int64_t> cut;  // where the first incomplete page ends
  /// (shard, why) of each worker that gave no page.
  std::vector<std::pair<std::string, std::string>> unanswered;
  std::size_t answered = 0;
  for (const auto& w : *found->second) {
    if (!w.no_answer.empty()) {
      unanswered.emplace_back(w.shard, w.no_answer);
      continue;
    }
    if (!w.page.error.empty()) {
      unanswered.emplace_back(w.shard, w.page.error);
      continue;
    }
    ++answered;
    auto next = w.page.next_line_id;
    if (next >= 0 && (!cut || (ascending ? next < *cut : next > *cut)))
      cut = next;
    lines.insert(lines.end(), w.page.lines.begin(), w.page.lines.end());
  }
  if (answered == 0 && !unanswered.empty()) {
    std::string message;
    for (const auto& [shard, why] : unanswered)
      message += (message.empty() ? "" : "; ") + shard + ": " + why;
    return unavailable(std::move(message));
  }
  // A line past the first incomplete page's end may hide one of that
  // worker's lines that precedes it: cut there.
  std::erase_if(lines, [&](const log_reply_line& l) {
    return cut && !(ascending ? l.line_id < *cut : l.line_id > *cut);
  });
  std::sort(lines.begin(), lines.end(), [&](const auto& a, const auto& b) {
    return ascending ? a.line_id < b.line_id : a.line_id > b.line_id;
  });
  std::optional<std::int64_t> next = cut;
  if (lines.size() > limit) {
    next = lines[limit].line_id;
    lines.resize(limit);
  }
  json::array out;
  for (const auto& l : lines)
    out.emplace_back(json::array{l.job, l.node, l.time_ms / 1000, l.line,
                                 std::to_string(l.line_id)});
  json::object data{{"next_line_id", std::to_string(next.value_or(-1))},
                    {"lines", std::move(out)}};
  // Ours: the lines above lack these workers' lines.
  if (!unanswered.empty()) {
    json::array names;
    for (const auto& [shard, why] : unanswered)
      names.emplace_back(json::object{{"worker", shard}, {"why", why}});
    data["unanswered"] = std::move(names);
  }
  return data;
}

monitor_result<monitor_question> task_history_question_of(
    const monitor_view& view, const json::object& req) {
  auto job = name_arg(req, "job_id");
  if (!job) return std::move(job).error();
  auto node = name_arg(req, "node_id");
  if (!node) return std::move(node).error();
  if (auto refused = history_kept(view)) return std::move(*refused);
  return monitor_question{
      history_question{std::move(*job), std::move(*node), 0}};
}

monitor_result<json::value> task_history_reply(const monitor_view& view,
                                               const monitor_question& question,
                                               const monitor_answers& answers) {
  auto found = matched<history_question, history_answer>("task_history",
                                                         question, answers);
  if (!found) return std::move(found).error();
  const auto& q = *found->first;
  auto page = page_of(*found->second);
  if (!page) return std::move(page).error();
  const auto& job = q.job;
  const auto node = q.node.value_or("");
  // An unknown name is a typo unless the store remembers runs of it (a job
  // or node since removed).
  if ((*page)->runs.empty() && view.has_config()) {
    if (!view.cfg->find_job(job)) return not_found("Unknown job " + job);
    if (!view.tree->find(node)) return not_found("Unknown node " + node);
  }
  json::array runs;
  for (const auto& r : (*page)->runs) runs.push_back(run_json(r.run));
  return json::object{
      {"job", job}, {"node", node}, {"history", std::move(runs)}};
}

monitor_result<monitor_question> job_history_question_of(
    const monitor_view& view, const json::object& req) {
  auto job = name_arg(req, "job_id");
  if (!job) return std::move(job).error();
  auto limit = job_runs_limit(req);
  if (!limit) return std::move(limit).error();
  if (auto refused = history_kept(view)) return std::move(*refused);
  return monitor_question{history_question{std::move(*job), std::nullopt,
                                           static_cast<std::uint64_t>(*limit)}};
}

monitor_result<json::value> job_history_reply(const monitor_view& view,
                                              const monitor_question& question,
                                              const monitor_answers& answers) {
  auto found = matched<history_question, history_answer>("job_history",
                                                         question, answers);
  if (!found) return std::move(found).error();
  const auto& q = *found->first;
  auto page = page_of(*found->second);
  if (!page) return std::move(page).error();
  if ((*page)->runs.empty() && view.cfg && !view.cfg->find_job(q.job))
    return not_found("Unknown job " + q.job);
  json::array runs;
  for (const auto& r : (*page)->runs) {
    auto o = run_json(r.run);
    o["node"] = r.node;
    runs.push_back(std::move(o));
  }
  return json::object{{"job", q.job},
                      {"limit", static_cast<std::int64_t>(q.limit)},
                      {"runs", std::move(runs)}};
}

}  // namespace bistro
