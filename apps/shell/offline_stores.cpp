#include "apps/shell/offline_stores.hpp"

#include <algorithm>
#include <boost/json.hpp>
#include <filesystem>
#include <map>
#include <optional>
#include <system_error>
#include <utility>

namespace bistro::shell {

namespace json = boost::json;

namespace {

// A handler's answer: its data, or why there is none.
struct answer {
  json::value data;
  std::string error;
};

answer refuse(std::string why) { return {nullptr, std::move(why)}; }

std::string string_arg(const json::object& q, std::string_view key) {
  const auto* v = q.if_contains(key);
  return v && v->is_string() ? std::string{v->as_string()} : std::string{};
}

std::optional<std::int64_t> int_arg(const json::object& q,
                                    std::string_view key) {
  const auto* v = q.if_contains(key);
  if (!v) return std::nullopt;
  if (v->is_int64()) return v->as_int64();
  if (v->is_uint64()) return static_cast<std::int64_t>(v->as_uint64());
  if (v->is_string()) {
    try {
      return std::stoll(std::string{v->as_string()});
    } catch (const std::exception&) {
    }
  }
  return std::nullopt;
}

std::vector<std::string> strings_arg(const json::object& q,
                                     std::string_view key) {
  std::vector<std::string> out;
  if (const auto* v = q.if_contains(key); v && v->is_array())
    for (const auto& s : v->as_array())
      if (s.is_string()) out.emplace_back(s.as_string());
  return out;
}

json::object history_json(const run_history_entry& e) {
  return json::object{{"run_id", std::to_string(e.run_id)},
                      {"label", to_string(e.label)},
                      {"start_ms", e.start_ms},
                      {"end_ms", e.end_ms},
                      {"worker", e.worker},
                      {"message", e.message}};
}

}  // namespace

std::variant<std::unique_ptr<offline_stores>, std::string> offline_stores::open(
    const std::string& data_dir) {
  std::unique_ptr<offline_stores> out{new offline_stores};
  out->data_dir_ = data_dir;
  std::error_code ec;
  if (!std::filesystem::is_directory(data_dir, ec))
    return "--data_dir " + data_dir + " is not a directory";
  const auto statuses = data_dir + "/statuses";
  const auto logs = data_dir + "/task_logs";
  const bool have_statuses = std::filesystem::exists(statuses, ec);
  const bool have_logs = std::filesystem::exists(logs, ec);
  if (!have_statuses && !have_logs)
    return "--data_dir " + data_dir +
           " holds neither statuses/ (a scheduler's data dir) nor task_logs/ "
           "(a worker's)";
  if (have_statuses) {
    auto opened = status_store::open_read_only(statuses);
    if (auto* err = std::get_if<std::string>(&opened)) return *err;
    out->statuses_ = std::move(std::get<0>(opened));
  }
  if (have_logs) {
    auto opened = task_log_store::open_read_only(logs);
    if (auto* err = std::get_if<std::string>(&opened)) return *err;
    out->logs_ = std::move(std::get<0>(opened));
  }
  return out;
}

std::string offline_stores::where() const { return "offline: " + data_dir_; }

request_outcome offline_stores::ask(const std::string& request) {
  boost::system::error_code ec;
  auto parsed = json::parse(request, ec);
  if (ec || !parsed.is_object())
    return {{}, "the request is not a JSON object", {}};
  // One load per request: every entry sees the same statuses.
  std::optional<std::vector<stored_status>> all;
  std::string load_error;
  auto records = [&]() -> const std::vector<stored_status>* {
    if (!statuses_) {
      load_error = "no status store: " + data_dir_ +
                   "/statuses does not exist (give a scheduler's --data_dir)";
      return nullptr;
    }
    if (!all && load_error.empty()) {
      auto loaded = statuses_->load_all();
      if (auto* err = std::get_if<std::string>(&loaded)) {
        load_error = *err;
        return nullptr;
      }
      all = std::move(std::get<0>(loaded));
      std::sort(all->begin(), all->end(), [](const auto& a, const auto& b) {
        return std::tie(a.job, a.node) < std::tie(b.job, b.node);
      });
    }
    return all ? &*all : nullptr;
  };
  auto find = [&](const std::string& job,
                  const std::string& node) -> const stored_status* {
    const auto* rs = records();
    if (!rs) return nullptr;
    auto it = std::lower_bound(rs->begin(), rs->end(), std::pair{job, node},
                               [](const stored_status& s, const auto& key) {
                                 return std::tie(s.job, s.node) <
                                        std::tie(key.first, key.second);
                               });
    return it != rs->end() && it->job == job && it->node == node ? &*it
                                                                 : nullptr;
  };
  auto history = [&](const std::string& job, const std::string& node,
                     json::array* out) -> std::string {
    auto loaded = statuses_->load_history(job, node);
    if (auto* err = std::get_if<std::string>(&loaded)) return *err;
    for (const auto& e : std::get<0>(loaded)) out->push_back(history_json(e));
    return {};
  };
  auto handle = [&](const json::object& q) -> answer {
    const auto handler = string_arg(q, "handler");
    if (handler == "task" || handler == "task_history") {
      const auto job = string_arg(q, "job_id"), node = string_arg(q, "node_id");
      const auto* s = find(job, node);
      if (!s && !load_error.empty()) return refuse(load_error);
      json::array runs;
      if (auto err = history(job, node, &runs); !err.empty())
        return refuse(err);
      if (!s && runs.empty())
        return refuse("no status of job " + job + " on node " + node + " in " +
                      data_dir_ + "/statuses");
      if (handler == "task_history")
        return {json::object{
                    {"job", job}, {"node", node}, {"history", std::move(runs)}},
                {}};
      json::object out{{"job", job}, {"node", node}};
      out["status"] = s ? status_to_json(s->status)
                        : json::object{{"label", "never_started"}};
      if (s && s->run_id != 0) {
        json::object last{{"run_id", std::to_string(s->run_id)},
                          {"worker", s->worker},
                          {"start_ms", s->start_ms}};
        if (s->end_ms) last["end_ms"] = s->end_ms;
        out["last_run"] = std::move(last);
      }
      out["history"] = std::move(runs);
      return {std::move(out), {}};
    }
    if (handler == "job_history") {
      if (!statuses_)
        return refuse("no status store: " + data_dir_ +
                      "/statuses does not exist (give a scheduler's "
                      "--data_dir)");
      const auto job = string_arg(q, "job_id");
      const auto limit =
          std::clamp<std::int64_t>(int_arg(q, "limit").value_or(100), 1, 10000);
      auto loaded =
          statuses_->load_job_history(job, static_cast<std::size_t>(limit));
      if (auto* err = std::get_if<std::string>(&loaded)) return refuse(*err);
      json::array runs;
      for (const auto& e : std::get<0>(loaded)) {
        auto o = history_json(e.run);
        o["node"] = e.node;
        runs.push_back(std::move(o));
      }
      return {json::object{
                  {"job", job}, {"limit", limit}, {"runs", std::move(runs)}},
              {}};
    }
    if (handler == "tasks") {
      const auto* rs = records();
      if (!rs) return refuse(load_error);
      const auto job = string_arg(q, "job"), state = string_arg(q, "state");
      const auto limit = static_cast<std::size_t>(
          std::max<std::int64_t>(1, int_arg(q, "limit").value_or(1000)));
      json::array tasks;
      json::value next = nullptr;
      for (const auto& s : *rs) {
        if (!job.empty() && s.job != job) continue;
        if (!state.empty() && to_string(s.status.label) != state) continue;
        if (tasks.size() == limit) {
          next = s.job + '/' + s.node;
          break;
        }
        json::object t{{"job", s.job},
                       {"node", s.node},
                       {"status", status_to_json(s.status)}};
        if (s.status.label == status_label::running) {
          t["worker"] = s.worker;
          t["start_ms"] = s.start_ms;
          t["run_id"] = std::to_string(s.run_id);
        }
        tasks.emplace_back(std::move(t));
      }
      return {json::object{{"tasks", std::move(tasks)}, {"next", next}}, {}};
    }
    if (handler == "job_summary" || handler == "jobs") {
      const auto* rs = records();
      if (!rs) return refuse(load_error);
      const auto only = strings_arg(q, "jobs");
      json::object out;
      for (const auto& s : *rs) {
        if (!only.empty() &&
            std::find(only.begin(), only.end(), s.job) == only.end())
          continue;
        auto& job = out[s.job];
        if (!job.is_object()) job = json::object{{"counts", json::object{}}};
        auto& counts = job.as_object()["counts"].as_object();
        auto& n = counts[to_string(s.status.label)];
        n = (n.is_int64() ? n.as_int64() : 0) + 1;
      }
      return {std::move(out), {}};
    }
    if (handler == "task_logs") {
      if (!logs_)
        return refuse("no task log store: " + data_dir_ +
                      "/task_logs does not exist (give a worker's --data_dir)");
      log_query lq;
      const auto type = string_arg(q, "log_type");
      auto parsed_type = parse_log_type(type.empty() ? "stdout" : type);
      if (!parsed_type) return refuse("Unknown log type: " + type);
      lq.type = *parsed_type;
      lq.jobs = strings_arg(q, "jobs");
      lq.nodes = strings_arg(q, "nodes");
      const auto sort = string_arg(q, "sort");
      if (!sort.empty() && sort != "asc" && sort != "desc")
        return refuse("Unknown sort order: " + sort);
      lq.ascending = sort != "desc";
      if (auto id = int_arg(q, "line_id")) lq.start_line_id = *id;
      if (auto t = int_arg(q, "time")) lq.start_time_ms = *t * 1000;
      lq.limit = static_cast<std::size_t>(std::clamp<std::int64_t>(
          int_arg(q, "limit").value_or(1000), 1, 100000));
      lq.regex_filter = string_arg(q, "regex_filter");
      auto page = logs_->query(lq);
      if (auto* err = std::get_if<std::string>(&page)) return refuse(*err);
      json::array lines;
      for (const auto& l : std::get<log_page>(page).lines)
        lines.emplace_back(json::array{l.job, l.node, l.time_ms / 1000, l.line,
                                       std::to_string(l.line_id)});
      return {json::object{
                  {"next_line_id",
                   std::to_string(
                       std::get<log_page>(page).next_line_id.value_or(-1))},
                  {"lines", std::move(lines)}},
              {}};
    }
    return refuse("\"" + handler +
                  "\" is not available offline (--data_dir): it needs a "
                  "running scheduler (--scheduler_port)");
  };
  json::object reply;
  for (const auto& [entry, q] : parsed.as_object()) {
    answer a = q.is_object() ? handle(q.as_object())
                             : refuse("the request entry is not an object");
    reply[entry] = a.error.empty() ? json::object{{"data", std::move(a.data)}}
                                   : json::object{{"error", a.error}};
  }
  return {json::serialize(reply), {}, {}};
}

}  // namespace bistro::shell
