#include "actors/monitor/job_questions.hpp"

#include <algorithm>
#include <string_view>

namespace bistro {

namespace json = boost::json;

namespace {

/// The job's tasks by shown status (task_exclusions.hpp): nodes of other
/// levels are not tasks (their entries stay never_started), so they are
/// taken out, and never-started tasks on nodes the job does not run on are
/// `avoided` or `disabled`, as Bistro shows them.
json::object counts_of(const job_status_row& row, const job_answer_facts& f,
                       std::size_t j) {
  auto tasks = f.tree.nodes_at_level(f.cfg.jobs[j].level_for_tasks).size();
  auto others = f.tree.size() - tasks;
  auto excluded = count_excluded_unstarted(f.exclusions, j, row);
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

failed_tasks failed_of(const job_status_row& row, const job_answer_facts& f,
                       std::size_t j, std::size_t limit) {
  failed_tasks out;
  // Most jobs have none: no walk over their level.
  if (row.count(status_label::failed) == 0) return out;
  for (auto n : f.tree.nodes_at_level(f.cfg.jobs[j].level_for_tasks)) {
    if (row.label(n) != status_label::failed) continue;
    if (out.names.size() < limit)
      out.names.emplace_back(f.tree.name(n));
    else
      ++out.more;
  }
  return out;
}

std::vector<listed_task> page_of(const job_status_row& row,
                                 const job_answer_facts& f, std::size_t j,
                                 const task_page_question& q) {
  std::vector<listed_task> out;
  const auto& only = q.only;
  if (only && row.count(only->label) == 0) return out;
  auto nodes = f.tree.nodes_at_level(f.cfg.jobs[j].level_for_tasks);
  std::size_t begin = 0;
  if (q.after) {
    auto it = std::upper_bound(nodes.begin(), nodes.end(), *q.after);
    begin = static_cast<std::size_t>(it - nodes.begin());
  }
  for (std::size_t i = begin; i < nodes.size() && out.size() < q.limit; ++i) {
    auto n = nodes[i];
    auto label = row.label(n);
    if (only && label != only->label) continue;
    auto shown = shown_status(label, f.exclusions.of(j, n));
    if (only && shown != only->shown) continue;
    auto status = status_to_json(row.record(n));
    if (shown != to_string(label)) status["label"] = shown;
    out.push_back({std::string{f.tree.name(n)}, label, std::move(status)});
  }
  return out;
}

}  // namespace

job_answer answer_job_question(const job_status_row& row,
                               const job_answer_facts& facts,
                               const job_question& q) {
  job_answer out;
  out.job = q.job;
  if (q.counts) out.counts = counts_of(row, facts, q.job);
  if (q.histogram_samples)
    out.histogram = make_bistro_histogram(facts.cfg, facts.tree, q.job, row,
                                          facts.exclusions, facts.now_ms,
                                          *q.histogram_samples);
  if (q.failed_limit)
    out.failed = failed_of(row, facts, q.job, *q.failed_limit);
  if (q.page) out.page = page_of(row, facts, q.job, *q.page);
  out.records.reserve(q.records_of.size());
  for (auto n : q.records_of) out.records.push_back(row.record(n));
  return out;
}

}  // namespace bistro
