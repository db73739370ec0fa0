// What the monitor asks of one job's status row, and that job's answer, as
// plain values: the part of a monitor answer that only the row's owner can
// give (its counts by shown status, Bistro's histogram, its failed nodes, a
// page of its tasks, the records of some of its tasks). The monitor's
// asking handlers (job_handlers.hpp, status_handlers.hpp, run_handlers.hpp)
// put one `job_question` per job into their question, the row's owner
// answers each with `answer_job_question`, and the handlers combine the
// answers with what the scheduler's read view holds. The owner is the
// job's actor (actors/jobs/job_actor.hpp): the scheduler sends each job
// actor its question and awaits the answers
// (actors/scheduler/scheduler_monitor.cpp, `ask_jobs`).
//
// Plain logic: no CAF. Thread contract: answer_job_question reads the row,
// which is not thread-safe (job_status_row.hpp), so it runs on the row
// owner's thread; the facts' config, tree and exclusions are immutable and
// may be shared.
#pragma once

#include <boost/json/object.hpp>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "actors/jobs/job_status_row.hpp"
#include "actors/monitor/bistro_monitor_format.hpp"
#include "actors/nodes/node_tree.hpp"
#include "actors/rounds/task_exclusions.hpp"
#include "config/config.hpp"

namespace bistro {

/// Tasks of one shown status: label `label`, shown as `shown` (a
/// never-started task on a node the job does not run on is shown as
/// `avoided` or `disabled`, see shown_status).
struct task_status_filter {
  status_label label = status_label::never_started;
  std::string shown;
};

/// One page of a job's tasks, in tree order.
struct task_page_question {
  /// Start after this node (tree order), or from the first task.
  std::optional<node_id> after;
  /// Only tasks of this shown status, or all.
  std::optional<task_status_filter> only;
  /// At most this many tasks: one more than the reply shows lets it tell
  /// whether there are more.
  std::size_t limit = 0;
};

/// What the monitor wants of one job's row; each part is asked for when
/// set (non-empty).
struct job_question {
  /// The job, by index in the config's jobs.
  std::size_t job = 0;
  /// Its tasks counted by shown status.
  bool counts = false;
  /// Bistro's histograms, with up to this many sample names a key.
  std::optional<std::size_t> histogram_samples;
  /// The names of its failed tasks' nodes, up to this many.
  std::optional<std::size_t> failed_limit;
  /// One page of its tasks.
  std::optional<task_page_question> page;
  /// The status records of these nodes (of its task level).
  std::vector<node_id> records_of;
};

/// A task on a page: its node's name, its label, and its status as the
/// monitor shows it (status_to_json, with the shown status as "label").
struct listed_task {
  std::string node;
  status_label label = status_label::never_started;
  boost::json::object status;
};

/// The failed tasks' nodes: the first names in tree order, and how many
/// more there are.
struct failed_tasks {
  std::vector<std::string> names;
  std::int64_t more = 0;
};

/// One job's answer: the parts its question asked for.
struct job_answer {
  std::size_t job = 0;
  /// {"done": 3, "avoided": 1}: by shown status, zeros left out.
  std::optional<boost::json::object> counts;
  std::optional<bistro_histogram> histogram;
  std::optional<failed_tasks> failed;
  /// The page's tasks (empty when not asked).
  std::vector<listed_task> page;
  /// One record per asked node, in the question's order.
  std::vector<status_record> records;
};

/// What an answer reads besides the row: the (config, tree) the question
/// was made for, that pair's exclusions, and the time now. Valid during
/// the call.
struct job_answer_facts {
  const config& cfg;
  const node_tree& tree;
  const task_exclusions& exclusions;
  std::int64_t now_ms = 0;
};

/// Answers `q` from `row`, job `q.job`'s status row for `facts`' config
/// and tree.
job_answer answer_job_question(const job_status_row& row,
                               const job_answer_facts& facts,
                               const job_question& q);

}  // namespace bistro
