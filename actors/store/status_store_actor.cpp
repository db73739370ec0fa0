#include "actors/store/status_store_actor.hpp"

#include <spdlog/spdlog.h>

#include <caf/all.hpp>
#include <chrono>
#include <thread>

#include "actors/runtime/detached_census.hpp"

namespace bistro {

namespace {

/// Answers run-history questions from the store, each in its own read
/// transaction, on a thread of its own.
using history_reader_actor =
    caf::typed_actor<caf::replies_to<history_atom, std::string,
                                     std::string>::with<run_history_ptr>,
                     caf::replies_to<history_atom, std::string,
                                     std::uint64_t>::with<run_history_ptr>,
                     caf::reacts_to<stop_atom>>;

history_reader_actor::behavior_type history_reader(
    history_reader_actor::pointer self, std::shared_ptr<status_store> store,
    std::function<void()> before_read) {
  count_detached(self);  // main waits for it (detached_census.hpp)
  return {
      [=](history_atom, const std::string& job, const std::string& node) {
        if (before_read) before_read();
        auto page = std::make_shared<run_history_page>();
        auto loaded = store->load_history(job, node);
        if (auto* err = std::get_if<std::string>(&loaded)) {
          page->error = std::move(*err);
        } else {
          for (auto& run : std::get<0>(loaded))
            page->runs.push_back(job_run_entry{node, std::move(run)});
        }
        return run_history_ptr{std::move(page)};
      },
      [=](history_atom, const std::string& job, std::uint64_t limit) {
        if (before_read) before_read();
        auto page = std::make_shared<run_history_page>();
        auto loaded =
            store->load_job_history(job, static_cast<std::size_t>(limit));
        if (auto* err = std::get_if<std::string>(&loaded))
          page->error = std::move(*err);
        else
          page->runs = std::move(std::get<0>(loaded));
        return run_history_ptr{std::move(page)};
      },
      [=](stop_atom) { self->quit(); },
  };
}

struct store_state {
  status_store_actor_options options;
  /// Who hears how commits go: the one that joined, else the first sender
  /// of statuses.
  store_report_actor scheduler;
  status_batch pending;
  /// Waiting for `pending` to reach the disk.
  std::vector<caf::typed_response_promise<bool>> acks;
  bool tick_scheduled = false;
  /// A commit is asked for (a `tick` to itself, behind what waits in the
  /// mailbox).
  bool commit_queued = false;
  bool failing = false;
  std::chrono::steady_clock::time_point next_history_prune{};
  history_reader_actor reader;
  static inline const char* name = "status_store";
};

using store_ptr = status_store_actor::stateful_pointer<store_state>;

void schedule(store_ptr self, std::int64_t ms) {
  if (self->state.tick_scheduled) return;
  self->state.tick_scheduled = true;
  self->delayed_send(self, std::chrono::milliseconds(ms), tick_atom_v);
}

constexpr auto history_prune_interval = std::chrono::hours(1);

void prune_history_if_due(store_ptr self) {
  auto& st = self->state;
  const auto now = std::chrono::steady_clock::now();
  if (st.options.history_retention_ms <= 0 || now < st.next_history_prune)
    return;
  st.next_history_prune = now + history_prune_interval;
  const auto cutoff_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(
          std::chrono::system_clock::now().time_since_epoch())
          .count() -
      st.options.history_retention_ms;
  auto pruned = st.options.store->prune_history_older_than(cutoff_ms);
  if (auto* err = std::get_if<std::string>(&pruned))
    spdlog::error("{}; retrying in an hour", *err);
  else if (auto n = std::get<std::size_t>(pruned); n > 0)
    spdlog::info("status store: pruned {} run history entries past {} s", n,
                 st.options.history_retention_ms / 1000);
}

void commit(store_ptr self) {
  auto& st = self->state;
  st.tick_scheduled = false;
  if (st.pending.empty()) return;
  prune_history_if_due(self);
  auto began = std::chrono::steady_clock::now();
  auto err = st.options.store->commit(st.pending);
  double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - began)
          .count();
  if (err) {
    spdlog::critical(
        "status store: cannot persist {} status(es), retrying every second; "
        "no new task starts until this works: {}",
        st.pending.size(), *err);
    st.failing = true;
    self->send(st.scheduler, persist_atom_v, false, *err,
               std::uint64_t{st.pending.size()}, seconds);
    schedule(self, 1000);
    return;
  }
  if (st.failing) spdlog::warn("status store: persisting works again");
  st.failing = false;
  self->send(st.scheduler, persist_atom_v, true, std::string{},
             std::uint64_t{st.pending.size()}, seconds);
  st.pending.clear();
  for (auto& rp : st.acks) rp.deliver(true);
  st.acks.clear();
}

/// The last commits before the process exits: retried for up to
/// `shutdown_retry_ms` (a full disk may get room), then every status that
/// could not be written is named in the log and the actor ends with an
/// error, so that the process exits non-zero instead of losing them
/// silently.
void finish(store_ptr self, caf::error reason) {
  auto& st = self->state;
  commit(self);
  auto deadline = std::chrono::steady_clock::now() +
                  std::chrono::milliseconds(st.options.shutdown_retry_ms);
  if (!st.pending.empty())
    spdlog::critical(
        "status store: {} status(es) not yet written; retrying for up to {} "
        "ms before exiting",
        st.pending.size(), st.options.shutdown_retry_ms);
  while (!st.pending.empty() && std::chrono::steady_clock::now() < deadline) {
    // Detached: blocking here holds up no other actor.
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
    commit(self);
  }
  if (st.pending.empty()) {
    self->quit(std::move(reason));
    return;
  }
  spdlog::critical(
      "status store: stopping with {} status(es) not written after {} ms of "
      "retries; they are lost from the store, and those tasks may run again:",
      st.pending.size(), st.options.shutdown_retry_ms);
  for (const auto& s : st.pending)
    spdlog::critical(
        "status store: not written: job \"{}\" node \"{}\": {} "
        "(run {})",
        s.job, s.node, to_string(s.status.label), s.run_id);
  self->quit(caf::make_error(caf::sec::runtime_error,
                             "statuses not written at shutdown"));
}

void take(store_ptr self, status_batch& batch) {
  auto& st = self->state;
  if (!st.scheduler)
    st.scheduler = caf::actor_cast<store_report_actor>(self->current_sender());
  if (st.pending.empty())
    st.pending = std::move(batch);
  else
    st.pending.insert(st.pending.end(), std::make_move_iterator(batch.begin()),
                      std::make_move_iterator(batch.end()));
}

status_store_actor::behavior_type store_behavior(
    store_ptr self, status_store_actor_options options) {
  self->state.options = std::move(options);
  count_detached(self);  // main waits for it (detached_census.hpp)
  auto reader =
      self->spawn<caf::detached>(history_reader, self->state.options.store,
                                 self->state.options.before_history_read);
  self->state.reader = reader;
  // However the store actor ends, its reader ends after the questions it
  // was handed.
  self->attach_functor([reader] { caf::anon_send(reader, stop_atom_v); });
  self->set_exit_handler([=](const caf::exit_msg& msg) {
    // What was handed to us reaches the disk before we go.
    finish(self, msg.reason);
  });
  return {
      [=](join_atom, store_report_actor scheduler) {
        self->state.scheduler = std::move(scheduler);
      },
      [=](persist_atom, status_batch& batch) {
        take(self, batch);
        if (!self->state.failing) schedule(self, self->state.options.commit_ms);
      },
      [=](persist_atom, status_batch& batch, ack_atom) -> caf::result<bool> {
        take(self, batch);
        auto& st = self->state;
        // Nothing held: everything sent before is on disk.
        if (st.pending.empty() && !st.failing) return true;
        st.acks.push_back(self->make_response_promise<bool>());
        if (st.failing) {
          schedule(self, 1000);
        } else if (!st.commit_queued) {
          // Someone waits: commit now rather than at the next tick, once
          // the batches already in the mailbox are taken too (the job
          // actors of a round send theirs together: one commit for all).
          st.commit_queued = true;
          self->send(self, tick_atom_v);
        }
        return st.acks.back();
      },
      [=](persist_atom, const std::string& shard, const std::string& hash) {
        // Rare (a worker's first welcome): its own transaction, now, so that
        // the worker's secret is known after a restart.
        if (auto err =
                self->state.options.store->save_worker_secret_hash(shard, hash))
          spdlog::error(
              "{}; after a restart worker {} will have to start over as a "
              "new worker",
              *err, shard);
      },
      [=](prune_atom, const std::vector<std::string>& keep_jobs) {
        if (auto err = self->state.options.store->prune_jobs_not_in(keep_jobs))
          spdlog::error("status store: pruning: {}", *err);
        else
          spdlog::info("status store: pruned the statuses of deleted jobs");
      },
      [=](history_atom, std::string& job,
          std::string& node) -> caf::delegated<run_history_ptr> {
        // What was handed over before the question is part of the answer:
        // committed before the reader's transaction begins.
        if (!self->state.failing) commit(self);
        return self->delegate(self->state.reader, history_atom_v,
                              std::move(job), std::move(node));
      },
      [=](history_atom, std::string& job,
          std::uint64_t limit) -> caf::delegated<run_history_ptr> {
        if (!self->state.failing) commit(self);
        return self->delegate(self->state.reader, history_atom_v,
                              std::move(job), limit);
      },
      [=](stop_atom) { finish(self, caf::exit_reason::normal); },
      [=](tick_atom) {
        self->state.commit_queued = false;
        commit(self);
      },
  };
}

}  // namespace

status_store_actor spawn_status_store_actor(
    caf::actor_system& sys, status_store_actor_options options) {
  return sys.spawn<caf::detached>(store_behavior, std::move(options));
}

}  // namespace bistro
