#include "actors/scheduler/scheduler_history.hpp"

#include <stdexcept>

#include "actors/jobs/task_status.hpp"

namespace bistro::scheduler_detail {

namespace json = boost::json;

namespace {

constexpr auto store_timeout = std::chrono::seconds(10);
constexpr std::int64_t default_job_runs = 100;
constexpr std::int64_t max_job_runs = 10000;

[[noreturn]] void refuse(std::string what) {
  throw std::invalid_argument(std::move(what));
}

std::string name_arg(const json::object& req, std::string_view key) {
  const auto* v = req.if_contains(key);
  if (!v || !v->is_string() || v->as_string().empty())
    refuse(std::string{key} + ": expected a non-empty string");
  return std::string{v->as_string()};
}

std::int64_t limit_arg(const json::object& req) {
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
    try {
      std::size_t used = 0;
      std::string text{v->as_string()};
      n = std::stoll(text, &used);
      if (used != text.size()) n = -1;
    } catch (const std::exception&) {
    }
  if (n < 1 || n > max_job_runs)
    refuse("limit: expected an integer from 1 to " +
           std::to_string(max_job_runs));
  return n;
}

/// The store, or the reason this scheduler has no history to read.
const status_store_actor& store_of(scheduler_ptr self) {
  const auto& store = self->state.options.store;
  if (!store)
    refuse(
        "no run history: this scheduler keeps no statuses (--clean_statuses, "
        "--dry_run or --benchmark_run)");
  return store;
}

json::object error_entry(std::string why) {
  return json::object{{"error", std::move(why)}};
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

void ask_task_history(scheduler_ptr self, const json::object& req,
                      monitor_entry_done done) {
  auto job = name_arg(req, "job_id");
  auto node = name_arg(req, "node_id");
  const auto& store = store_of(self);
  self->request(store, store_timeout, history_atom_v, job, node)
      .then(
          [=](const run_history_ptr& page) {
            if (!page->error.empty()) return done(error_entry(page->error));
            // An unknown name is a typo unless the store remembers runs of
            // it (a job or node since removed).
            const auto& st = self->state;
            if (page->runs.empty() && st.cfg && st.tree) {
              if (!st.cfg->find_job(job))
                return done(error_entry("Unknown job " + job));
              if (!st.tree->find(node))
                return done(error_entry("Unknown node " + node));
            }
            json::array runs;
            for (const auto& r : page->runs) runs.push_back(run_json(r.run));
            done(json::object{
                {"data", json::object{{"job", job},
                                      {"node", node},
                                      {"history", std::move(runs)}}}});
          },
          [=](const caf::error& err) {
            done(error_entry(store_failed(self, err)));
          });
}

void ask_job_history(scheduler_ptr self, const json::object& req,
                     monitor_entry_done done) {
  auto job = name_arg(req, "job_id");
  auto limit = limit_arg(req);
  const auto& store = store_of(self);
  self->request(store, store_timeout, history_atom_v, job,
                static_cast<std::uint64_t>(limit))
      .then(
          [=](const run_history_ptr& page) {
            if (!page->error.empty()) return done(error_entry(page->error));
            const auto& st = self->state;
            if (page->runs.empty() && st.cfg && !st.cfg->find_job(job))
              return done(error_entry("Unknown job " + job));
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
            done(error_entry(store_failed(self, err)));
          });
}

}  // namespace bistro::scheduler_detail
