#include "actors/store/status_store_actor.hpp"

#include <spdlog/spdlog.h>

#include <caf/all.hpp>
#include <chrono>

namespace bistro {

namespace {

struct store_state {
  status_store_actor_options options;
  /// Who sent the statuses: the one to tell how commits go.
  scheduler_actor scheduler;
  status_batch pending;
  /// Waiting for `pending` to reach the disk.
  std::vector<caf::typed_response_promise<bool>> acks;
  bool tick_scheduled = false;
  bool failing = false;
  static inline const char* name = "status_store";
};

using store_ptr = status_store_actor::stateful_pointer<store_state>;

void schedule(store_ptr self, std::int64_t ms) {
  if (self->state.tick_scheduled) return;
  self->state.tick_scheduled = true;
  self->delayed_send(self, std::chrono::milliseconds(ms), tick_atom_v);
}

void commit(store_ptr self) {
  auto& st = self->state;
  st.tick_scheduled = false;
  if (st.pending.empty()) return;
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

void take(store_ptr self, status_batch& batch) {
  auto& st = self->state;
  if (!st.scheduler)
    st.scheduler = caf::actor_cast<scheduler_actor>(self->current_sender());
  if (st.pending.empty())
    st.pending = std::move(batch);
  else
    st.pending.insert(st.pending.end(), std::make_move_iterator(batch.begin()),
                      std::make_move_iterator(batch.end()));
}

status_store_actor::behavior_type store_behavior(
    store_ptr self, status_store_actor_options options) {
  self->state.options = std::move(options);
  self->set_exit_handler([=](const caf::exit_msg& msg) {
    commit(self);  // what was handed to us reaches the disk before we go
    self->quit(msg.reason);
  });
  return {
      [=](persist_atom, status_batch& batch) {
        take(self, batch);
        if (!self->state.failing) schedule(self, self->state.options.commit_ms);
      },
      [=](persist_atom, status_batch& batch, ack_atom) -> caf::result<bool> {
        take(self, batch);
        auto& st = self->state;
        // Nothing waits: everything sent before is on disk already.
        if (st.pending.empty()) return true;
        st.acks.push_back(self->make_response_promise<bool>());
        if (!st.failing) schedule(self, st.options.commit_ms);
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
      [=](stop_atom) {
        commit(self);
        self->quit();
      },
      [=](tick_atom) { commit(self); },
  };
}

}  // namespace

status_store_actor spawn_status_store_actor(
    caf::actor_system& sys, status_store_actor_options options) {
  return sys.spawn<caf::detached>(store_behavior, std::move(options));
}

}  // namespace bistro
