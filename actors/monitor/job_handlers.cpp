#include "actors/monitor/job_handlers.hpp"

#include <algorithm>

#include "actors/monitor/bistro_monitor_format.hpp"
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

job_answer answer_from_view(const monitor_view& view, const job_question& q) {
  return answer_job_question(
      *(*view.rows)[q.job],
      {*view.cfg, *view.tree, view.exclusions(), view.now_ms}, q);
}

json::object job_counts(const monitor_view& view, std::size_t j) {
  job_question q;
  q.job = j;
  q.counts = true;
  return std::move(*answer_from_view(view, q).counts);
}

/// Bistro's histograms (bistro_monitor_format.hpp); a job with errors has
/// none, as in Bistro.
monitor_result<json::value> histogram_answer(const monitor_view& view,
                                             const json::object& req) {
  auto num_samples = int_arg(req, "num_samples", 0);
  if (!num_samples) return std::move(num_samples).error();
  if (*num_samples < 0) return bad_request("num_samples: must be >= 0");
  auto jobs = requested_jobs(view, req);
  if (!jobs) return std::move(jobs).error();
  json::object histograms, samples;
  for (auto j : *jobs) {
    const auto& job = view.cfg->jobs[j];
    if (!job.errors.empty()) continue;
    job_question q;
    q.job = j;
    q.histogram_samples = static_cast<std::size_t>(*num_samples);
    auto h = std::move(*answer_from_view(view, q).histogram);
    histograms[job.name] = std::move(h.counts);
    samples[job.name] = std::move(h.samples);
  }
  json::object out{{"histograms", std::move(histograms)}};
  if (*num_samples > 0) out["samples"] = std::move(samples);
  return out;
}

monitor_result<json::value> job_summary_answer(const monitor_view& view,
                                               const json::object& req) {
  auto limit_arg = int_arg(req, "failed_limit", 20);
  if (!limit_arg) return std::move(limit_arg).error();
  auto failed_limit = *limit_arg;
  auto jobs = requested_jobs(view, req);
  if (!jobs) return std::move(jobs).error();
  json::object out;
  for (auto j : *jobs) {
    const auto& job = view.cfg->jobs[j];
    json::array errors, backoff, depends, failed;
    for (const auto& e : job.errors) errors.emplace_back(e);
    for (const auto& d : job.depends_on) depends.emplace_back(d);
    for (auto s : job.backoff.seconds()) backoff.emplace_back(s);
    if (job.backoff.repeat())
      backoff.emplace_back("repeat");
    else
      backoff.emplace_back("fail");
    job_question q;
    q.job = j;
    q.counts = true;
    // A negative limit names none, as 0 does.
    q.failed_limit =
        static_cast<std::size_t>(std::max<std::int64_t>(failed_limit, 0));
    auto a = answer_from_view(view, q);
    for (const auto& n : a.failed->names) failed.emplace_back(n);
    std::int64_t failed_more = a.failed->more;
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
                     {"counts", std::move(*a.counts)},
                     {"failed_nodes", std::move(failed)},
                     {"failed_more", failed_more}};
    if (!job.blocked.empty())
      out[job.name].as_object()["blocked"] = job.blocked;
  }
  return out;
}

}  // namespace bistro
