#include "actors/monitor/job_handlers.hpp"

#include <algorithm>

#include "actors/monitor/config_handlers.hpp"
#include "actors/monitor/monitor_args.hpp"

namespace bistro {

namespace json = boost::json;

const char* job_state(const job_config& job) {
  if (!job.errors.empty()) return "invalid";
  if (!job.enabled) return "disabled";
  if (!job.blocked.empty()) return "blocked";
  return "ok";
}

monitor_result<monitor_question> histogram_question_of(
    const monitor_view& view, const json::object& req) {
  auto num_samples = int_arg(req, "num_samples", 0);
  if (!num_samples) return std::move(num_samples).error();
  if (*num_samples < 0) return bad_request("num_samples: must be >= 0");
  auto jobs = requested_jobs(view, req);
  if (!jobs) return std::move(jobs).error();
  jobs_question out;
  out.samples = *num_samples > 0;
  for (auto j : *jobs)
    if (view.cfg->jobs[j].errors.empty())
      out.ask(j).histogram_samples = static_cast<std::size_t>(*num_samples);
  return monitor_question{std::move(out)};
}

monitor_result<json::value> histogram_reply(const monitor_view& view,
                                            const monitor_question& question,
                                            const monitor_answers& answers) {
  auto asked = asked_jobs_of("histogram", view, question, answers);
  if (!asked) return std::move(asked).error();
  json::object histograms, samples;
  for (const auto& a : asked->answers->answers) {
    if (!a.histogram) continue;
    const auto& name = view.cfg->jobs[a.job].name;
    histograms[name] = a.histogram->counts;
    samples[name] = a.histogram->samples;
  }
  json::object out{{"histograms", std::move(histograms)}};
  if (asked->question->samples) out["samples"] = std::move(samples);
  return out;
}

monitor_result<monitor_question> job_summary_question_of(
    const monitor_view& view, const json::object& req) {
  auto limit_arg = int_arg(req, "failed_limit", 20);
  if (!limit_arg) return std::move(limit_arg).error();
  // A negative limit names none, as 0 does.
  auto failed_limit =
      static_cast<std::size_t>(std::max<std::int64_t>(*limit_arg, 0));
  auto jobs = requested_jobs(view, req);
  if (!jobs) return std::move(jobs).error();
  jobs_question out;
  for (auto j : *jobs) {
    auto& q = out.ask(j);
    q.counts = true;
    q.failed_limit = failed_limit;
  }
  return monitor_question{std::move(out)};
}

monitor_result<json::value> job_summary_reply(const monitor_view& view,
                                              const monitor_question& question,
                                              const monitor_answers& answers) {
  auto asked = asked_jobs_of("job_summary", view, question, answers);
  if (!asked) return std::move(asked).error();
  json::object out;
  for (const auto& a : asked->answers->answers) {
    const auto& job = view.cfg->jobs[a.job];
    json::array errors, backoff, depends, failed;
    for (const auto& e : job.errors) errors.emplace_back(e);
    for (const auto& d : job.depends_on) depends.emplace_back(d);
    for (auto s : job.backoff.seconds()) backoff.emplace_back(s);
    if (job.backoff.repeat())
      backoff.emplace_back("repeat");
    else
      backoff.emplace_back("fail");
    std::int64_t failed_more = 0;
    if (a.failed) {
      for (const auto& n : a.failed->names) failed.emplace_back(n);
      failed_more = a.failed->more;
    }
    out[job.name] =
        json::object{{"enabled", job.enabled},
                     {"runnable", job.runnable()},
                     {"state", job_state(job)},
                     {"errors", std::move(errors)},
                     {"owner", job.owner},
                     {"priority", job.priority},
                     {"level_for_tasks", view.cfg->levels[job.level_for_tasks]},
                     {"backoff", std::move(backoff)},
                     {"depends_on", std::move(depends)},
                     {"counts", a.counts.value_or(json::object{})},
                     {"failed_nodes", std::move(failed)},
                     {"failed_more", failed_more}};
    if (!job.blocked.empty())
      out[job.name].as_object()["blocked"] = job.blocked;
  }
  return out;
}

}  // namespace bistro
