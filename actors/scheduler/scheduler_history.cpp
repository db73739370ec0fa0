#include "actors/scheduler/scheduler_history.hpp"

#include "actors/jobs/task_status.hpp"
#include "actors/monitor/monitor_args.hpp"

namespace bistro::scheduler_detail {

namespace json = boost::json;

namespace {

constexpr auto store_timeout = std::chrono::seconds(10);
constexpr std::int64_t default_job_runs = 100;
constexpr std::int64_t max_job_runs = 10000;

monitor_result<std::int64_t> limit_arg(const json::object& req) {
  const auto* v = req.if_contains("limit");
  if (!v || v->is_null()) return default_job_runs;
  std::int64_t n = -1;
  if (v->is_int64())
    n = v->as_int64();
  else if (v->is_uint64())
    n = v->as_uint64() > static_cast<std::uint64_t>(max_job_runs)
            ? max_job_runs + 1
            : static_cast<std::int64_t>(v->as_uint64());
  else if (v->is_string())
    n = parse_int(v->as_string()).value_or(-1);
  if (n < 1 || n > max_job_runs)
    return bad_request("limit: expected an integer from 1 to " +
                       std::to_string(max_job_runs));
  return n;
}

/// The store, or the reason this scheduler has no history to read: it was
/// started without one, so asking again will not help (not unavailable).
monitor_result<status_store_actor> store_of(scheduler_ptr self) {
  const auto& store = self->state.options.store;
  if (!store)
    return bad_request(
        "no run history: this scheduler keeps no statuses (--clean_statuses, "
        "--dry_run or --benchmark_run)");
  return store;
}

/// A failure the store reported (its LMDB read failed).
json::object store_error(std::string why) {
  return error_entry(unavailable(std::move(why)));
}

/// The store's failure, named.
std::string store_failed(scheduler_ptr self, const caf::error& err) {
  return "status store: no answer (" + self->system().render(err) + ")";
}

}  // namespace

json::object run_json(const run_history_entry& run) {
  return json::object{{"run_id", std::to_string(run.run_id)},
                      {"label", to_string(run.label)},
                      {"start_ms", run.start_ms},
                      {"end_ms", run.end_ms},
                      {"worker", run.worker},
                      {"message", run.message}};
}

monitor_check ask_task_history(scheduler_ptr self, const json::object& req,
                               monitor_entry_done done) {
  auto job_arg = name_arg(req, "job_id");
  if (!job_arg) return std::move(job_arg).error();
  auto node_arg = name_arg(req, "node_id");
  if (!node_arg) return std::move(node_arg).error();
  auto store = store_of(self);
  if (!store) return std::move(store).error();
  auto job = *job_arg;
  auto node = *node_arg;
  self->request(*store, store_timeout, history_atom_v, job, node)
      .then(
          [=](const run_history_ptr& page) {
            if (!page->error.empty()) return done(store_error(page->error));
            // An unknown name is a typo unless the store remembers runs of
            // it (a job or node since removed).
            const auto& st = self->state;
            if (page->runs.empty() && st.cfg && st.tree) {
              if (!st.cfg->find_job(job))
                return done(error_entry(not_found("Unknown job " + job)));
              if (!st.tree->find(node))
                return done(error_entry(not_found("Unknown node " + node)));
            }
            json::array runs;
            for (const auto& r : page->runs) runs.push_back(run_json(r.run));
            done(json::object{
                {"data", json::object{{"job", job},
                                      {"node", node},
                                      {"history", std::move(runs)}}}});
          },
          [=](const caf::error& err) {
            done(store_error(store_failed(self, err)));
          });
  return std::nullopt;
}

monitor_check ask_job_history(scheduler_ptr self, const json::object& req,
                              monitor_entry_done done) {
  auto job_arg = name_arg(req, "job_id");
  if (!job_arg) return std::move(job_arg).error();
  auto limit_found = limit_arg(req);
  if (!limit_found) return std::move(limit_found).error();
  auto store = store_of(self);
  if (!store) return std::move(store).error();
  auto job = *job_arg;
  auto limit = *limit_found;
  self->request(*store, store_timeout, history_atom_v, job,
                static_cast<std::uint64_t>(limit))
      .then(
          [=](const run_history_ptr& page) {
            if (!page->error.empty()) return done(store_error(page->error));
            const auto& st = self->state;
            if (page->runs.empty() && st.cfg && !st.cfg->find_job(job))
              return done(error_entry(not_found("Unknown job " + job)));
            json::array runs;
            for (const auto& r : page->runs) {
              auto o = run_json(r.run);
              o["node"] = r.node;
              runs.push_back(std::move(o));
            }
            done(json::object{
                {"data", json::object{{"job", job},
                                      {"limit", limit},
                                      {"runs", std::move(runs)}}}});
          },
          [=](const caf::error& err) {
            done(store_error(store_failed(self, err)));
          });
  return std::nullopt;
}

}  // namespace bistro::scheduler_detail
