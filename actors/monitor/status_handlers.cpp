#include "actors/monitor/status_handlers.hpp"

#include <algorithm>
#include <map>
#include <string>

#include "actors/monitor/config_handlers.hpp"
#include "actors/protocol/saturating_add.hpp"

namespace bistro {

namespace json = boost::json;

namespace {

/// What a remote worker measured of its machine (null for the in-process
/// worker, which measures nothing for the scheduler).
json::value physical_json(const worker_summary& w) {
  if (!w.remote) return nullptr;
  json::array gpus;
  for (const auto& g : w.gpus)
    gpus.emplace_back(json::object{{"name", g.name},
                                   {"pci_bus_id", g.pci_bus_id},
                                   {"memory_mb", g.memory_mb}});
  json::object o{{"memory_mb", w.memory_mb},
                 {"cpu_cores", w.cpu_cores},
                 {"gpus", std::move(gpus)}};
  if (!w.physical_error.empty()) o["error"] = w.physical_error;
  return o;
}

/// The worker's limit of each worker-level resource: the resource's own,
/// or what its measured machine gives (physical_resources), or its
/// worker_resources_override.
json::object worker_resources_json(const monitor_view& view,
                                   const worker_summary& w) {
  json::object out;
  if (!view.cfg) return out;
  const auto& limits = w.resource_limits;
  const auto& ids = view.cfg->resources_by_level[view.cfg->worker_level()];
  for (std::size_t i = 0; i < ids.size() && i < limits.size(); ++i)
    out[view.cfg->resources[ids[i]].name] = limits[i];
  return out;
}

}  // namespace

json::object workers_by_health(const monitor_view& view) {
  json::object out;
  for (const auto& w : view.workers()) {
    if (!w.connected) continue;
    std::string health = "HEALTHY";
    if (w.remote && w.record) health = to_string(w.record->health);
    auto& n = out[health];
    n = (n.is_int64() ? n.as_int64() : std::int64_t{0}) + 1;
  }
  return out;
}

json::object worker_usage_json(const monitor_view& view) {
  const auto& workers = view.workers();
  struct sums {
    std::int64_t memory_bytes = 0;
    std::int64_t cpu_time_ns = 0;
    std::int64_t measured = 0;
  };
  std::map<std::string, sums> by_shard;
  // Every worker gets a row, so that a dashboard sees its zero.
  for (const auto& w : workers)
    if (w.connected) by_shard[w.shard];
  for (const auto& [id, run] : view.runs) {
    if (run.worker >= workers.size() || !workers[run.worker].connected)
      continue;
    if (run.memory_bytes < 0 && run.cpu_time_ns < 0) continue;
    auto& s = by_shard[workers[run.worker].shard];
    // Figures come from the worker: summed without overflowing.
    s.memory_bytes = saturating_add(
        s.memory_bytes, std::max<std::int64_t>(run.memory_bytes, 0));
    s.cpu_time_ns = saturating_add(s.cpu_time_ns,
                                   std::max<std::int64_t>(run.cpu_time_ns, 0));
    ++s.measured;
  }
  json::object out;
  for (const auto& [shard, s] : by_shard)
    out[shard] =
        json::object{{"memory_bytes", s.memory_bytes},
                     {"cpu_seconds", static_cast<double>(s.cpu_time_ns) / 1e9},
                     {"measured_tasks", s.measured}};
  return out;
}

monitor_result<monitor_question> job_counts_question_of(
    const monitor_view& view, const json::object&) {
  jobs_question out;
  if (view.has_config())
    for (std::size_t j = 0; j < view.cfg->jobs.size(); ++j)
      out.ask(j).counts = true;
  return monitor_question{std::move(out)};
}

monitor_result<json::value> status_reply(const monitor_view& view,
                                         const monitor_question& question,
                                         const monitor_answers& answers) {
  auto asked = asked_jobs_of("status", view, question, answers);
  if (!asked) return std::move(asked).error();
  auto now = view.now_ms;
  json::object counts;
  for (const auto& a : asked->answers->answers)
    if (a.counts)
      for (const auto& [label, n] : *a.counts)
        counts[label] = (counts.contains(label) ? counts[label].as_uint64()
                                                : std::uint64_t{0}) +
                        n.to_number<std::uint64_t>();
  std::size_t jobs = 0, invalid_jobs = 0;
  if (view.has_config()) {
    jobs = view.cfg->jobs.size();
    for (const auto& job : view.cfg->jobs) invalid_jobs += !job.errors.empty();
  }
  auto rates = view.metrics.rates_at(now);
  json::object startup_wait{{"until_ms", view.startup_wait_until_ms},
                            {"over", now >= view.startup_wait_until_ms},
                            {"reason", view.startup_wait_reason}};
  return json::object{{"now_ms", now},
                      {"started_ms", view.started_ms},
                      {"startup_wait", std::move(startup_wait)},
                      {"config_ms", view.snapshot_ms},
                      {"enabled", view.cfg && view.cfg->enabled},
                      {"errors", errors_json(view)},
                      {"counts", std::move(counts)},
                      {"jobs", jobs},
                      {"invalid_jobs", invalid_jobs},
                      {"nodes", view.tree ? view.tree->size() : 0},
                      {"running", view.runs.size()},
                      {"workers", workers_by_health(view)},
                      {"rounds", view.metrics.rounds()},
                      {"rounds_per_s", rates.rounds_per_s},
                      {"tasks_started", view.metrics.tasks_started()},
                      {"tasks_finished", view.metrics.tasks_finished()},
                      {"tasks_per_s", rates.tasks_per_s}};
}

monitor_result<json::value> metrics_reply(const monitor_view& view,
                                          const monitor_question& question,
                                          const monitor_answers& answers) {
  auto asked = asked_jobs_of("metrics", view, question, answers);
  if (!asked) return std::move(asked).error();
  json::object tasks;
  for (const auto& a : asked->answers->answers)
    tasks[view.cfg->jobs[a.job].name] = a.counts.value_or(json::object{});
  json::array buckets;
  std::uint64_t cumulative = 0;
  const auto& bounds = scheduler_metrics::round_bucket_bounds;
  const auto& counts = view.metrics.round_buckets();
  for (std::size_t b = 0; b < counts.size(); ++b) {
    cumulative += counts[b];
    json::value le =
        b < bounds.size() ? json::value(bounds[b]) : json::value("+Inf");
    buckets.emplace_back(json::array{le, cumulative});
  }
  std::size_t config_errors = errors_json(view).size();
  const auto& persisted = view.persisted;
  return json::object{{"tasks", std::move(tasks)},
                      {"running", view.runs.size()},
                      {"tasks_started", view.metrics.tasks_started()},
                      {"tasks_finished", view.metrics.tasks_finished()},
                      {"tasks_errors", view.metrics.tasks_errors()},
                      {"round_seconds_buckets", std::move(buckets)},
                      {"round_seconds_sum", view.metrics.round_seconds()},
                      {"round_count", view.metrics.rounds()},
                      {"rounds_split", view.metrics.rounds_split()},
                      {"workers", workers_by_health(view)},
                      {"config_errors", config_errors},
                      {"statuses_persisted", persisted.statuses_persisted()},
                      {"commit_seconds_sum", persisted.commit_seconds()},
                      {"commits", persisted.commits()},
                      {"worker_usage", worker_usage_json(view)}};
}

monitor_result<json::value> workers_answer(const monitor_view& view,
                                           const json::object&) {
  const auto& workers = view.workers();
  std::vector<std::size_t> running(workers.size(), 0);
  for (const auto& [id, run] : view.runs)
    if (run.worker < running.size()) ++running[run.worker];
  json::array out;
  for (std::size_t w = 0; w < workers.size(); ++w) {
    const auto& slot = workers[w];
    if (!slot.connected) continue;
    json::object o{{"shard", slot.shard},
                   {"remote", slot.remote},
                   {"drained", slot.drained},
                   {"running", running[w]},
                   {"start_ms", slot.start_ms}};
    const auto* rec = slot.remote ? slot.record : nullptr;
    if (rec) {
      o["host"] = rec->host;
      o["pid"] = rec->pid;
      o["health"] = to_string(rec->health);
      o["last_heartbeat_ms"] = rec->last_heartbeat_ms;
      // By the scheduler's clock: a shell on another host has its own.
      o["last_heard_ms_ago"] = view.now_ms - rec->last_heartbeat_ms;
      o["silent"] = rec->silent;
    } else {
      o["host"] = slot.host;
      o["pid"] = slot.pid;
      o["health"] = "HEALTHY";
      o["last_heartbeat_ms"] = nullptr;
      o["last_heard_ms_ago"] = nullptr;
      o["silent"] = false;
    }
    o["physical"] = physical_json(slot);
    o["resources"] = worker_resources_json(view, slot);
    out.emplace_back(std::move(o));
  }
  return out;
}

}  // namespace bistro
