#include "actors/jobs/job_actor.hpp"

#include <spdlog/spdlog.h>

#include <caf/all.hpp>

#include "actors/rounds/status_remap.hpp"
#include "actors/state/persist_queue.hpp"
#include "actors/store/status_store.hpp"

namespace bistro {

namespace {

struct job_state {
  job_actor_options options;
  /// The snapshot the row's node ids refer to (null before the first).
  config_ptr cfg;
  node_tree_ptr tree;
  job_index job = 0;
  job_status_row row;
  job_round_side side;
  /// Status changes on their way to the store, and who waits for them.
  persist_queue queue;
  static inline const char* name = "job";
};

using job_ptr = job_actor::stateful_pointer<job_state>;

const job_config& config_of(job_ptr self) {
  return self->state.cfg->jobs[self->state.job];
}

/// Queues `node`'s status as its row has it now, for the store.
void keep(job_ptr self, node_id node, const run_note& run) {
  auto& st = self->state;
  if (!st.options.store) return;
  stored_status out;
  out.job = config_of(self).name;
  out.node = std::string{st.tree->name(node)};
  out.status = st.row.record(node);
  out.run_id = run.run_id;
  out.worker = run.worker;
  out.start_ms = run.start_ms;
  out.end_ms = run.end_ms;
  st.queue.push(std::move(out));
}

/// Sends the queue to the store as one batch; when acknowledgements wait,
/// as a request whose answer calls them.
void flush(job_ptr self) {
  auto& st = self->state;
  if (st.queue.empty()) return;
  auto batch = st.queue.take();
  if (!st.options.store) {
    for (const auto& ack : batch.acks) ack(true);
    return;
  }
  if (batch.acks.empty()) {
    self->send(st.options.store, persist_atom_v, std::move(batch.statuses));
    return;
  }
  // No timeout: the store answers once the batch is on disk, however long
  // a full disk takes; the workers keep their results meanwhile.
  self->request(st.options.store, caf::infinite, persist_atom_v,
                std::move(batch.statuses), ack_atom_v)
      .then(
          [acks = std::move(batch.acks)](bool ok) {
            for (const auto& ack : acks) ack(ok);
          },
          [](const caf::error&) {
            // The store is gone (shutdown): nobody is acknowledged, so the
            // workers keep their results and send them again.
          });
}

/// A promise kept once everything queued so far is on disk. Queued
/// statuses go with the next round's `feed` or the scheduler's next
/// `persist` (so that the results between two rounds go to the store as
/// one batch per job); with none queued, the store is asked now (for what
/// it holds of ours).
caf::result<bool> once_kept(job_ptr self) {
  auto& st = self->state;
  if (!st.options.store) return true;
  auto rp = self->make_response_promise<bool>();
  const bool nothing_queued = st.queue.queued() == 0;
  st.queue.after([rp](bool ok) mutable { rp.deliver(ok); });
  if (nothing_queued) flush(self);
  return rp;
}

void reset(job_ptr self, const job_reset& r) {
  auto& st = self->state;
  if (st.tree && st.tree != r.tree) {
    // Statuses follow their node names into the new tree.
    st.row = reindex_status_row(std::move(st.row), *st.tree, *r.tree);
  }
  if (st.row.size() != r.tree->size()) st.row.resize(r.tree->size());
  st.cfg = r.cfg;
  st.tree = r.tree;
  st.job = r.job;
  st.side.reset(r.job, config_of(self), r.facts, r.num_dependencies, r.blocked);
  for (const auto& [node, status] : r.restored) st.row.restore(node, status);
  for (const auto& [node, start_ms] : r.running)
    if (st.row.label(node) != status_label::running)
      st.row.mark_running(node, start_ms);
}

/// One event of the job's tasks; false when it was not taken (a late
/// result for a task that moved on).
bool apply(job_ptr self, const job_event& event) {
  auto& st = self->state;
  const auto& backoff = config_of(self).backoff;
  return std::visit(
      [&](const auto& e) -> bool {
        using event_type = std::decay_t<decltype(e)>;
        if constexpr (std::is_same_v<event_type, task_ended>) {
          st.row.apply(e.node, e.status, e.now_ms, backoff);
          keep(self, e.node, e.run);
          spdlog::info("{} on {} ended: {}{}{} (now {})", config_of(self).name,
                       st.tree->name(e.node), to_string(e.status.label),
                       e.status.message.empty() ? "" : ": ", e.status.message,
                       to_string(st.row.label(e.node)));
        } else if constexpr (std::is_same_v<event_type, late_task_ended>) {
          // A restored run's task still shows it running; a lost run's task
          // shows the loss (anything else: its status moved on, and this
          // result is old).
          auto label = st.row.label(e.ended.node);
          if (e.restored ? label != status_label::running
                         : label == status_label::running ||
                               label == status_label::done) {
            spdlog::info("{}: ignoring its late result, its status moved on",
                         e.what);
            return false;
          }
          st.row.apply(e.ended.node, e.ended.status, e.ended.now_ms, backoff);
          keep(self, e.ended.node, e.ended.run);
          spdlog::info("{} ended {}: {} (now {})", e.what,
                       e.restored ? "while the scheduler was down"
                                  : "after its worker was given up",
                       to_string(e.ended.status.label),
                       to_string(st.row.label(e.ended.node)));
        } else if constexpr (std::is_same_v<event_type, task_lost>) {
          if (st.row.mark_worker_lost(e.node, e.now_ms, e.min_wait_ms, backoff,
                                      e.message))
            keep(self, e.node, e.run);
        } else if constexpr (std::is_same_v<event_type, task_adopted>) {
          st.row.mark_running(e.node, e.run.start_ms);
          keep(self, e.node, e.run);
        } else if constexpr (std::is_same_v<event_type, runs_unconfirmed>) {
          for (node_id node : e.nodes) {
            if (st.row.label(node) != status_label::running) continue;
            spdlog::warn(
                "{} on {} was running before the restart and no worker "
                "reported it: it was not running",
                config_of(self).name, st.tree->name(node));
            st.row.apply(node,
                         parsed_status{status_label::was_not_running, "",
                                       "no worker reported this run after the "
                                       "scheduler restarted"},
                         e.now_ms, backoff);
            keep(self, node, {});
          }
        } else {
          static_assert(std::is_same_v<event_type, tasks_forgiven>);
          for (auto n :
               st.tree->nodes_at_level(config_of(self).level_for_tasks)) {
            auto before = st.row.record(n);
            st.row.forgive(n);
            if (st.row.record(n) != before) keep(self, n, {});
          }
          flush(self);
        }
        return true;
      },
      event.what);
}

job_actor::behavior_type job_behavior(job_ptr self, job_actor_options options) {
  self->state.options = std::move(options);
  self->set_exit_handler([=](const caf::exit_msg& msg) {
    flush(self);  // nothing queued for the store is left behind
    self->quit(msg.reason);
  });
  return {
      [=](update_atom, const job_reset_ptr& r) { reset(self, *r); },
      [=](feed_atom, std::int64_t now_ms, bool scan, bool report_done,
          const job_events_ptr& events) -> job_feed_ptr {
        auto& st = self->state;
        if (events)
          for (const auto& event : *events) apply(self, event);
        auto out = std::make_shared<job_feed>(
            st.side.answer(st.row, {now_ms, scan, report_done}));
        // A round begins: the statuses of the events since the last one go
        // to the store as one batch.
        flush(self);
        return out;
      },
      [=](check_atom, const job_check_question_ptr& q) -> job_check_ptr {
        auto& st = self->state;
        return std::make_shared<job_check>(
            st.side.answer(&st.row, std::move(*q)));
      },
      [=](run_atom, const job_start_order_ptr& order) -> job_started_ptr {
        auto& st = self->state;
        // Records always: an accepted start's status is stored.
        auto out = std::make_shared<job_started>();
        st.side.accept_starts(st.row, order->starts.nodes, order->starts.now_ms,
                              out->accepted, &out->records);
        // An accepted start's "running" status goes to the store with the
        // run it belongs to.
        for (std::size_t i = 0; i < out->accepted.size(); ++i)
          if (out->accepted[i] && i < order->runs.size())
            keep(self, order->starts.nodes[i], order->runs[i]);
        if (!order->starts.records) out->records.clear();
        flush(self);
        return out;
      },
      [=](result_atom, const job_events_ptr& events) {
        for (const auto& event : *events) apply(self, event);
      },
      [=](persist_atom) { flush(self); },
      [=](persist_atom, ack_atom) -> caf::result<bool> {
        return once_kept(self);
      },
      [=](monitor_atom, const job_monitor_question_ptr& q) -> job_answer_ptr {
        auto& st = self->state;
        return std::make_shared<job_answer>(answer_job_question(
            st.row, {*st.cfg, *st.tree, *q->exclusions, q->now_ms},
            q->question));
      },
  };
}

}  // namespace

job_actor spawn_job_actor(caf::local_actor* parent, job_actor_options options) {
  return parent->spawn<caf::linked>(job_behavior, std::move(options));
}

}  // namespace bistro
