// bistro_shell --data_dir: answers the shell's monitor requests offline,
// from a scheduler's status store (<dir>/statuses) and a worker's task log
// store (<dir>/task_logs) opened read-only, whether or not their processes
// run (LMDB lets readers beside a writer; the data dir's `lock` file is
// never taken, nothing is written). The replies have the scheduler's JSON
// shapes (actors/protocol/monitor.md) for the handlers that make sense
// offline: task (plus the store's run history and last run), task_history,
// job_history, tasks, job_summary (counts only), jobs, task_logs. Every
// other handler answers "not available offline (--data_dir)".
//
// Thread contract: one thread (the shell's main thread) calls every member;
// calls block on disk reads.
#pragma once

#include <memory>
#include <string>
#include <variant>

#include "apps/shell/request_target.hpp"
#include "actors/store/status_store.hpp"
#include "actors/store/task_log_store.hpp"

namespace bistro::shell {

class offline_stores : public request_target {
 public:
  /// Opens whichever of <data_dir>/statuses and <data_dir>/task_logs
  /// exist; an error when neither does or one fails to open.
  static std::variant<std::unique_ptr<offline_stores>, std::string> open(
      const std::string& data_dir);

  request_outcome ask(const std::string& request) override;
  /// "offline: <data_dir>".
  std::string where() const override;

  bool has_statuses() const { return statuses_ != nullptr; }
  bool has_task_logs() const { return logs_ != nullptr; }

 private:
  offline_stores() = default;

  std::string data_dir_;
  std::unique_ptr<status_store> statuses_;
  std::unique_ptr<task_log_store> logs_;
};

}  // namespace bistro::shell
