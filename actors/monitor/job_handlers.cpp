#include "actors/monitor/job_handlers.hpp"

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

/// Counts of one job's tasks by shown status (task_exclusions.hpp): nodes
/// of other levels are not tasks (their entries stay never_started), so
/// they are taken out, and never-started tasks on nodes the job does not
/// run on are `avoided` or `disabled`, as Bistro shows them.
json::object job_counts(const monitor_view& view, std::size_t j) {
  const auto& row = *(*view.rows)[j];
  auto tasks =
      view.tree->nodes_at_level(view.cfg->jobs[j].level_for_tasks).size();
  auto others = view.tree->size() - tasks;
  auto excluded = count_excluded_unstarted(view.exclusions(), j, row);
  others += excluded.avoided + excluded.disabled;
  json::object out;
  for (std::size_t l = 0; l < num_status_labels; ++l) {
    auto label = static_cast<status_label>(l);
    auto n = row.count(label);
    if (label == status_label::never_started) n = n > others ? n - others : 0;
    if (n) out[to_string(label)] = n;
  }
  if (excluded.avoided) out[to_string(exclusion::avoided)] = excluded.avoided;
  if (excluded.disabled)
    out[to_string(exclusion::disabled)] = excluded.disabled;
  return out;
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
    auto h = make_bistro_histogram(*view.cfg, *view.tree, j, *(*view.rows)[j],
                                   view.exclusions(), view.now_ms,
                                   static_cast<std::size_t>(*num_samples));
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
    std::int64_t failed_more = 0;
    const auto& row = *(*view.rows)[j];
    if (row.count(status_label::failed) > 0)
      for (auto n : view.tree->nodes_at_level(job.level_for_tasks)) {
        if (row.label(n) != status_label::failed) continue;
        if (static_cast<std::int64_t>(failed.size()) < failed_limit)
          failed.emplace_back(view.tree->name(n));
        else
          ++failed_more;
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
                     {"counts", job_counts(view, j)},
                     {"failed_nodes", std::move(failed)},
                     {"failed_more", failed_more}};
    if (!job.blocked.empty())
      out[job.name].as_object()["blocked"] = job.blocked;
  }
  return out;
}

}  // namespace bistro
