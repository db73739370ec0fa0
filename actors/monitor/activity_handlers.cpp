#include "actors/monitor/activity_handlers.hpp"

#include <map>

#include "actors/monitor/monitor_args.hpp"

namespace bistro {

namespace json = boost::json;

namespace {

json::array row(const activity_sample& s, const activity_counts& c) {
  return json::array{s.time_ms, s.span_ms,  c.running,
                     c.started, c.finished, c.failed};
}
}  // namespace

monitor_result<json::value> timeseries_answer(const monitor_view& view,
                                              const json::object& req) {
  const auto& series = view.activity;
  auto since = int_arg(req, "since_ms", 0);
  if (!since) return std::move(since).error();
  auto wanted_arg = strings_arg(req, "jobs");
  if (!wanted_arg) return std::move(wanted_arg).error();
  const auto& wanted = *wanted_arg;
  auto samples = series.samples(*since);
  json::array total;
  // Every job asked for (or seen in a kept sample), with a row per sample.
  std::map<std::string, json::array> jobs;
  for (const auto& j : wanted) jobs[j];
  if (wanted.empty())
    for (const auto* s : samples)
      for (const auto& [job, c] : s->jobs) jobs[job];
  for (const auto* s : samples) {
    total.push_back(row(*s, s->total));
    auto it = s->jobs.begin();
    for (auto& [job, rows] : jobs) {
      while (it != s->jobs.end() && it->first < job) ++it;
      rows.push_back(row(*s, it != s->jobs.end() && it->first == job
                                 ? it->second
                                 : activity_counts{}));
    }
  }
  json::object by_job;
  for (auto& [job, rows] : jobs) by_job[job] = std::move(rows);
  return json::object{
      {"interval_ms", series.interval_ms()},
      {"capacity", series.capacity()},
      {"now_ms", view.now_ms},
      {"columns",
       {"t_ms", "span_ms", "running", "started", "finished", "failed"}},
      {"total", std::move(total)},
      {"jobs", std::move(by_job)}};
}
monitor_result<json::value> events_answer(const monitor_view& view,
                                          const json::object& req) {
  const auto& log = view.events;
  auto after_arg = int_arg(req, "after", 0);
  if (!after_arg) return std::move(after_arg).error();
  auto after = *after_arg;
  if (after < 0) return bad_request("after: must be >= 0");
  auto limit = int_arg(req, "limit", 200);
  if (!limit) return std::move(limit).error();
  if (*limit < 1 || *limit > 1000)
    return bad_request("limit: must be between 1 and 1000");
  auto kind = string_arg(req, "kind");
  if (!kind) return std::move(kind).error();
  auto subject = string_arg(req, "subject");
  if (!subject) return std::move(subject).error();
  json::array events;
  for (const auto* e :
       log.after(static_cast<std::uint64_t>(after),
                 static_cast<std::size_t>(*limit), *kind, *subject))
    events.push_back(json::object{{"seq", e->seq},
                                  {"time_ms", e->time_ms},
                                  {"kind", e->kind},
                                  {"subject", e->subject},
                                  {"message", e->message}});
  return json::object{
      {"events", std::move(events)},
      {"first_seq", log.first_seq()},
      {"last_seq", log.last_seq()},
      {"missed", static_cast<std::uint64_t>(after) + 1 < log.first_seq()}};
}

}  // namespace bistro
