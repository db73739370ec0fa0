#include "apps/shell/shell_command.hpp"

#include <boost/json.hpp>
#include <charconv>
#include <map>

namespace bistro::shell {

namespace json = boost::json;

namespace {

struct command_spec {
  std::string_view name;
  command_kind kind;
  std::string_view usage;
  std::string_view summary;
  std::size_t min_args, max_args;
  /// Options it takes, each with a value unless it is --follow.
  std::vector<std::string_view> options;
};

const std::vector<command_spec>& specs() {
  static const std::vector<command_spec> all = {
      {"status",
       command_kind::status,
       "status",
       "config time and errors, counts by status, workers, rates",
       0,
       0,
       {}},
      {"jobs",
       command_kind::jobs,
       "jobs",
       "every job with its task counts",
       0,
       0,
       {}},
      {"job",
       command_kind::job,
       "job NAME [--limit N]",
       "one job: settings, counts by status, failed nodes",
       1,
       1,
       {"limit"}},
      {"nodes",
       command_kind::nodes,
       "nodes [LEVEL|*] [PREFIX] [--limit N]",
       "nodes of a level (all levels: *), by name prefix",
       0,
       2,
       {"limit"}},
      {"tasks",
       command_kind::tasks,
       "tasks [--job J] [--state S] [--limit N]",
       "tasks with their status (S: a status name or running)",
       0,
       0,
       {"job", "state", "limit"}},
      {"running",
       command_kind::running,
       "running [--job J] [--worker W] [--node PREFIX]",
       "running tasks, of one job, on one worker, or on nodes by prefix",
       0,
       0,
       {"job", "worker", "node"}},
      {"show",
       command_kind::show_task,
       "show task JOB NODE",
       "one task: status, data, worker, times, its newest log lines",
       3,
       3,
       {}},
      {"history",
       command_kind::history,
       "history JOB [NODE] [--limit N]",
       "ended runs from the status store (run, status, times, worker, "
       "message): a task's, oldest first, or a job's newest across its "
       "nodes",
       1,
       2,
       {"limit"}},
      {"workers",
       command_kind::workers,
       "workers",
       "workers with their health",
       0,
       0,
       {}},
      {"logs",
       command_kind::logs,
       "logs JOB NODE [stdout|stderr|statuses] [--follow] [--limit N]",
       "a task's log lines; --follow polls until a key is pressed",
       2,
       3,
       {"follow", "limit"}},
      {"kill",
       command_kind::kill,
       "kill JOB NODE | kill JOB --all",
       "kill a running task, or every running task of the job",
       1,
       2,
       {"all"}},
      {"enable",
       command_kind::enable,
       "enable JOB",
       "enable a job (saved to the config file, as save_job does)",
       1,
       1,
       {}},
      {"disable",
       command_kind::disable,
       "disable JOB",
       "disable a job: no new task starts (saved to the config file)",
       1,
       1,
       {}},
      {"drain",
       command_kind::drain,
       "drain WORKER",
       "the worker finishes what it runs and gets nothing new (kept over "
       "restarts)",
       1,
       1,
       {}},
      {"undrain",
       command_kind::undrain,
       "undrain WORKER",
       "the worker gets new tasks again",
       1,
       1,
       {}},
      {"forgive",
       command_kind::forgive,
       "forgive JOB",
       "forget a job's failures and backoffs",
       1,
       1,
       {}},
      {"top",
       command_kind::top,
       "top [--count N]",
       "live view of running tasks and throughput, until a key is pressed",
       0,
       0,
       {"count"}},
      {"help", command_kind::help, "help", "this text", 0, 0, {}},
      {"quit",
       command_kind::quit,
       "quit",
       "leave the shell (also: exit)",
       0,
       0,
       {}},
  };
  return all;
}

const command_spec* find_spec(std::string_view name) {
  if (name == "exit") name = "quit";
  for (const auto& s : specs())
    if (s.name == name) return &s;
  return nullptr;
}

std::optional<std::int64_t> positive_int(std::string_view text) {
  std::int64_t n = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec != std::errc{} || end != text.data() + text.size() || n < 1)
    return std::nullopt;
  return n;
}

parse_result fail(std::string message) { return {std::nullopt, message}; }

}  // namespace

std::optional<std::vector<std::string>> split_words(std::string_view line) {
  std::vector<std::string> words;
  std::string word;
  bool in_word = false;
  char quote = 0;
  for (char c : line) {
    if (quote) {
      if (c == quote)
        quote = 0;
      else
        word += c;
    } else if (c == '"' || c == '\'') {
      quote = c;
      in_word = true;
    } else if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      if (in_word) words.push_back(std::move(word));
      word.clear();
      in_word = false;
    } else {
      word += c;
      in_word = true;
    }
  }
  if (quote) return std::nullopt;
  if (in_word) words.push_back(std::move(word));
  return words;
}

parse_result parse_command(std::string_view line) {
  auto words = split_words(line);
  if (!words) return fail("unterminated quote");
  if (words->empty()) return fail("");
  const auto* spec = find_spec(words->front());
  if (!spec)
    return fail("unknown command \"" + words->front() +
                "\" (type help for the list)");
  auto usage = "usage: " + std::string{spec->usage};
  std::vector<std::string> args;
  std::map<std::string, std::string, std::less<>> options;
  for (std::size_t i = 1; i < words->size(); ++i) {
    const auto& w = (*words)[i];
    if (!w.starts_with("--")) {
      args.push_back(w);
      continue;
    }
    auto eq = w.find('=');
    auto name = w.substr(2, eq == std::string::npos ? eq : eq - 2);
    bool known = false;
    for (auto o : spec->options) known = known || o == name;
    if (!known) return fail("unknown option --" + name + "; " + usage);
    if (name == "follow" || name == "all") {
      if (eq != std::string::npos)
        return fail("--" + name + " takes no value; " + usage);
      options[name] = "";
    } else if (eq != std::string::npos) {
      options[name] = w.substr(eq + 1);
    } else if (i + 1 < words->size()) {
      options[name] = (*words)[++i];
    } else {
      return fail("--" + name + " needs a value; " + usage);
    }
  }
  if (args.size() < spec->min_args || args.size() > spec->max_args)
    return fail(usage);
  command cmd;
  cmd.kind = spec->kind;
  auto count_option = [&](std::string_view name,
                          std::int64_t& out) -> std::optional<std::string> {
    auto it = options.find(name);
    if (it == options.end()) return std::nullopt;
    auto n = positive_int(it->second);
    if (!n)
      return "--" + std::string{name} + " must be a positive integer; " + usage;
    out = *n;
    return std::nullopt;
  };
  if (auto err = count_option("limit", cmd.limit)) return fail(*err);
  if (auto err = count_option("count", cmd.count)) return fail(*err);
  if (cmd.limit > 10000) return fail("--limit must be at most 10000");
  switch (cmd.kind) {
    case command_kind::job:
    case command_kind::forgive:
      cmd.job = args[0];
      break;
    case command_kind::nodes:
      if (!args.empty() && args[0] != "*") cmd.level = args[0];
      if (args.size() > 1) cmd.prefix = args[1];
      break;
    case command_kind::tasks:
      if (auto it = options.find("job"); it != options.end())
        cmd.job = it->second;
      if (auto it = options.find("state"); it != options.end())
        cmd.state = it->second;
      break;
    case command_kind::logs:
      cmd.job = args[0];
      cmd.node = args[1];
      if (args.size() > 2) {
        cmd.log_type = args[2];
        if (cmd.log_type != "stdout" && cmd.log_type != "stderr" &&
            cmd.log_type != "statuses")
          return fail("log type must be stdout, stderr or statuses; " + usage);
      }
      cmd.follow = options.count("follow") > 0;
      break;
    case command_kind::kill:
      cmd.job = args[0];
      if (options.count("all")) {
        if (args.size() != 1) return fail(usage);
        cmd.kind = command_kind::kill_job;
      } else {
        if (args.size() != 2) return fail(usage);
        cmd.node = args[1];
      }
      break;
    case command_kind::history:
      cmd.job = args[0];
      if (args.size() == 2) cmd.node = args[1];
      break;
    case command_kind::show_task:
      if (args[0] != "task") return fail(usage);
      cmd.job = args[1];
      cmd.node = args[2];
      break;
    case command_kind::enable:
    case command_kind::disable:
      cmd.job = args[0];
      break;
    case command_kind::drain:
    case command_kind::undrain:
      cmd.worker = args[0];
      break;
    case command_kind::running:
      if (auto it = options.find("job"); it != options.end())
        cmd.job = it->second;
      if (auto it = options.find("worker"); it != options.end())
        cmd.worker = it->second;
      if (auto it = options.find("node"); it != options.end())
        cmd.node = it->second;
      break;
    default:
      break;
  }
  return {cmd, {}};
}

const std::vector<std::string>& command_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> out;
    for (const auto& s : specs()) out.emplace_back(s.name);
    return out;
  }();
  return names;
}

std::string help_text() {
  std::string out = "Commands (each is one monitor request):\n";
  for (const auto& s : specs())
    out += "  " + std::string{s.usage} + "\n      " + std::string{s.summary} +
           "\n";
  out += "Tab completes commands, job names and node names.\n";
  return out;
}

std::int64_t default_limit(command_kind kind) {
  switch (kind) {
    case command_kind::job:
      return 20;
    case command_kind::logs:
      return 100;
    default:
      return 50;
  }
}

namespace {

std::int64_t limit_of(const command& cmd) {
  return cmd.limit > 0 ? cmd.limit : default_limit(cmd.kind);
}

json::object request_of(const command& cmd) {
  json::object q;
  switch (cmd.kind) {
    case command_kind::status:
      q["handler"] = "status";
      break;
    case command_kind::jobs:
      q["handler"] = "job_summary";
      q["failed_limit"] = 0;
      break;
    case command_kind::job:
      q["handler"] = "job_summary";
      q["jobs"] = json::array{json::value(cmd.job)};
      q["failed_limit"] = limit_of(cmd);
      break;
    case command_kind::nodes:
      q["handler"] = "node_page";
      if (!cmd.level.empty()) q["level"] = cmd.level;
      if (!cmd.prefix.empty()) q["prefix"] = cmd.prefix;
      q["limit"] = limit_of(cmd);
      break;
    case command_kind::tasks:
      q["handler"] = "tasks";
      if (!cmd.job.empty()) q["job"] = cmd.job;
      if (!cmd.state.empty()) q["state"] = cmd.state;
      q["limit"] = limit_of(cmd);
      break;
    case command_kind::running:
      q["handler"] = "running_tasks";
      if (!cmd.job.empty()) q["jobs"] = json::array{json::value(cmd.job)};
      break;
    case command_kind::top:
      q["handler"] = "running_tasks";
      break;
    case command_kind::show_task:
      q["handler"] = "task";
      q["job_id"] = cmd.job;
      q["node_id"] = cmd.node;
      break;
    case command_kind::history:
      q["job_id"] = cmd.job;
      if (cmd.node.empty()) {
        q["handler"] = "job_history";
        q["limit"] = limit_of(cmd);
      } else {
        q["handler"] = "task_history";
        q["node_id"] = cmd.node;
      }
      break;
    case command_kind::kill_job:
      q["handler"] = "kill_job";
      q["job_id"] = cmd.job;
      break;
    case command_kind::enable:
    case command_kind::disable:
      q["handler"] = "enable_job";
      q["job_id"] = cmd.job;
      q["enabled"] = cmd.kind == command_kind::enable;
      break;
    case command_kind::drain:
    case command_kind::undrain:
      q["handler"] = "drain_worker";
      q["worker"] = cmd.worker;
      q["drain"] = cmd.kind == command_kind::drain;
      break;
    case command_kind::workers:
      q["handler"] = "workers";
      break;
    case command_kind::kill:
      q["handler"] = "kill_task";
      q["job_id"] = cmd.job;
      q["node_id"] = cmd.node;
      break;
    case command_kind::forgive:
      q["handler"] = "forgive_jobs";
      q["jobs"] = json::array{json::value(cmd.job)};
      break;
    default:
      break;
  }
  return q;
}

}  // namespace

std::string monitor_request(const command& cmd) {
  if (cmd.kind == command_kind::logs) return logs_request(cmd, std::nullopt);
  json::object req;
  // The summary goes first: forgive must see the job before forgiving it.
  if (cmd.kind == command_kind::tasks || cmd.kind == command_kind::forgive) {
    json::object s{{"handler", "job_summary"}, {"failed_limit", 0}};
    if (!cmd.job.empty()) s["jobs"] = json::array{json::value(cmd.job)};
    req[summary_entry] = std::move(s);
  }
  if (cmd.kind == command_kind::top)
    req[status_entry] = json::object{{"handler", "status"}};
  // running --job: the summary tells an unknown job from an idle one.
  if (cmd.kind == command_kind::running && !cmd.job.empty())
    req[summary_entry] = json::object{
        {"handler", "job_summary"}, {"jobs", {cmd.job}}, {"failed_limit", 0}};
  if (cmd.kind == command_kind::show_task)
    req[history_entry] = json::object{{"handler", "task_history"},
                                      {"job_id", cmd.job},
                                      {"node_id", cmd.node}};
  if (cmd.kind == command_kind::show_task)
    for (auto [entry, type] :
         {std::pair{stdout_entry, "stdout"}, std::pair{stderr_entry, "stderr"}})
      req[entry] = json::object{
          {"handler", "task_logs"}, {"log_type", type},
          {"jobs", {cmd.job}},      {"nodes", {cmd.node}},
          {"sort", "desc"},         {"limit", show_task_log_lines}};
  req[main_entry] = request_of(cmd);
  return json::serialize(req);
}

std::string logs_request(const command& cmd,
                         std::optional<std::int64_t> from_line_id) {
  json::object q{{"handler", "task_logs"},
                 {"log_type", cmd.log_type},
                 {"jobs", json::array{json::value(cmd.job)}},
                 {"nodes", json::array{json::value(cmd.node)}},
                 {"limit", limit_of(cmd)}};
  if (from_line_id) {
    q["sort"] = "asc";
    q["line_id"] = std::to_string(*from_line_id);
  } else {
    q["sort"] = "desc";
  }
  return json::serialize(json::object{{main_entry, std::move(q)}});
}

std::string names_request() {
  return json::serialize(
      json::object{{"jobs", json::object{{"handler", "jobs"}}},
                   {"nodes", json::object{{"handler", "sorted_node_names"}}}});
}

}  // namespace bistro::shell
