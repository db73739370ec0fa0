// The results a remote worker has not yet seen acknowledged: every run's
// result waits here, one file per run in `<data_dir>/results/`, from the
// moment the run ends until the scheduler answers that the status is on
// disk. A worker cut off from its scheduler, or restarted (kill -9
// included), sends them again when it says hello, so that no finished run
// is lost or run again. Files are written without fsync: they survive the
// process, not a power cut.
//
// Not thread-safe: the worker link actor owns it. Errors are logged by the
// caller from the returned text; a result that cannot be written is still
// kept in memory.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "actors/protocol/messages.hpp"

namespace bistro {

class result_queue {
 public:
  /// Kept in memory only when `dir` is empty.
  explicit result_queue(std::string dir = "") : dir_(std::move(dir)) {}

  /// Reads back what an earlier process left in the directory (creating
  /// it); the errors, one line each, naming the file ("" = none).
  std::string load();

  /// Keeps `r` until `drop(r.run_id)`; the error writing its file, or "".
  std::string add(const task_result& r);

  /// The scheduler has it: forget it.
  void drop(std::uint64_t run_id);

  /// Every result kept, by run id.
  const std::map<std::uint64_t, task_result>& all() const { return results_; }
  bool contains(std::uint64_t run_id) const {
    return results_.count(run_id) > 0;
  }

 private:
  std::string file_of(std::uint64_t run_id) const;

  std::string dir_;
  std::map<std::uint64_t, task_result> results_;
};

}  // namespace bistro
