#include "apps/shell/reply_view.hpp"

#include <algorithm>
#include <array>
#include <cstdio>
#include <map>

#include "apps/shell/text_table.hpp"
#include "config/json_text.hpp"

namespace bistro::shell {

namespace json = boost::json;

namespace {

/// Bistro's status names in their natural order, then the nodes a job does
/// not run on (its filters exclude them, or they are disabled); others
/// follow by name.
constexpr std::array<std::string_view, 11> status_order = {
    "running",       "done",    "incomplete",    "incomplete_backoff",
    "error_backoff", "failed",  "never_started", "was_not_running",
    "worker_lost",   "avoided", "disabled"};

const json::value* field(const json::value& v, std::string_view key) {
  if (!v.is_object()) return nullptr;
  return v.as_object().if_contains(key);
}

std::int64_t int_of(const json::value* v, std::int64_t fallback = 0) {
  if (!v) return fallback;
  if (v->is_int64()) return v->as_int64();
  if (v->is_uint64()) return static_cast<std::int64_t>(v->as_uint64());
  if (v->is_double()) return static_cast<std::int64_t>(v->as_double());
  if (v->is_string()) {
    try {
      return std::stoll(std::string{v->as_string()});
    } catch (const std::exception&) {
    }
  }
  return fallback;
}

double double_of(const json::value* v) {
  if (!v) return 0;
  if (v->is_double()) return v->as_double();
  return static_cast<double>(int_of(v));
}

/// A value as a person reads it: strings unquoted, the rest as JSON.
std::string text_of(const json::value* v) {
  if (!v || v->is_null()) return "";
  if (v->is_string()) return std::string{v->as_string()};
  if (v->is_bool()) return v->as_bool() ? "yes" : "no";
  if (v->is_double()) {  // a table reads 2, not 2.0
    char buf[32];
    std::snprintf(buf, sizeof(buf), "%.15g", v->as_double());
    return buf;
  }
  return json_text(*v);
}

std::string rate(double per_s) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.1f/s", per_s);
  return buf;
}

std::string joined(const json::value* list, std::string_view sep = ", ") {
  std::string out;
  if (!list || !list->is_array()) return out;
  for (const auto& v : list->as_array())
    out += (out.empty() ? "" : std::string{sep}) + text_of(&v);
  return out;
}

/// Status names present in any of `counts` objects, in status order.
std::vector<std::string> status_columns(
    const std::vector<const json::value*>& counts) {
  std::vector<std::string> present, others;
  for (const auto* c : counts)
    if (c && c->is_object())
      for (const auto& [name, n] : c->as_object())
        if (std::find(present.begin(), present.end(), name) == present.end())
          present.emplace_back(name);
  std::vector<std::string> out;
  for (auto s : status_order)
    if (std::find(present.begin(), present.end(), s) != present.end())
      out.emplace_back(s);
  for (const auto& s : present)
    if (std::find(out.begin(), out.end(), s) == out.end()) others.push_back(s);
  std::sort(others.begin(), others.end());
  out.insert(out.end(), others.begin(), others.end());
  return out;
}

/// "done 3, running 1": counts in status order.
std::string counts_text(const json::value* counts) {
  std::string out;
  for (const auto& s : status_columns({counts}))
    out += (out.empty() ? "" : ", ") + s + " " +
           std::to_string(int_of(field(*counts, s)));
  return out.empty() ? "none" : out;
}

std::string ago(std::int64_t now_ms, std::int64_t then_ms) {
  if (then_ms <= 0) return "-";
  return format_age_ms(now_ms - then_ms) + " ago";
}

view_result failed(std::string why) { return {{}, std::move(why)}; }

/// The main entry's data, or the command's failure.
const json::value* main_data(const monitor_reply& reply, std::string& why) {
  if (!reply.error.empty()) {
    why = reply.error;
    return nullptr;
  }
  return reply.data(main_entry, why);
}

view_result show_status(const json::value& d, const view_options& o) {
  std::vector<std::pair<std::string, std::string>> f;
  auto config_ms = int_of(field(d, "config_ms"));
  f.emplace_back("config", config_ms ? format_time_ms(config_ms) + " (" +
                                           ago(o.now_ms, config_ms) + ")"
                                     : "not loaded yet");
  f.emplace_back("started", format_time_ms(int_of(field(d, "started_ms"))));
  if (const auto* wait = field(d, "startup_wait")) {
    auto until = int_of(field(*wait, "until_ms"));
    auto now = int_of(field(d, "now_ms"), o.now_ms);
    auto reason = text_of(field(*wait, "reason"));
    if (until > now)
      f.emplace_back("startup wait",
                     "no task starts for " + format_age_ms(until - now) +
                         " more (until " + format_time_ms(until) +
                         "): " + reason);
    else if (until > int_of(field(d, "started_ms")))
      f.emplace_back("startup wait", "over since " + format_time_ms(until));
  }
  f.emplace_back("enabled", text_of(field(d, "enabled")));
  const auto* errors = field(d, "errors");
  if (!errors || !errors->is_object() || errors->as_object().empty())
    f.emplace_back("errors", "none");
  else
    for (const auto& [source, message] : errors->as_object())
      f.emplace_back("error: " + std::string{source}, text_of(&message));
  auto invalid = int_of(field(d, "invalid_jobs"));
  f.emplace_back("jobs", text_of(field(d, "jobs")) +
                             (invalid ? " (" + std::to_string(invalid) +
                                            " invalid: see errors)"
                                      : ""));
  f.emplace_back("nodes", text_of(field(d, "nodes")));
  f.emplace_back("tasks", counts_text(field(d, "counts")));
  f.emplace_back("running", text_of(field(d, "running")));
  std::string workers;
  if (const auto* w = field(d, "workers"); w && w->is_object())
    for (const auto& [health, n] : w->as_object())
      workers += (workers.empty() ? "" : ", ") + std::string{health} + " " +
                 text_of(&n);
  f.emplace_back("workers", workers.empty() ? "none" : workers);
  f.emplace_back("rounds", text_of(field(d, "rounds")) + " (" +
                               rate(double_of(field(d, "rounds_per_s"))) + ")");
  f.emplace_back("tasks started", text_of(field(d, "tasks_started")));
  f.emplace_back("tasks finished",
                 text_of(field(d, "tasks_finished")) + " (" +
                     rate(double_of(field(d, "tasks_per_s"))) + ")");
  return {render_fields(f, o.width), {}};
}

/// "ok", "disabled", "invalid" or "blocked" (job_summary's state; from
/// "enabled" for a scheduler that does not say).
std::string job_state_of(const json::value& job) {
  if (const auto* state = field(job, "state")) return text_of(state);
  const auto* enabled = field(job, "enabled");
  return enabled && enabled->is_bool() && !enabled->as_bool() ? "disabled"
                                                              : "ok";
}

view_result show_jobs(const json::value& d, const command& cmd,
                      const view_options& o) {
  if (!d.is_object()) return failed("job_summary: expected an object");
  std::vector<const json::value*> counts;
  for (const auto& [name, job] : d.as_object())
    counts.push_back(field(job, "counts"));
  auto statuses = status_columns(counts);
  using enum column_fit;
  text_table t;
  t.headers = {"JOB", "STATE", "PRIORITY", "LEVEL"};
  t.fits = {name, shrink, count, name};
  for (const auto& s : statuses) {
    t.headers.push_back(s);
    t.fits.push_back(count);
  }
  t.headers.push_back("ERRORS");
  t.fits.push_back(wrap);
  auto limit = static_cast<std::size_t>(default_limit(cmd.kind));
  for (const auto& [name, job] : d.as_object()) {
    if (t.rows.size() == limit) break;
    std::vector<std::string> row = {std::string{name}, job_state_of(job),
                                    text_of(field(job, "priority")),
                                    text_of(field(job, "level_for_tasks"))};
    const auto* c = field(job, "counts");
    for (const auto& s : statuses)
      row.push_back(std::to_string(c ? int_of(field(*c, s)) : 0));
    row.push_back(joined(field(job, "errors"), "; "));
    t.rows.push_back(std::move(row));
  }
  if (t.rows.empty()) return {"no jobs\n", {}};
  return {render_table(t, o.width) +
              more_line(d.as_object().size() - t.rows.size(), "jobs"),
          {}};
}

view_result show_job(const json::value& d, const command& cmd,
                     const view_options& o) {
  const auto* job = field(d, cmd.job);
  if (!job) return failed("unknown job " + cmd.job);
  std::vector<std::pair<std::string, std::string>> f = {
      {"job", cmd.job},
      {"state", job_state_of(*job)},
      {"enabled", text_of(field(*job, "enabled"))},
      {"runnable", text_of(field(*job, "runnable"))},
      {"owner", text_of(field(*job, "owner"))},
      {"priority", text_of(field(*job, "priority"))},
      {"level_for_tasks", text_of(field(*job, "level_for_tasks"))},
      {"backoff", joined(field(*job, "backoff"))},
      {"depends_on", joined(field(*job, "depends_on"))},
  };
  auto errors = joined(field(*job, "errors"), "; ");
  f.emplace_back("errors", errors.empty() ? "none" : errors);
  if (const auto* blocked = field(*job, "blocked"))
    f.emplace_back("blocked", text_of(blocked));
  std::string out = render_fields(f, o.width) + "\n";
  text_table counts{
      {"STATUS", "TASKS"}, {}, {column_fit::shrink, column_fit::count}};
  const auto* c = field(*job, "counts");
  for (const auto& s : status_columns({c}))
    counts.rows.push_back({s, std::to_string(int_of(field(*c, s)))});
  out += counts.rows.empty() ? "no tasks\n" : render_table(counts, o.width);
  const auto* failed_nodes = field(*job, "failed_nodes");
  if (failed_nodes && failed_nodes->is_array() &&
      !failed_nodes->as_array().empty()) {
    text_table t{{"FAILED NODE"}, {}, {column_fit::name}};
    for (const auto& n : failed_nodes->as_array())
      t.rows.push_back({text_of(&n)});
    out += "\n" + render_table(t, o.width);
    out += more_line(static_cast<std::size_t>(std::max<std::int64_t>(
                         0, int_of(field(*job, "failed_more")))),
                     "failed nodes", "use --limit");
  }
  return {out, {}};
}

view_result show_nodes(const json::value& d, const view_options& o) {
  const auto* nodes = field(d, "nodes");
  if (!nodes || !nodes->is_array()) return failed("node_page: no nodes");
  text_table t{{"NODE", "LEVEL", "PARENT", "ENABLED"},
               {},
               {column_fit::name, column_fit::name, column_fit::name}};
  for (const auto& n : nodes->as_array())
    t.rows.push_back({text_of(field(n, "name")), text_of(field(n, "level")),
                      text_of(field(n, "parent")),
                      text_of(field(n, "enabled"))});
  if (t.rows.empty()) return {"no nodes\n", {}};
  auto total = int_of(field(d, "total"));
  auto shown = static_cast<std::int64_t>(t.rows.size());
  return {render_table(t, o.width) +
              more_line(static_cast<std::size_t>(
                            std::max<std::int64_t>(0, total - shown)),
                        "nodes", "use --limit or a PREFIX"),
          {}};
}

std::string status_detail(const json::value& status, std::int64_t now_ms) {
  std::string out;
  if (auto until = int_of(field(status, "backoff_until_ms")); until > 0)
    out = "backoff " + (until > now_ms ? "for " + format_age_ms(until - now_ms)
                                       : std::string{"over"});
  auto add = [&](std::string s) {
    if (!s.empty()) out += (out.empty() ? "" : "; ") + s;
  };
  add(text_of(field(status, "message")));
  add(text_of(field(status, "data")));
  return out;
}

view_result show_tasks(const json::value& d, const command& cmd,
                       const monitor_reply& reply, const view_options& o) {
  std::string why;
  const auto* summary = reply.data(summary_entry, why);
  if (!summary || !summary->is_object()) return failed(why);
  if (!cmd.job.empty() && !field(*summary, cmd.job))
    return failed("unknown job " + cmd.job);
  const auto* tasks = field(d, "tasks");
  if (!tasks || !tasks->is_array()) return failed("tasks: no tasks");
  using enum column_fit;
  text_table t{{"JOB", "NODE", "STATUS", "WORKER", "SINCE", "DETAIL"},
               {},
               {name, name, shrink, name, shrink, wrap}};
  for (const auto& task : tasks->as_array()) {
    const auto* status = field(task, "status");
    auto since = int_of(field(task, "start_ms"));
    if (!since && status) since = int_of(field(*status, "time_ms"));
    auto label = status ? text_of(field(*status, "label")) : "";
    auto detail = status ? status_detail(*status, o.now_ms) : "";
    // A task of a job with config errors is not pending: it cannot run.
    const auto* job = field(*summary, text_of(field(task, "job")));
    if (job && job_state_of(*job) == "invalid" && label != "running") {
      label = "invalid";
      detail = "job config: " + joined(field(*job, "errors"), "; ");
    }
    t.rows.push_back({text_of(field(task, "job")), text_of(field(task, "node")),
                      label, text_of(field(task, "worker")),
                      ago(o.now_ms, since), detail});
  }
  if (t.rows.empty()) return {"no tasks\n", {}};
  std::int64_t total = 0;
  for (const auto& [name, job] : summary->as_object()) {
    const auto* c = field(job, "counts");
    if (!c || !c->is_object()) continue;
    for (const auto& [label, n] : c->as_object())
      if (cmd.state.empty() || label == cmd.state) total += int_of(&n);
  }
  auto shown = static_cast<std::int64_t>(t.rows.size());
  std::int64_t hidden = 0;
  if (const auto* next = field(d, "next"); next && !next->is_null())
    hidden = std::max<std::int64_t>(1, total - shown);
  return {render_table(t, o.width) + more_line(static_cast<std::size_t>(hidden),
                                               "tasks",
                                               "use --limit, --job or --state"),
          {}};
}

struct running_row {
  std::string job, node, worker, run_id;
  std::int64_t start_s = 0;
  /// What its cgroups use ("-": not measured).
  std::string memory, cpu;
  /// "running", or "killing" from the kill until its processes are gone.
  std::string state;
};

/// "12.3 MiB" from a running task's memory_bytes; "-" when absent.
std::string memory_text(const json::value* bytes) {
  if (!bytes || !bytes->is_number()) return "-";
  char text[32];
  std::snprintf(text, sizeof(text), "%.1f MiB", double_of(bytes) / 1048576.0);
  return text;
}

/// "1.25 s" from a running task's cpu_seconds; "-" when absent.
std::string cpu_text(const json::value* seconds) {
  if (!seconds || !seconds->is_number()) return "-";
  char text[32];
  std::snprintf(text, sizeof(text), "%.2f s", double_of(seconds));
  return text;
}

std::vector<running_row> running_rows(const json::value& d) {
  std::vector<running_row> rows;
  if (!d.is_object()) return rows;
  for (const auto& [job, nodes] : d.as_object()) {
    if (!nodes.is_object()) continue;
    for (const auto& [node, run] : nodes.as_object())
      rows.push_back({std::string{job}, std::string{node},
                      text_of(field(run, "worker_shard")),
                      text_of(field(run, "run_id")),
                      int_of(field(run, "start_time")),
                      memory_text(field(run, "memory_bytes")),
                      cpu_text(field(run, "cpu_seconds")),
                      field(run, "state") ? text_of(field(run, "state"))
                                          : std::string{"running"}});
  }
  return rows;
}

text_table running_table(const std::vector<running_row>& rows,
                         std::size_t limit, std::int64_t now_ms) {
  using enum column_fit;
  text_table t{{"JOB", "NODE", "WORKER", "STATE", "STARTED", "RUNNING FOR",
                "RUN", "MEMORY", "CPU"},
               {},
               {name, name, name, name, shrink, shrink, shrink, count, count}};
  for (const auto& r : rows) {
    if (t.rows.size() == limit) break;
    t.rows.push_back(
        {r.job, r.node, r.worker, r.state, format_time_ms(r.start_s * 1000),
         format_age_ms(now_ms - r.start_s * 1000), r.run_id, r.memory, r.cpu});
  }
  return t;
}

/// running --job/--worker/--node: the runs that match (--node: by prefix).
json::value filtered_running(const json::value& d, const command& cmd) {
  if (!d.is_object() || (cmd.worker.empty() && cmd.node.empty())) return d;
  json::object out;
  for (const auto& [job, nodes] : d.as_object()) {
    if (!nodes.is_object()) continue;
    json::object kept;
    for (const auto& [node, run] : nodes.as_object())
      if (std::string_view{node}.starts_with(cmd.node) &&
          (cmd.worker.empty() ||
           text_of(field(run, "worker_shard")) == cmd.worker))
        kept[node] = run;
    if (!kept.empty()) out[job] = std::move(kept);
  }
  return out;
}

/// What the running filters were, for "no running tasks ...".
std::string running_filter_text(const command& cmd) {
  std::string out;
  if (!cmd.job.empty()) out += " of job " + cmd.job;
  if (!cmd.worker.empty()) out += " on worker " + cmd.worker;
  if (!cmd.node.empty()) out += " on nodes " + cmd.node + "*";
  return out;
}

view_result show_running(const json::value& all, const command& cmd,
                         const view_options& o) {
  auto d = filtered_running(all, cmd);
  auto rows = running_rows(d);
  if (rows.empty())
    return {"no running tasks" + running_filter_text(cmd) + "\n", {}};
  std::sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) {
    return std::tie(a.job, a.node) < std::tie(b.job, b.node);
  });
  auto limit = static_cast<std::size_t>(default_limit(cmd.kind));
  auto t = running_table(rows, limit, o.now_ms);
  return {render_table(t, o.width) +
              more_line(rows.size() - t.rows.size(), "running tasks"),
          {}};
}

/// Ended runs (the status store's history): a task's, oldest first, or
/// with `with_node` a job's, newest first, with each run's node.
text_table history_table(const json::value& runs, bool with_node = false) {
  using enum column_fit;
  text_table t{
      {"RUN", "STATUS", "STARTED", "ENDED", "TOOK", "WORKER", "MESSAGE"},
      {},
      // A cut run id names no run: ids stay whole, as names do.
      {name, shrink, shrink, shrink, shrink, name, wrap}};
  if (with_node) {
    t.headers.insert(t.headers.begin() + 1, "NODE");
    t.fits.insert(t.fits.begin() + 1, name);
  }
  if (!runs.is_array()) return t;
  for (const auto& r : runs.as_array()) {
    auto start = int_of(field(r, "start_ms"));
    auto end = int_of(field(r, "end_ms"));
    std::vector<std::string> row{
        text_of(field(r, "run_id")),
        text_of(field(r, "label")),
        start > 0 ? format_time_ms(start) : "-",
        end > 0 ? format_time_ms(end) : "-",
        start > 0 && end >= start ? format_age_ms(end - start) : "-",
        text_of(field(r, "worker")),
        text_of(field(r, "message"))};
    if (with_node) row.insert(row.begin() + 1, text_of(field(r, "node")));
    t.rows.push_back(std::move(row));
  }
  return t;
}

view_result show_history(const json::value& d, const command& cmd,
                         const view_options& o) {
  if (cmd.node.empty()) {
    const auto* runs = field(d, "runs");
    if (!runs || !runs->is_array()) return failed("job_history: no runs");
    auto t = history_table(*runs, true);
    if (t.rows.empty()) return {"no ended runs of " + cmd.job + "\n", {}};
    return {render_table(t, o.width), {}};
  }
  const auto* runs = field(d, "history");
  if (!runs || !runs->is_array()) return failed("task_history: no history");
  auto t = history_table(*runs);
  if (t.rows.empty())
    return {"no ended runs of " + cmd.job + " on " + cmd.node + "\n", {}};
  return {render_table(t, o.width), {}};
}

/// show task: one task's fields, then the newest lines of its logs.
view_result show_task(const json::value& d, const monitor_reply& reply,
                      const view_options& o) {
  std::vector<std::pair<std::string, std::string>> f = {
      {"job", text_of(field(d, "job"))}, {"node", text_of(field(d, "node"))}};
  const auto* status = field(d, "status");
  auto label = status ? text_of(field(*status, "label")) : "";
  auto job_state = text_of(field(d, "job_state"));
  if (job_state == "invalid" && label != "running") {
    f.emplace_back("status", "invalid: the job cannot run");
    f.emplace_back("job errors", text_of(field(d, "job_errors")));
  } else {
    f.emplace_back("status", label);
    if (job_state != "ok" && !job_state.empty())
      f.emplace_back("job", job_state);
  }
  if (status) {
    if (auto t = int_of(field(*status, "time_ms")))
      f.emplace_back("since",
                     format_time_ms(t) + " (" + ago(o.now_ms, t) + ")");
    if (const auto* m = field(*status, "message"))
      f.emplace_back("message", text_of(m));
    if (const auto* data = field(*status, "data"))
      f.emplace_back("data", text_of(data));
    if (auto until = int_of(field(*status, "backoff_until_ms")); until > 0)
      f.emplace_back("backoff", until > o.now_ms
                                    ? "until " + format_time_ms(until) + " (" +
                                          format_age_ms(until - o.now_ms) +
                                          " left)"
                                    : std::string{"over"});
  }
  if (const auto* node_enabled = field(d, "node_enabled");
      node_enabled && node_enabled->is_bool() && !node_enabled->as_bool())
    f.emplace_back("node", "disabled");
  if (const auto* run = field(d, "run")) {
    auto start = int_of(field(*run, "start_ms"));
    f.emplace_back("worker", text_of(field(*run, "worker")) + " on " +
                                 text_of(field(*run, "host")));
    f.emplace_back("run", text_of(field(*run, "run_id")));
    f.emplace_back("started", format_time_ms(start) + " (running for " +
                                  format_age_ms(o.now_ms - start) + ")");
  }
  // Offline (--data_dir), the store's last run stands in for "run".
  if (const auto* last = field(d, "last_run"); last && !field(d, "run")) {
    f.emplace_back("worker", text_of(field(*last, "worker")));
    f.emplace_back("run", text_of(field(*last, "run_id")));
    if (auto start = int_of(field(*last, "start_ms")))
      f.emplace_back("started", format_time_ms(start));
    if (auto end = int_of(field(*last, "end_ms")))
      f.emplace_back("ended", format_time_ms(end));
  }
  std::string out = render_fields(f, o.width);
  // Offline, `task` itself carries the history; online it is the
  // task_history entry beside it (an error when no store keeps it).
  const json::value* runs = field(d, "history");
  std::string no_history;
  if (!runs)
    if (const auto* h = reply.data(history_entry, no_history))
      runs = field(*h, "history");
  out += "\nrun history:\n";
  if (runs) {
    auto t = history_table(*runs);
    out += t.rows.empty() ? "  (none)\n" : render_table(t, o.width);
  } else {
    out += "  (" + no_history + ")\n";
  }
  for (auto entry : {stdout_entry, stderr_entry}) {
    out += "\nlast " + std::string{entry} + " lines:\n";
    std::string why;
    if (!reply.data(entry, why)) {
      out += "  (" + why + ")\n";
      continue;
    }
    json::object one{{std::string{main_entry}, reply.entries.at(entry)}};
    monitor_reply page;
    page.entries = std::move(one);
    std::int64_t last = -1;
    auto lines = render_log_page(page, true, last);
    out += lines.text.empty() ? "  (none)\n" : lines.text;
  }
  return {out, {}};
}

/// "1000 MB, 2 cores, 1 GPU (Tesla K40m)": what a remote worker measured
/// of its machine; "-" for the in-process worker.
std::string machine_text(const json::value* p) {
  if (!p || !p->is_object()) return "-";
  char mem[64];
  const double cores = double_of(field(*p, "cpu_cores"));
  std::snprintf(mem, sizeof(mem), "%.0f MB, %g core%s",
                double_of(field(*p, "memory_mb")), cores,
                cores == 1 ? "" : "s");
  std::string out = mem;
  std::string models;
  std::size_t n = 0;
  if (const auto* g = field(*p, "gpus"); g && g->is_array())
    for (const auto& gpu : g->as_array()) {
      ++n;
      models += (models.empty() ? "" : ", ") + text_of(field(gpu, "name"));
    }
  if (n > 0)
    out += ", " + std::to_string(n) + " GPU" + (n == 1 ? "" : "s") + " (" +
           models + ")";
  return out;
}

/// "cpu 2, ram_mb 3": a worker's limits (by name) of the worker-level
/// resources.
std::string limits_text(const json::value* r) {
  if (!r || !r->is_object() || r->as_object().empty()) return "-";
  std::map<std::string, std::string> sorted;
  for (const auto& [name, limit] : r->as_object())
    sorted[std::string{name}] = text_of(&limit);
  std::string out;
  for (const auto& [name, limit] : sorted)
    out += (out.empty() ? "" : ", ") + name + " " + limit;
  return out;
}

view_result show_workers(const json::value& d, const view_options& o) {
  if (!d.is_array()) return failed("workers: expected a list");
  using enum column_fit;
  text_table t{{"SHARD", "HOST", "PID", "HEALTH", "REMOTE", "RUNNING",
                "STARTED", "LAST HEARD"},
               {},
               {name, name, count, name, shrink, count, shrink, shrink}};
  // What each remote worker measured and its resulting limits, one line
  // per worker under the table: too wide for columns of their own.
  std::string machines;
  for (const auto& w : d.as_array()) {
    // The scheduler's own count (no clock skew), else its timestamp.
    std::string heard = "-";
    if (const auto* quiet = field(w, "last_heard_ms_ago");
        quiet && !quiet->is_null())
      heard = format_age_ms(int_of(quiet)) + " ago";
    else if (auto last = int_of(field(w, "last_heartbeat_ms")); last > 0)
      heard = ago(o.now_ms, last);
    if (const auto* silent = field(w, "silent");
        silent && silent->is_bool() && silent->as_bool())
      heard += " (silent)";
    auto health = text_of(field(w, "health"));
    if (const auto* drained = field(w, "drained");
        drained && drained->is_bool() && drained->as_bool())
      health += ", drained";
    t.rows.push_back({text_of(field(w, "shard")), text_of(field(w, "host")),
                      text_of(field(w, "pid")), health,
                      text_of(field(w, "remote")), text_of(field(w, "running")),
                      format_time_ms(int_of(field(w, "start_ms"))), heard});
    auto machine = machine_text(field(w, "physical"));
    auto limits = limits_text(field(w, "resources"));
    if (machine != "-" || limits != "-")
      machines += text_of(field(w, "shard")) + ": machine " + machine +
                  "; limits " + limits + "\n";
  }
  if (t.rows.empty()) return {"no workers\n", {}};
  return {render_table(t, o.width) + (machines.empty() ? "" : "\n" + machines),
          {}};
}

}  // namespace

const json::value* monitor_reply::data(std::string_view entry,
                                       std::string& why) const {
  const auto* e = entries.if_contains(entry);
  if (!e || !e->is_object()) {
    why = "the reply has no \"" + std::string{entry} + "\" entry";
    return nullptr;
  }
  if (const auto* err = e->as_object().if_contains("error")) {
    why = text_of(err);
    return nullptr;
  }
  if (const auto* d = e->as_object().if_contains("data")) return d;
  why = "the reply's \"" + std::string{entry} + "\" entry has no data";
  return nullptr;
}

monitor_reply parse_reply(std::string_view text) {
  monitor_reply out;
  boost::system::error_code ec;
  auto v = json::parse(text, ec);
  if (ec) {
    out.error = "the reply is not JSON: " + ec.message();
  } else if (!v.is_object()) {
    out.error = "the reply is not a JSON object";
  } else if (const auto* err = v.as_object().if_contains("error")) {
    out.error = text_of(err);
  } else {
    out.entries = std::move(v.as_object());
  }
  return out;
}

view_result render_reply(const command& cmd, const monitor_reply& reply,
                         const view_options& options) {
  std::string why;
  if (cmd.kind == command_kind::logs) {
    std::int64_t last = -1;
    return render_log_page(reply, true, last);
  }
  const auto* d = main_data(reply, why);
  if (!d) return failed(why);
  switch (cmd.kind) {
    case command_kind::status:
      return show_status(*d, options);
    case command_kind::jobs:
      return show_jobs(*d, cmd, options);
    case command_kind::job:
      return show_job(*d, cmd, options);
    case command_kind::nodes:
      return show_nodes(*d, options);
    case command_kind::tasks:
      return show_tasks(*d, cmd, reply, options);
    case command_kind::running: {
      if (!cmd.job.empty()) {
        const auto* summary = reply.data(summary_entry, why);
        if (!summary) return failed(why);
        if (!field(*summary, cmd.job)) return failed("unknown job " + cmd.job);
      }
      return show_running(*d, cmd, options);
    }
    case command_kind::workers:
      return show_workers(*d, options);
    case command_kind::kill:
      return {text_of(d) + ": " + cmd.job + " on " + cmd.node + "\n", {}};
    case command_kind::kill_job: {
      auto gone = int_of(field(*d, "worker_gone"));
      return {"signaled " + text_of(field(*d, "signaled")) +
                  " running task(s) of " + cmd.job +
                  (gone ? " (" + std::to_string(gone) +
                              " more on workers that are gone)"
                        : "") +
                  "\n",
              {}};
    }
    case command_kind::show_task:
      return show_task(*d, reply, options);
    case command_kind::history:
      return show_history(*d, cmd, options);
    case command_kind::enable:
    case command_kind::disable:
      return {text_of(d) + ": " + cmd.job + " (saved to the config file)\n",
              {}};
    case command_kind::drain:
    case command_kind::undrain: {
      bool drained = cmd.kind == command_kind::drain;
      std::string out = (drained ? "drained: " : "undrained: ") + cmd.worker;
      if (drained)
        out += " finishes its " + text_of(field(*d, "running")) +
               " running task(s) and gets no new task";
      else
        out += " gets new tasks again";
      const auto* connected = field(*d, "connected");
      if (connected && connected->is_bool() && !connected->as_bool())
        out += " (it is not connected now)";
      return {out + "\n", {}};
    }
    case command_kind::forgive: {
      const auto* summary = reply.data(summary_entry, why);
      if (!summary) return failed(why);
      if (!field(*summary, cmd.job)) return failed("unknown job " + cmd.job);
      return {text_of(d) + ": " + cmd.job + "\n", {}};
    }
    case command_kind::top:
      return render_top(reply, options, "");
    default:
      return failed("this command has no reply to show");
  }
}

view_result render_reply_json(const command& cmd, const monitor_reply& reply) {
  std::string why;
  const auto* d = main_data(reply, why);
  if (!d) return failed(why);
  if (cmd.kind == command_kind::job && !field(*d, cmd.job))
    return failed("unknown job " + cmd.job);
  if (cmd.kind == command_kind::forgive ||
      (cmd.kind == command_kind::tasks && !cmd.job.empty())) {
    const auto* summary = reply.data(summary_entry, why);
    if (!summary) return failed(why);
    if (!field(*summary, cmd.job)) return failed("unknown job " + cmd.job);
  }
  if (cmd.kind == command_kind::running) {
    if (!cmd.job.empty()) {
      const auto* summary = reply.data(summary_entry, why);
      if (!summary) return failed(why);
      if (!field(*summary, cmd.job)) return failed("unknown job " + cmd.job);
    }
    return {json_text(filtered_running(*d, cmd)) + "\n", {}};
  }
  if (cmd.kind == command_kind::show_task) {
    json::object out{{"task", *d}};
    for (auto entry : {stdout_entry, stderr_entry})
      if (const auto* logs = reply.data(entry, why)) out[entry] = *logs;
    return {json_text(out) + "\n", {}};
  }
  if (cmd.kind == command_kind::top) {
    const auto* status = reply.data(status_entry, why);
    if (!status) return failed(why);
    return {
        json_text(json::object{{"status", *status}, {"running_tasks", *d}}) +
            "\n",
        {}};
  }
  return {json_text(*d) + "\n", {}};
}

view_result render_log_page(const monitor_reply& reply, bool newest_first,
                            std::int64_t& last_line_id) {
  std::string why;
  const auto* d = main_data(reply, why);
  if (!d) return failed(why);
  const auto* lines = field(*d, "lines");
  if (!lines || !lines->is_array()) return failed("task_logs: no lines");
  std::vector<const json::value*> ordered;
  for (const auto& l : lines->as_array())
    if (l.is_array() && l.as_array().size() >= 5) ordered.push_back(&l);
  if (newest_first) std::reverse(ordered.begin(), ordered.end());
  std::string out;
  if (newest_first && int_of(field(*d, "next_line_id"), -1) >= 0)
    out += "… older lines not shown (use --limit)\n";
  for (const auto* l : ordered) {
    const auto& a = l->as_array();
    out += format_time_ms(int_of(&a[2]) * 1000) + "  " + text_of(&a[3]) + "\n";
    last_line_id = std::max(last_line_id, int_of(&a[4], -1));
  }
  if (const auto* unanswered = field(*d, "unanswered");
      unanswered && unanswered->is_array())
    for (const auto& u : unanswered->as_array())
      out += "! worker " + text_of(field(u, "worker")) + " did not answer (" +
             text_of(field(u, "why")) + "): its lines are missing\n";
  return {out, {}};
}

view_result render_top(const monitor_reply& reply, const view_options& o,
                       std::string_view where) {
  std::string why;
  const auto* running = main_data(reply, why);
  if (!running) return failed(why);
  const auto* status = reply.data(status_entry, why);
  if (!status) return failed(why);
  std::string workers;
  if (const auto* w = field(*status, "workers"); w && w->is_object())
    for (const auto& [health, n] : w->as_object())
      workers += " " + std::string{health} + " " + text_of(&n);
  std::vector<std::string> head = {
      "bistro top" + (where.empty() ? "" : "  " + std::string{where}) + "  " +
          format_time_ms(o.now_ms),
      "running " + text_of(field(*status, "running")) + "  finished " +
          text_of(field(*status, "tasks_finished")) + " (" +
          rate(double_of(field(*status, "tasks_per_s"))) + ")  rounds " +
          text_of(field(*status, "rounds")) + " (" +
          rate(double_of(field(*status, "rounds_per_s"))) + ")",
      "tasks: " + counts_text(field(*status, "counts")) +
          "  workers:" + (workers.empty() ? " none" : workers),
  };
  std::string out;
  for (const auto& line : head) out += fit_cell(line, o.width) + "\n";
  out += "\n";
  auto rows = running_rows(*running);
  // Longest-running first: what a person watching wants to see.
  std::sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) {
    return std::tie(a.start_s, a.job, a.node) <
           std::tie(b.start_s, b.job, b.node);
  });
  // Header lines, table header, "more" line and the key hint.
  std::size_t fixed = head.size() + 4;
  auto room = o.height > fixed + 1 ? o.height - fixed : std::size_t{1};
  if (rows.empty()) {
    out += "no running tasks\n";
  } else {
    auto t = running_table(rows, room, o.now_ms);
    out += render_table(t, o.width);
    out += more_line(rows.size() - t.rows.size(), "running tasks");
  }
  out += "press any key to leave\n";
  return {out, {}};
}

}  // namespace bistro::shell
