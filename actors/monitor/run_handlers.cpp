#include "actors/monitor/run_handlers.hpp"

#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>

#include "actors/jobs/task_status.hpp"
#include "actors/monitor/config_handlers.hpp"
#include "actors/monitor/job_handlers.hpp"
#include "actors/monitor/monitor_args.hpp"

namespace bistro {

namespace json = boost::json;

namespace {

/// The runs of the jobs an entry's "jobs" names (all when none), as
/// job -> node -> `value(run)`.
template <class Value>
monitor_result<json::value> runs_by_job(const monitor_view& view,
                                        const json::object& req, Value value) {
  auto names = strings_arg(req, "jobs");
  if (!names) return std::move(names).error();
  std::unordered_set<std::string> wanted(names->begin(), names->end());
  json::object out;
  for (const auto& [id, run] : view.runs) {
    if (!wanted.empty() && !wanted.count(run.job)) continue;
    auto& by_job = out[run.job];
    if (!by_job.is_object()) by_job = json::object{};
    by_job.as_object()[run.node] = value(id, run);
  }
  return out;
}

std::string joined(const std::vector<std::string>& parts) {
  std::string out;
  for (const auto& p : parts) out += (out.empty() ? "" : "; ") + p;
  return out;
}

}  // namespace

void add_run_usage(const run_info& run, json::object& out) {
  out["state"] = run.killing_since_ms > 0 ? "killing" : "running";
  if (run.killing_since_ms > 0) out["killing_since_ms"] = run.killing_since_ms;
  if (run.memory_bytes >= 0) out["memory_bytes"] = run.memory_bytes;
  if (run.cpu_time_ns >= 0)
    out["cpu_seconds"] = static_cast<double>(run.cpu_time_ns) / 1e9;
  if (run.usage_ms > 0 && (run.memory_bytes >= 0 || run.cpu_time_ns >= 0))
    out["usage_ms"] = run.usage_ms;
}

std::string_view run_worker_shard(const monitor_view& view,
                                  const run_info& run) {
  const auto& workers = view.workers();
  return run.worker < workers.size()
             ? std::string_view{workers[run.worker].shard}
             : std::string_view{};
}

monitor_result<json::value> running_tasks_answer(const monitor_view& view,
                                                 const json::object& req) {
  return runs_by_job(view, req, [&](std::uint64_t id, const run_info& run) {
    json::object o{{"start_time", run.start_ms / 1000},
                   {"worker_shard", run_worker_shard(view, run)},
                   {"run_id", std::to_string(id)}};
    // What its cgroups use, from its worker's last heartbeat.
    add_run_usage(run, o);
    return o;
  });
}

monitor_result<json::value> job_node_runtime_answer(const monitor_view& view,
                                                    const json::object& req) {
  auto now_s = view.now_ms / 1000;
  return runs_by_job(view, req, [&](std::uint64_t, const run_info& run) {
    return now_s - run.start_ms / 1000;
  });
}

monitor_result<monitor_question> tasks_question_of(const monitor_view& view,
                                                   const json::object& req) {
  if (auto no = need_config(view)) return std::move(*no);
  const auto& cfg = *view.cfg;
  const auto& tree = *view.tree;
  auto job_arg = string_arg(req, "job");
  if (!job_arg) return std::move(job_arg).error();
  auto state_arg = string_arg(req, "state");
  if (!state_arg) return std::move(state_arg).error();
  const auto& job_filter = *job_arg;
  auto state_name = *state_arg;
  // A status label, or a reason the job does not run on a node.
  std::optional<task_status_filter> only;
  if (!state_name.empty()) {
    auto state = status_label_from_string(state_name);
    if (state)
      state_name = to_string(*state);  // `backoff` is error_backoff
    else if (state_name == to_string(exclusion::avoided) ||
             state_name == to_string(exclusion::disabled))
      state = status_label::never_started;
    else
      return bad_request("state: unknown status " + state_name);
    only = task_status_filter{*state, state_name};
  }
  auto limit_arg = page_limit_arg(req);
  if (!limit_arg) return std::move(limit_arg).error();
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
  jobs_question out;
  out.page_limit = *limit_arg;
  for (std::size_t j = 0; j < cfg.jobs.size(); ++j) {
    const auto& job = cfg.jobs[j];
    if (!job_filter.empty() && job.name != job_filter) continue;
    if (!after_job.empty() && job.name < after_job) continue;
    auto& page = out.ask(j).page.emplace();
    if (job.name == after_job) page.after = tree.find(after_node);
    page.only = only;
    page.limit = *limit_arg + 1;
  }
  return monitor_question{std::move(out)};
}

monitor_result<json::value> tasks_reply(const monitor_view& view,
                                        const monitor_question& question,
                                        const monitor_answers& answers) {
  auto asked = asked_jobs_of("tasks", view, question, answers);
  if (!asked) return std::move(asked).error();
  const auto limit = asked->question->page_limit;
  json::array tasks;
  // Tasks of the page that run: their run details are filled in below, in
  // one pass over the running runs (not a map of all of them per page).
  // Views into the config and the answers, which outlive this call.
  std::unordered_map<std::string_view,
                     std::unordered_map<std::string_view, std::size_t>>
      running_on_page;
  std::string last;
  bool more = false;
  for (const auto& a : asked->answers->answers) {
    const auto& job = view.cfg->jobs[a.job];
    for (const auto& t : a.page) {
      if (tasks.size() == limit) {
        more = true;
        break;
      }
      json::object o{{"job", job.name}, {"node", t.node}, {"status", t.status}};
      if (t.label == status_label::running)
        running_on_page[job.name].emplace(t.node, tasks.size());
      tasks.emplace_back(std::move(o));
      last = job.name + '/' + t.node;
    }
    if (more) break;
  }
  if (!running_on_page.empty()) {
    const auto& workers = view.workers();
    for (const auto& [id, run] : view.runs) {
      auto by_job = running_on_page.find(run.job);
      if (by_job == running_on_page.end()) continue;
      auto it = by_job->second.find(run.node);
      if (it == by_job->second.end()) continue;
      auto& t = tasks[it->second].as_object();
      if (run.worker < workers.size()) t["worker"] = workers[run.worker].shard;
      t["start_ms"] = run.start_ms;
      t["run_id"] = std::to_string(id);
      // "killing" or "running", and what its cgroups use.
      add_run_usage(run, t);
    }
  }
  json::value next = nullptr;
  if (more) next = last;
  return json::object{{"tasks", std::move(tasks)}, {"next", next}};
}

monitor_result<monitor_question> task_question_of(const monitor_view& view,
                                                  const json::object& req) {
  auto job_arg = name_arg(req, "job_id");
  if (!job_arg) return std::move(job_arg).error();
  auto node_arg = name_arg(req, "node_id");
  if (!node_arg) return std::move(node_arg).error();
  const auto& job_name = *job_arg;
  const auto& node_name = *node_arg;
  if (auto no = need_config(view)) return std::move(*no);
  const auto& cfg = *view.cfg;
  const auto& tree = *view.tree;
  const auto* job = cfg.find_job(job_name);
  if (!job) return not_found("Unknown job " + job_name);
  auto j = static_cast<std::size_t>(job - cfg.jobs.data());
  auto node = tree.find(node_name);
  if (!node) return not_found("Unknown node " + node_name);
  if (tree.level(*node) != job->level_for_tasks)
    return bad_request("node " + node_name + " is on level " +
                       cfg.levels[tree.level(*node)] + ", and job " + job_name +
                       " runs on level " + cfg.levels[job->level_for_tasks]);
  jobs_question out;
  out.ask(j).records_of = {*node};
  return monitor_question{std::move(out)};
}

monitor_result<json::value> task_reply(const monitor_view& view,
                                       const monitor_question& question,
                                       const monitor_answers& answers) {
  auto asked = asked_jobs_of("task", view, question, answers);
  if (!asked) return std::move(asked).error();
  const auto& questions = asked->question->questions;
  const auto& job_answers = asked->answers->answers;
  if (questions.size() != 1 || questions[0].records_of.size() != 1 ||
      job_answers[0].records.size() != 1)
    return monitor_error{monitor_errc::internal,
                         "task: not one task's record asked and answered"};
  const auto& job = view.cfg->jobs[questions[0].job];
  const auto node = questions[0].records_of[0];
  const auto& tree = *view.tree;
  std::string node_name{tree.name(node)};
  json::object out{{"job", job.name},
                   {"node", node_name},
                   {"status", status_to_json(job_answers[0].records[0])},
                   {"job_state", job_state(job)},
                   {"node_enabled", tree.enabled(node)}};
  if (!job.errors.empty()) out["job_errors"] = joined(job.errors);
  for (const auto& [id, run] : view.runs) {
    if (run.job != job.name || run.node != node_name) continue;
    json::object r{{"run_id", std::to_string(id)}, {"start_ms", run.start_ms}};
    const auto& workers = view.workers();
    if (run.worker < workers.size()) {
      r["worker"] = workers[run.worker].shard;
      r["host"] = workers[run.worker].host;
    }
    if (run.kill_sent) r["kill_sent"] = true;
    add_run_usage(run, r);
    out["run"] = std::move(r);
  }
  return out;
}

}  // namespace bistro
