#include "actors/workers/task_log_writer.hpp"

#include <spdlog/spdlog.h>

#include <caf/all.hpp>
#include <chrono>

#include "actors/protocol/wall_clock.hpp"
#include "actors/runtime/detached_census.hpp"

namespace bistro {

namespace {

struct writer_state {
  /// Shared with the exit functor, which flushes it however the writer
  /// ends.
  std::shared_ptr<task_log_store> store;
  std::int64_t retention_s = 0;
  std::int64_t prune_frequency_s = 0;
  /// Lines are committed but not yet flushed: the flush timer is set.
  bool sync_scheduled = false;
  static inline const char* name = "task_log_writer";
};

using writer_ptr = task_log_writer_actor::stateful_pointer<writer_state>;

/// How long committed lines may wait before they are flushed to disk.
constexpr auto sync_interval = std::chrono::seconds(1);

/// The store changed: flush it within `sync_interval`.
void mark_unsynced(writer_ptr self) {
  auto& st = self->state;
  if (st.sync_scheduled) return;
  st.sync_scheduled = true;
  self->delayed_send(self, sync_interval, tick_atom_v);
}

void save(writer_ptr self, task_log_batch& batch) {
  for (auto [type, lines] : {std::pair{log_type::stdout_log, &batch.out},
                             std::pair{log_type::stderr_log, &batch.err},
                             std::pair{log_type::statuses, &batch.statuses}}) {
    if (lines->empty()) continue;
    if (auto error = self->state.store->append(type, *lines))
      spdlog::error("task logs: {}", *error);
    mark_unsynced(self);
  }
}

void sync(writer_ptr self) {
  auto& st = self->state;
  st.sync_scheduled = false;
  if (auto err = st.store->sync()) spdlog::error("task logs: {}", *err);
}

void prune(writer_ptr self) {
  auto& st = self->state;
  auto pruned = st.store->prune_older_than(wall_ms() - st.retention_s * 1000);
  if (auto* e = std::get_if<std::string>(&pruned))
    spdlog::error("task logs: pruning: {}", *e);
  else if (std::get<std::size_t>(pruned) > 0)
    mark_unsynced(self);
  self->delayed_send(self, std::chrono::seconds(st.prune_frequency_s),
                     prune_atom_v);
}

/// One page of the store's lines for a `logs` request; a bad request or a
/// failed read is the reply's error.
log_reply query_task_logs(const task_log_store& store, const log_request& req) {
  log_reply out;
  log_query q;
  const auto type = req.type;
  if (log_type_name(type) == "unknown") {
    out.error =
        "unknown log type " + std::to_string(static_cast<unsigned>(req.type));
    return out;
  }
  q.type = type;
  q.jobs = req.jobs;
  q.nodes = req.nodes;
  q.ascending = req.ascending;
  if (req.line_id >= 0) q.start_line_id = req.line_id;
  if (req.time_ms >= 0) q.start_time_ms = req.time_ms;
  q.limit = static_cast<std::size_t>(req.limit);
  q.regex_filter = req.regex_filter;
  auto page = store.query(q);
  if (auto* err = std::get_if<std::string>(&page)) {
    out.error = std::move(*err);
    return out;
  }
  auto& p = std::get<log_page>(page);
  out.lines.reserve(p.lines.size());
  for (auto& l : p.lines)
    out.lines.push_back({std::move(l.job), std::move(l.node), l.time_ms,
                         std::move(l.line), l.line_id});
  out.next_line_id = p.next_line_id.value_or(-1);
  return out;
}

task_log_writer_actor::behavior_type writer_behavior(
    writer_ptr self, std::shared_ptr<task_log_store> store,
    std::int64_t retention_s, std::int64_t prune_frequency_s) {
  count_detached(self);  // main waits for it (detached_census.hpp)
  auto& st = self->state;
  st.store = std::move(store);
  st.retention_s = retention_s;
  st.prune_frequency_s = std::max<std::int64_t>(prune_frequency_s, 1);
  // However the writer ends (`stop`, the system's end), what it wrote
  // reaches the disk.
  self->attach_functor([store = st.store] {
    if (auto err = store->sync()) spdlog::error("task logs: {}", *err);
  });
  self->send(self, prune_atom_v);  // once at start, then every interval
  return {
      [=](save_atom, task_log_batch& batch) { save(self, batch); },
      [=](logs_atom, const log_request& req) {
        return query_task_logs(*self->state.store, req);
      },
      [=](stop_atom) { self->quit(); },
      [=](tick_atom) { sync(self); },
      [=](prune_atom) { prune(self); },
  };
}

}  // namespace

task_log_writer_actor spawn_task_log_writer(caf::actor_system& sys,
                                            task_log_writer_options options) {
  return sys.spawn<caf::detached>(
      writer_behavior,
      std::shared_ptr<task_log_store>{std::move(options.store)},
      options.retention_s, options.prune_frequency_s);
}

}  // namespace bistro
