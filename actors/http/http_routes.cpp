#include "actors/http/http_routes.hpp"

#include <algorithm>
#include <boost/json.hpp>
#include <map>
#include <vector>

#include "actors/http/web_page.hpp"
#include "actors/monitor/monitor_error.hpp"
#include "actors/monitor/monitor_table.hpp"
#include "actors/protocol/utf8.hpp"
#include "config/json_text.hpp"

namespace bistro::http {

namespace json = boost::json;

namespace {

http_reply json_reply(unsigned status, const json::value& body) {
  return {status, json_text(body), "application/json", {}};
}

/// The reply's entry `key`: its data, or the HTTP error it becomes.
struct entry_result {
  const json::value* data = nullptr;
  std::optional<http_reply> error;
};

entry_result entry_of(const json::value& reply, std::string_view key) {
  if (!reply.is_object())
    return {nullptr, json_error(500, "scheduler: reply is not an object")};
  const auto& top = reply.as_object();
  if (const auto* e = top.if_contains(key); e && e->is_object()) {
    const auto& o = e->as_object();
    if (const auto* d = o.if_contains("data")) return {d, std::nullopt};
    if (auto err = error_of(o))
      return {nullptr, json_error(http_status(err->code), err->message)};
  }
  if (const auto* err = top.if_contains("error"); err && err->is_string())
    return {nullptr, json_error(400, err->as_string())};
  return {nullptr, json_error(500, "scheduler: reply without the entry")};
}

/// The finish of a one-entry route: the data, reshaped by `shape`.
std::function<http_reply(const std::string&)> finish_with(
    std::function<http_reply(const json::value&)> shape) {
  return [shape = std::move(shape)](const std::string& text) {
    boost::system::error_code ec;
    auto reply = json::parse(text, ec);
    if (ec) return json_error(500, "scheduler: reply is not JSON");
    auto entry = entry_of(reply, "q");
    if (entry.error) return *entry.error;
    return shape(*entry.data);
  };
}

http_reply plain_data(const json::value& data) { return json_reply(200, data); }

/// Mutating routes answer {"result": "saved"} and the like.
http_reply result_data(const json::value& data) {
  return json_reply(200, json::object{{"result", data}});
}

/// One request with one entry "q"; mutating when its handler is.
route_plan one_entry(std::string route, json::object entry,
                     std::function<http_reply(const json::value&)> shape) {
  route_plan p;
  p.route = std::move(route);
  p.monitor_request = json::serialize(json::object{{"q", std::move(entry)}});
  p.mutating = has_mutating_handler(p.monitor_request);
  p.finish = finish_with(std::move(shape));
  return p;
}

route_plan immediate(std::string route, http_reply reply) {
  route_plan p;
  p.route = std::move(route);
  p.immediate = std::move(reply);
  return p;
}

route_plan wrong_method(std::string route, std::string allow) {
  auto reply = json_error(405, "method not allowed; use " + allow);
  reply.allow = std::move(allow);
  return immediate(std::move(route), std::move(reply));
}

/// Well-formed UTF-8 (utf8.hpp), as Boost.JSON's parser wants it. Its
/// serializer copies strings byte for byte, so anything else would make
/// invalid JSON.
bool is_utf8(std::string_view text) {
  return utf8_valid_prefix(text) == text.size();
}

using query_map = std::map<std::string, std::string>;

/// The query's parameters, or why the query string is refused.
struct parsed_query {
  query_map values;
  std::string error;
};

parsed_query parse_query(std::string_view query) {
  parsed_query out;
  while (!query.empty()) {
    auto amp = query.find('&');
    auto part = query.substr(0, amp);
    query = amp == std::string_view::npos ? "" : query.substr(amp + 1);
    if (part.empty()) continue;
    auto eq = part.find('=');
    auto key = url_decode(part.substr(0, eq), true);
    auto value = url_decode(
        eq == std::string_view::npos ? "" : part.substr(eq + 1), true);
    if (!key || !value) {
      out.error = "bad query string";
      return out;
    }
    // Values go into the monitor request; names are only looked up, but
    // must be UTF-8 to be named in the error.
    if (!is_utf8(*key)) {
      out.error = "bad query string: a parameter name is not UTF-8";
      return out;
    }
    if (!is_utf8(*value)) {
      out.error = "bad query string: " + *key + " is not UTF-8";
      return out;
    }
    out.values[*key] = *value;
  }
  return out;
}

/// Copies the query values named in `keys` (query name -> handler arg).
void copy_args(
    const query_map& q, json::object& entry,
    std::initializer_list<std::pair<const char*, const char*>> keys) {
  for (auto [from, to] : keys)
    if (auto it = q.find(from); it != q.end() && !it->second.empty())
      entry[to] = it->second;
}

route_plan metrics_plan(const request_counts& counts) {
  route_plan p;
  p.route = "/metrics";
  p.monitor_request =
      json::serialize(json::object{{"q", {{"handler", "metrics"}}}});
  p.finish = finish_with([&counts](const json::value& data) {
    return http_reply{200,
                      prometheus_text(data, counts.snapshot()),
                      "text/plain; version=0.0.4; charset=utf-8",
                      {}};
  });
  return p;
}

route_plan api_route(std::string_view method,
                     const std::vector<std::string>& seg, const query_map& q,
                     const std::string& body) {
  const auto n = seg.size();
  const bool get = method == "GET" || method == "HEAD";
  const auto& what = n >= 2 ? seg[1] : std::string{};
  auto get_only = [&](std::string route, json::object entry,
                      std::function<http_reply(const json::value&)> shape =
                          plain_data) {
    if (!get) return wrong_method(std::move(route), "GET");
    return one_entry(std::move(route), std::move(entry), std::move(shape));
  };
  if (n == 2 && what == "jobs")
    return get_only("/api/jobs", {{"handler", "job_summary"}});
  if (n == 3 && what == "jobs") {
    const auto& job = seg[2];
    if (get)
      return one_entry(
          "/api/jobs/{job}", {{"handler", "job_summary"}, {"jobs", {job}}},
          [job](const json::value& data) {
            const auto* j =
                data.is_object() ? data.as_object().if_contains(job) : nullptr;
            if (!j) return json_error(404, "unknown job " + job);
            return json_reply(200, *j);
          });
    if (method == "PUT") {
      boost::system::error_code ec;
      auto parsed = json::parse(body, ec);
      if (ec)
        return immediate("/api/jobs/{job}",
                         json_error(400, "body: not JSON: " + ec.message()));
      if (!parsed.is_object())
        return immediate("/api/jobs/{job}",
                         json_error(400, "body: expected a JSON object"));
      auto p =
          one_entry("/api/jobs/{job}",
                    {{"handler", "save_job"}, {"job_id", job}, {"job", parsed}},
                    result_data);
      return p;
    }
    if (method == "DELETE")
      return one_entry("/api/jobs/{job}",
                       {{"handler", "delete_job"}, {"job_id", job}},
                       result_data);
    return wrong_method("/api/jobs/{job}", "GET, PUT, DELETE");
  }
  if (n == 4 && what == "jobs" && seg[3] == "history") {
    json::object e{{"handler", "job_history"}, {"job_id", seg[2]}};
    copy_args(q, e, {{"limit", "limit"}});
    return get_only("/api/jobs/{job}/history", std::move(e));
  }
  if (n == 4 && what == "jobs" && seg[3] == "config") {
    const auto& job = seg[2];
    return get_only(
        "/api/jobs/{job}/config", {{"handler", "jobs"}, {"jobs", {job}}},
        [job](const json::value& data) {
          const auto* j =
              data.is_object() ? data.as_object().if_contains(job) : nullptr;
          if (!j) return json_error(404, "unknown job " + job);
          return json_reply(200, *j);
        });
  }
  if (n == 4 && what == "jobs" && seg[3] == "forgive") {
    if (method != "POST")
      return wrong_method("/api/jobs/{job}/forgive", "POST");
    // forgive_jobs skips unknown jobs (as Bistro); the summary entry in
    // the same request tells a typo (404) from a forgiven job.
    const auto& job = seg[2];
    route_plan p;
    p.route = "/api/jobs/{job}/forgive";
    p.monitor_request = json::serialize(json::object{
        {"job",
         {{"handler", "job_summary"}, {"jobs", {job}}, {"failed_limit", 0}}},
        {"q", {{"handler", "forgive_jobs"}, {"jobs", {job}}}}});
    p.mutating = has_mutating_handler(p.monitor_request);
    p.finish = [job](const std::string& text) {
      boost::system::error_code ec;
      auto reply = json::parse(text, ec);
      if (ec) return json_error(500, "scheduler: reply is not JSON");
      auto summary = entry_of(reply, "job");
      if (summary.error) return *summary.error;
      if (!summary.data->is_object() ||
          !summary.data->as_object().contains(job))
        return json_error(404, "unknown job " + job);
      auto entry = entry_of(reply, "q");
      if (entry.error) return *entry.error;
      return result_data(*entry.data);
    };
    return p;
  }
  if (n == 2 && what == "tasks") {
    json::object e{{"handler", "tasks"}};
    copy_args(q, e,
              {{"job", "job"},
               {"state", "state"},
               {"limit", "limit"},
               {"after", "after"}});
    return get_only("/api/tasks", std::move(e));
  }
  if (n == 4 && what == "tasks")
    return get_only(
        "/api/tasks/{job}/{node}",
        {{"handler", "task"}, {"job_id", seg[2]}, {"node_id", seg[3]}});
  if (n == 5 && what == "tasks" && seg[4] == "history")
    return get_only(
        "/api/tasks/{job}/{node}/history",
        {{"handler", "task_history"}, {"job_id", seg[2]}, {"node_id", seg[3]}});
  if (n == 5 && what == "tasks" && seg[4] == "kill") {
    if (method != "POST")
      return wrong_method("/api/tasks/{job}/{node}/kill", "POST");
    return one_entry(
        "/api/tasks/{job}/{node}/kill",
        {{"handler", "kill_task"}, {"job_id", seg[2]}, {"node_id", seg[3]}},
        result_data);
  }
  if (n == 2 && what == "nodes") {
    json::object e{{"handler", "node_page"}};
    copy_args(q, e,
              {{"level", "level"},
               {"prefix", "prefix"},
               {"limit", "limit"},
               {"after", "after"}});
    return get_only("/api/nodes", std::move(e));
  }
  if (n == 2 && what == "logs") {
    json::object e{{"handler", "task_logs"}};
    auto type = q.find("type");
    e["log_type"] =
        type == q.end() || type->second.empty() ? "stdout" : type->second;
    if (auto it = q.find("job"); it != q.end() && !it->second.empty())
      e["jobs"] = json::array{json::value(it->second)};
    if (auto it = q.find("node"); it != q.end() && !it->second.empty())
      e["nodes"] = json::array{json::value(it->second)};
    copy_args(q, e,
              {{"after", "line_id"},
               {"time", "time"},
               {"limit", "limit"},
               {"sort", "sort"},
               {"regex", "regex_filter"}});
    return get_only("/api/logs", std::move(e));
  }
  if (n == 2 && what == "timeseries") {
    json::object e{{"handler", "timeseries"}};
    if (auto it = q.find("jobs"); it != q.end() && !it->second.empty()) {
      json::array jobs;
      std::string_view rest = it->second;
      while (!rest.empty()) {
        auto comma = rest.find(',');
        auto name = rest.substr(0, comma);
        if (!name.empty()) jobs.emplace_back(name);
        rest = comma == std::string_view::npos ? "" : rest.substr(comma + 1);
      }
      e["jobs"] = std::move(jobs);
    }
    copy_args(q, e, {{"since_ms", "since_ms"}});
    return get_only("/api/timeseries", std::move(e));
  }
  if (n == 2 && what == "events") {
    json::object e{{"handler", "events"}};
    copy_args(q, e,
              {{"after", "after"},
               {"limit", "limit"},
               {"kind", "kind"},
               {"subject", "subject"}});
    return get_only("/api/events", std::move(e));
  }
  if (n == 2 && what == "workers")
    return get_only("/api/workers", {{"handler", "workers"}});
  if (n == 2 && what == "running")
    return get_only("/api/running", {{"handler", "running_tasks"}});
  if (n == 2 && what == "config")
    return get_only("/api/config", {{"handler", "config"}});
  if (n == 2 && what == "status")
    return get_only("/api/status", {{"handler", "status"}});
  if (n == 2 && what == "errors")
    return get_only("/api/errors", {{"handler", "errors"}});
  return immediate("other", json_error(404, "no such route"));
}

}  // namespace

unsigned http_status(monitor_errc code) {
  switch (code) {
    case monitor_errc::not_found:
      return 404;
    case monitor_errc::unavailable:
      return 503;
    case monitor_errc::internal:
      return 500;
    case monitor_errc::bad_request:
      break;
  }
  return 400;
}

http_reply json_error(unsigned status, std::string_view message) {
  return json_reply(status, json::object{{"error", message}});
}

std::optional<std::string> url_decode(std::string_view text,
                                      bool plus_is_space) {
  std::string out;
  out.reserve(text.size());
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '%') {
      if (i + 2 >= text.size()) return std::nullopt;
      int hi = hex(text[i + 1]), lo = hex(text[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      out += static_cast<char>(hi * 16 + lo);
      i += 2;
    } else if (c == '+' && plus_is_space) {
      out += ' ';
    } else {
      out += c;
    }
  }
  return out;
}

bool has_mutating_handler(const std::string& body) {
  return !mutating_handlers_in(body, monitor_roles).empty();
}

route_plan plan_route(std::string_view method, std::string_view target,
                      const std::string& body, const request_counts& counts) {
  auto qmark = target.find('?');
  auto path = target.substr(0, qmark);
  auto query = parse_query(
      qmark == std::string_view::npos ? "" : target.substr(qmark + 1));
  if (!query.error.empty())
    return immediate("other", json_error(400, query.error));
  std::vector<std::string> seg;
  for (std::size_t pos = 1; pos <= path.size();) {
    auto slash = path.find('/', pos);
    auto raw = path.substr(
        pos, slash == std::string_view::npos ? path.size() - pos : slash - pos);
    if (!raw.empty()) {
      auto decoded = url_decode(raw, false);
      if (!decoded) return immediate("other", json_error(400, "bad path"));
      // Segments name jobs and nodes in the monitor request and in errors.
      if (!is_utf8(*decoded))
        return immediate("other", json_error(400, "bad path: not UTF-8"));
      seg.push_back(std::move(*decoded));
    }
    if (slash == std::string_view::npos) break;
    pos = slash + 1;
  }
  const bool get = method == "GET" || method == "HEAD";
  if (path.empty() || path[0] != '/')
    return immediate("other", json_error(400, "bad request target"));
  if (seg.empty()) {
    if (get)
      return immediate(
          "/",
          {200, std::string{web_page_html()}, "text/html; charset=utf-8", {}});
    if (method != "POST") return wrong_method("/", "GET, POST");
    route_plan p;
    p.route = "/";
    p.mutating = has_mutating_handler(body);
    p.monitor_request = body;
    p.finish = [](const std::string& text) {
      // A request the scheduler refused as a whole is the client's fault.
      boost::system::error_code ec;
      auto reply = json::parse(text, ec);
      if (!ec && reply.is_object() && reply.as_object().size() == 1 &&
          reply.as_object().contains("error"))
        return http_reply{400, text, "application/json", {}};
      return http_reply{200, text, "application/json", {}};
    };
    return p;
  }
  if (seg.size() == 1 && seg[0] == "healthz") {
    if (!get) return wrong_method("/healthz", "GET");
    route_plan p;
    p.route = "/healthz";
    p.monitor_request =
        json::serialize(json::object{{"q", {{"handler", "status"}}}});
    p.finish = finish_with([](const json::value&) {
      return json_reply(200, json::object{{"ok", true}});
    });
    return p;
  }
  if (seg.size() == 1 && seg[0] == "metrics") {
    if (!get) return wrong_method("/metrics", "GET");
    return metrics_plan(counts);
  }
  if (seg[0] == "api") return api_route(method, seg, query.values, body);
  return immediate("other", json_error(404, "no such route"));
}

}  // namespace bistro::http
