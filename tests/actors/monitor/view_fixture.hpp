// A monitor_view a test builds from its own config, tree, runs, counters,
// workers and rings, and the jobs' status rows it answers jobs_questions
// from, as the scheduler does: the handlers over views, and the asking ones
// through question, each job's answer and reply, run on it without a
// scheduler actor.
#pragma once

#include <boost/json.hpp>
#include <set>
#include <string>

#include "actors/monitor/job_questions.hpp"
#include "actors/monitor/monitor_table.hpp"
#include "actors/monitor/monitor_view.hpp"
#include "actors/rounds/status_remap.hpp"
#include "actors/rounds/task_exclusions.hpp"
#include "tests/support/scheduler_fixtures.hpp"

namespace bistro::testing {

/// Owns what a view points to; `view()` is valid while it lives.
struct view_fixture {
  std::shared_ptr<const config> cfg;
  std::shared_ptr<const node_tree> tree;
  /// One status row per job, every task never started.
  status_row_set rows;
  task_exclusions_cache exclusions;
  source_errors errors;
  activity_series activity{1000, 10, 0};
  event_log events{5};
  std::int64_t now_ms = 100000;
  std::int64_t snapshot_ms = 42000;
  std::string config_file = "/etc/bistro.json";
  run_table runs;
  scheduler_metrics metrics;
  persist_queue persisted;
  /// Worker slots by worker_index.
  std::vector<worker_summary> workers;
  /// Shards the scheduler has seen besides the connected ones (health
  /// registry, drains).
  std::set<std::string> known_shards;
  std::int64_t started_ms = 30000;
  std::int64_t startup_wait_until_ms = 60000;
  std::string startup_wait_reason = "waiting for workers";
  /// The scheduler keeps statuses (a status store to ask for history).
  bool keeps_history = true;

  /// Bistro's fixture (levels host, db; host1{db11,db12}, host2{db21,db22})
  /// with `jobs`.
  explicit view_fixture(const std::string& jobs = job("j"))
      : cfg(make_config(bistro_settings(), jobs)),
        tree(make_tree(*cfg, bistro_nodes())) {
    reset_rows();
  }

  /// Fresh rows for the jobs of `cfg` over `tree` (after changing either).
  void reset_rows() {
    rows.clear();
    for (std::size_t j = 0; j < cfg->jobs.size(); ++j)
      rows.push_back(std::make_unique<job_status_row>(tree->size()));
  }

  /// Sets the status of `job`'s task on `node` (both must exist).
  void set(const std::string& job, const std::string& node,
           status_label label) {
    const auto* j = cfg->find_job(job);
    REQUIRE(j);
    auto n = tree->find(node);
    REQUIRE(n);
    status_record r;
    r.label = label;
    rows[static_cast<std::size_t>(j - cfg->jobs.data())]->restore(*n, r);
  }

  monitor_view view() {
    return monitor_view{
        .cfg = cfg.get(),
        .tree = tree.get(),
        .snapshot_ms = snapshot_ms,
        .now_ms = now_ms,
        .config_file = config_file,
        .errors = errors,
        .activity = activity,
        .events = events,
        .runs = runs,
        .metrics = metrics,
        .persisted = persisted,
        .workers = [this]() -> const std::vector<worker_summary>& {
          return workers;
        },
        .known_worker =
            [this](const std::string& shard) {
              for (const auto& w : workers)
                if (w.connected && w.shard == shard) return true;
              return known_shards.count(shard) > 0;
            },
        .started_ms = started_ms,
        .startup_wait_until_ms = startup_wait_until_ms,
        .startup_wait_reason = startup_wait_reason,
        .keeps_history = keeps_history};
  }

  /// Adds a connected worker slot (in-process unless `remote`); its index.
  worker_index add_worker(const std::string& shard, bool remote = false) {
    worker_summary w;
    w.connected = true;
    w.shard = shard;
    w.host = shard + ".host";
    w.remote = remote;
    w.start_ms = 1000;
    w.pid = 77;
    workers.push_back(std::move(w));
    return static_cast<worker_index>(workers.size() - 1);
  }

  /// Starts a run of `job` on `node` on worker `w` at `start_ms`; its id.
  std::uint64_t start_run(const std::string& job, const std::string& node,
                          worker_index w, std::int64_t start_ms = 90000) {
    run_info run;
    run.job = job;
    run.node = node;
    run.worker = w;
    run.start_ms = start_ms;
    return runs.start(std::move(run)).first;
  }

  /// What a job's answer reads besides its row, as the scheduler gives it.
  job_answer_facts facts() {
    return {*cfg, *tree, exclusions.get(cfg, tree), now_ms};
  }

  /// Each job's answer from its row, in the question's order: what the
  /// scheduler's `ask_jobs` hands back.
  jobs_answers answer_jobs(const jobs_question& q) {
    jobs_answers out;
    for (const auto& jq : q.questions)
      out.answers.push_back(answer_job_question(*rows.at(jq.job), facts(), jq));
    return out;
  }

  /// The asking handler `name` of the table, as the scheduler runs it over
  /// `v`: its question, then (for a jobs_question) each job's answer from
  /// the rows, then its reply.
  monitor_result<boost::json::value> ask(std::string_view name,
                                         const boost::json::object& req,
                                         const monitor_view& v) {
    const auto* h = find_monitor_handler(name);
    REQUIRE(h);
    const auto* asks = std::get_if<ask_handler>(&h->function);
    REQUIRE(asks);
    auto question = asks->question(v, req);
    if (!question) return std::move(question).error();
    const auto* jobs = std::get_if<jobs_question>(&*question);
    REQUIRE(jobs);
    return asks->answer(v, *question, answer_jobs(*jobs));
  }
  monitor_result<boost::json::value> ask(std::string_view name,
                                         const boost::json::object& req = {}) {
    return ask(name, req, view());
  }

  /// The same, before the first config arrived.
  monitor_view view_without_config() {
    auto v = view();
    v.cfg = nullptr;
    v.tree = nullptr;
    return v;
  }
};

inline boost::json::object entry(std::string_view text) {
  return boost::json::parse(text).as_object();
}

}  // namespace bistro::testing
