#include "actors/http/prometheus_text.hpp"

#include <array>
#include <boost/json.hpp>
#include <charconv>

namespace bistro::http {

namespace json = boost::json;

void request_counts::add(const std::string& route, unsigned code) {
  std::lock_guard lock{mutex_};
  ++counts_[{route, code}];
}

std::map<std::pair<std::string, unsigned>, std::uint64_t>
request_counts::snapshot() const {
  std::lock_guard lock{mutex_};
  return counts_;
}

std::string escape_label(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '"')
      out += "\\\"";
    else if (c == '\n')
      out += "\\n";
    else
      out += c;
  }
  return out;
}

namespace {

/// Integers as integers, other numbers in their shortest exact form.
std::string number_text(const json::value& v) {
  if (v.is_int64()) return std::to_string(v.as_int64());
  if (v.is_uint64()) return std::to_string(v.as_uint64());
  if (v.is_double()) {
    std::array<char, 64> buf{};
    auto [end, ec] =
        std::to_chars(buf.data(), buf.data() + buf.size(), v.as_double());
    if (ec == std::errc{}) return std::string(buf.data(), end);
  }
  if (v.is_string()) return std::string{v.as_string()};  // "+Inf"
  return "0";
}

class exposition {
 public:
  void family(std::string_view name, std::string_view type,
              std::string_view help) {
    out_ += "# HELP ";
    out_ += name;
    out_ += ' ';
    out_ += help;
    out_ += "\n# TYPE ";
    out_ += name;
    out_ += ' ';
    out_ += type;
    out_ += '\n';
  }
  /// `labels` is already rendered: `a="x",b="y"` or empty.
  void sample(std::string_view name, std::string_view labels,
              const std::string& value) {
    out_ += name;
    if (!labels.empty()) {
      out_ += '{';
      out_ += labels;
      out_ += '}';
    }
    out_ += ' ';
    out_ += value;
    out_ += '\n';
  }
  std::string take() { return std::move(out_); }

 private:
  std::string out_;
};

std::string label(std::string_view name, std::string_view value) {
  return std::string{name} + "=\"" + escape_label(value) + '"';
}

}  // namespace

std::string prometheus_text(
    const json::value& metrics,
    const std::map<std::pair<std::string, unsigned>, std::uint64_t>& http) {
  exposition e;
  const json::object empty;
  const auto& m = metrics.is_object() ? metrics.as_object() : empty;
  auto field = [&](std::string_view key) -> const json::value* {
    return m.if_contains(key);
  };
  auto scalar = [&](std::string_view name, std::string_view type,
                    std::string_view help, std::string_view key) {
    if (const auto* v = field(key); v && (v->is_number() || v->is_string())) {
      e.family(name, type, help);
      e.sample(name, "", number_text(*v));
    }
  };

  if (const auto* tasks = field("tasks"); tasks && tasks->is_object()) {
    e.family("bistro_tasks", "gauge", "Tasks by job and status.");
    for (const auto& [job, counts] : tasks->as_object()) {
      if (!counts.is_object()) continue;
      for (const auto& [status, n] : counts.as_object())
        e.sample("bistro_tasks",
                 label("job", job) + ',' + label("status", status),
                 number_text(n));
    }
  }
  scalar("bistro_running_tasks", "gauge", "Tasks running now.", "running");
  scalar("bistro_tasks_started_total", "counter", "Task runs started.",
         "tasks_started");
  scalar("bistro_tasks_finished_total", "counter", "Task runs finished.",
         "tasks_finished");
  scalar("bistro_task_errors_total", "counter",
         "Task runs that ended in error_backoff or failed.", "tasks_errors");
  scalar("bistro_rounds_split_total", "counter",
         "Rounds planned by subtree on several threads.", "rounds_split");

  if (const auto* buckets = field("round_seconds_buckets");
      buckets && buckets->is_array()) {
    e.family("bistro_round_duration_seconds", "histogram",
             "Duration of scheduling rounds.");
    bool has_inf = false;
    for (const auto& b : buckets->as_array()) {
      if (!b.is_array() || b.as_array().size() != 2) continue;
      const auto& le = b.as_array()[0];
      has_inf = has_inf || le.is_string();
      e.sample("bistro_round_duration_seconds_bucket",
               label("le", number_text(le)), number_text(b.as_array()[1]));
    }
    const auto* count = field("round_count");
    if (!has_inf)
      e.sample("bistro_round_duration_seconds_bucket", label("le", "+Inf"),
               count ? number_text(*count) : "0");
    if (const auto* sum = field("round_seconds_sum"))
      e.sample("bistro_round_duration_seconds_sum", "", number_text(*sum));
    if (count)
      e.sample("bistro_round_duration_seconds_count", "", number_text(*count));
  }

  if (const auto* workers = field("workers")) {
    e.family("bistro_workers", "gauge", "Connected workers by health state.");
    // Every state, also empty ones, so that a dashboard sees a zero.
    json::object by_health{
        {"NEW", 0}, {"HEALTHY", 0}, {"UNHEALTHY", 0}, {"MUST_DIE", 0}};
    if (workers->is_object())
      for (const auto& [health, n] : workers->as_object())
        by_health[health] = n;
    for (const auto& [health, n] : by_health)
      e.sample("bistro_workers", label("health", health), number_text(n));
  }
  if (const auto* usage = field("worker_usage"); usage && usage->is_object()) {
    // Gauges: the sum over a worker's running tasks goes down when one
    // ends, so the CPU figure is no counter (hence no _total).
    e.family("bistro_worker_task_memory_bytes", "gauge",
             "Memory the cgroups of a worker's running tasks hold now.");
    for (const auto& [shard, u] : usage->as_object())
      if (const auto* v = u.is_object()
                              ? u.as_object().if_contains("memory_bytes")
                              : nullptr)
        e.sample("bistro_worker_task_memory_bytes", label("worker", shard),
                 number_text(*v));
    e.family("bistro_worker_task_cpu_seconds", "gauge",
             "CPU time a worker's running tasks used so far (their "
             "cgroups).");
    for (const auto& [shard, u] : usage->as_object())
      if (const auto* v = u.is_object()
                              ? u.as_object().if_contains("cpu_seconds")
                              : nullptr)
        e.sample("bistro_worker_task_cpu_seconds", label("worker", shard),
                 number_text(*v));
  }
  scalar("bistro_config_errors", "gauge",
         "Current errors (config, nodes, jobs, persistence).", "config_errors");
  scalar("bistro_statuses_persisted_total", "counter",
         "Task statuses written to the status store.", "statuses_persisted");
  if (field("commit_seconds_sum") || field("commits")) {
    e.family("bistro_status_commit_seconds", "summary",
             "Latency of status store commits.");
    if (const auto* sum = field("commit_seconds_sum"))
      e.sample("bistro_status_commit_seconds_sum", "", number_text(*sum));
    if (const auto* n = field("commits"))
      e.sample("bistro_status_commit_seconds_count", "", number_text(*n));
  }

  e.family("bistro_http_requests_total", "counter",
           "HTTP requests answered, by route and status code.");
  for (const auto& [key, n] : http)
    e.sample("bistro_http_requests_total",
             label("route", key.first) + ',' +
                 label("code", std::to_string(key.second)),
             std::to_string(n));
  return e.take();
}

}  // namespace bistro::http
