#include "actors/config_watcher/config_watcher.hpp"

#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <caf/all.hpp>
#include <chrono>

#include "actors/protocol/wall_clock.hpp"
#include "actors/runtime/detached_census.hpp"
#include "config/config_edit.hpp"

namespace bistro {

namespace {

struct file_stamp {
  std::int64_t mtime_ns = -1;
  std::int64_t size = -1;
  std::uint64_t inode = 0;
  bool operator==(const file_stamp&) const = default;
};

file_stamp stamp_of(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return {};
  return {static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1000000000 +
              st.st_mtim.tv_nsec,
          static_cast<std::int64_t>(st.st_size),
          static_cast<std::uint64_t>(st.st_ino)};
}

struct watcher_state {
  config_watcher_options options;
  file_stamp last;
  static inline const char* name = "config_watcher";
};

using watcher_ptr = config_watcher_actor::stateful_pointer<watcher_state>;

void check(watcher_ptr self) {
  auto& st = self->state;
  auto now = stamp_of(st.options.path);
  if (now == st.last) return;
  st.last = now;
  auto result = load_config_file(st.options.path, st.options.policies,
                                 st.options.max_bytes);
  if (!result.ok()) {
    std::string message;
    for (const auto& e : result.errors)
      message += (message.empty() ? "" : "; ") + e;
    spdlog::error("config: keeping the last good config: {}", message);
    self->send(st.options.scheduler, error_atom_v, std::string{"config"},
               message, wall_ms());
    return;
  }
  for (const auto& w : result.value->warnings) spdlog::warn("config: {}", w);
  for (const auto& job : result.value->jobs)
    for (const auto& e : job.errors) spdlog::error("config: {}", e);
  spdlog::info("config: loaded {} ({} jobs)", st.options.path,
               result.value->jobs.size());
  self->send(st.options.nodes, update_atom_v, result.value);
}

config_watcher_actor::behavior_type watcher_behavior(
    watcher_ptr self, config_watcher_options options) {
  self->state.options = std::move(options);
  count_detached(self);  // main waits for it (detached_census.hpp)
  check(self);
  self->delayed_send(self,
                     std::chrono::milliseconds(self->state.options.update_ms),
                     tick_atom_v);
  return {
      [=](save_atom, const std::string& job,
          const std::string& job_json) -> caf::result<std::string, bool> {
        const auto& o = self->state.options;
        config_edit_report report;
        auto err = edit_config_job(o.path, job, job_json, o.policies,
                                   o.max_bytes, o.backups, &report);
        if (err) return {*err, report.job_missing};
        spdlog::info(
            "config: {} job {} in {} ({}):\n{}",
            job_json.empty() ? "deleted" : "saved", job, o.path,
            report.backup.empty() ? std::string{"no backup kept"}
                                  : "the previous file is " + report.backup,
            report.diff.empty() ? std::string{"(no change)\n"} : report.diff);
        check(self);  // the new file runs from the next round on
        return {std::string{}, false};
      },
      [=](tick_atom) {
        check(self);
        self->delayed_send(
            self, std::chrono::milliseconds(self->state.options.update_ms),
            tick_atom_v);
      },
  };
}

}  // namespace

config_watcher_actor spawn_config_watcher(caf::actor_system& sys,
                                          config_watcher_options options) {
  return sys.spawn<caf::detached>(watcher_behavior, std::move(options));
}

}  // namespace bistro
