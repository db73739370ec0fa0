// THE one header set of bistro-caf's messages: atoms, snapshot handles, the
// typed interface of every actor, and the single type-id block. Nothing
// else declares a message.
//
// Types sent to remote peers (task_spec, task_result, kill_order, the
// worker handshake) are serializable; snapshot pointers (config, node tree,
// round data) are local only, shared read-only, and marked as unsafe
// message types so that CAF never tries to serialize them.
//
// The floor of the actor tree: it includes CAF, its own folder and
// header-only value types of config/ only (tests/lint checks that), so the
// shell and the worker compile none of the scheduler's parts. Types a
// message names but others own are declared in fwd.hpp.
#pragma once

#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/atom.hpp>
#include <caf/replies_to.hpp>
#include <caf/type_id.hpp>
#include <caf/typed_actor.hpp>
#include <memory>

#include "actors/protocol/fwd.hpp"
#include "actors/protocol/messages.hpp"

namespace bistro {

/// Task output lines and status events on their way from a worker to its
/// task-log writer, one vector per stream. `log_entry` is the task-log
/// store's: whoever fills or reads a batch includes task_log_store.hpp.
struct task_log_batch {
  std::vector<log_entry> statuses;
  std::vector<log_entry> out;
  std::vector<log_entry> err;
};

}  // namespace bistro

// Atoms (CAF 0.17: at most 10 characters).
CAF_ADD_ATOM(bistro, bistro, run_atom, "run")
CAF_ADD_ATOM(bistro, bistro, kill_atom, "kill")
CAF_ADD_ATOM(bistro, bistro, tick_atom, "tick")
CAF_ADD_ATOM(bistro, bistro, result_atom, "result")
CAF_ADD_ATOM(bistro, bistro, update_atom, "update")
CAF_ADD_ATOM(bistro, bistro, plan_atom, "plan")
CAF_ADD_ATOM(bistro, bistro, error_atom, "error")
CAF_ADD_ATOM(bistro, bistro, join_atom, "join")
CAF_ADD_ATOM(bistro, bistro, stats_atom, "stats")
CAF_ADD_ATOM(bistro, bistro, hello_atom, "hello")
CAF_ADD_ATOM(bistro, bistro, heartbeat_atom, "heartbeat")
CAF_ADD_ATOM(bistro, bistro, ping_atom, "ping")
CAF_ADD_ATOM(bistro, bistro, list_atom, "list")
CAF_ADD_ATOM(bistro, bistro, check_atom, "check")
CAF_ADD_ATOM(bistro, bistro, persist_atom, "persist")
CAF_ADD_ATOM(bistro, bistro, prune_atom, "prune")
CAF_ADD_ATOM(bistro, bistro, stop_atom, "stop")
CAF_ADD_ATOM(bistro, bistro, monitor_atom, "monitor")
CAF_ADD_ATOM(bistro, bistro, logs_atom, "logs")
CAF_ADD_ATOM(bistro, bistro, save_atom, "save")
CAF_ADD_ATOM(bistro, bistro, ack_atom, "ack")
CAF_ADD_ATOM(bistro, bistro, history_atom, "history")
CAF_ADD_ATOM(bistro, bistro, feed_atom, "feed")

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(bistro::config_ptr)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(bistro::node_tree_ptr)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(bistro::round_input_ptr)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(bistro::round_output_ptr)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(bistro::parked_batch_ptr)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(bistro::status_batch)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(bistro::task_log_batch)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(bistro::fetched_nodes_ptr)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(bistro::run_history_ptr)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(bistro::job_feed_ptr)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(bistro::job_check_question_ptr)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(bistro::job_check_ptr)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(bistro::job_start_order_ptr)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(bistro::job_started_ptr)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(bistro::job_reset_ptr)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(bistro::job_events_ptr)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(bistro::job_monitor_question_ptr)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(bistro::job_answer_ptr)

namespace bistro {

/// A worker runs tasks. The scheduler sends `run` (the worker answers with
/// a `result` to its task sink when the run ends, also when it cannot
/// start or when the (job, node) is already running there), `kill` for one
/// run, `kill` with a wait for every run (a worker that lost its scheduler),
/// `ping` (the healthcheck: true while it accepts work) and `list` (its
/// running tasks), `logs` (a page of its task logs). `tick` is the
/// worker's own poll timer.
using worker_actor = caf::typed_actor<
    caf::replies_to<logs_atom, log_request>::with<log_reply>,
    caf::reacts_to<run_atom, task_spec>, caf::reacts_to<kill_atom, kill_order>,
    caf::reacts_to<kill_atom, std::int64_t>,
    caf::replies_to<ping_atom>::with<bool>,
    caf::replies_to<list_atom>::with<std::vector<running_task_report>>,
    caf::reacts_to<tick_atom>, caf::reacts_to<tick_atom, std::uint64_t>>;

/// A worker's task-log writer owns the task-log store: `save` appends a
/// batch, `logs` answers a page (after every batch sent before it),
/// `stop` flushes to disk and ends it (an ordinary message, so batches
/// sent before it are written first); `tick` is its flush timer and
/// `prune` its retention timer.
using task_log_writer_actor =
    caf::typed_actor<caf::reacts_to<save_atom, task_log_batch>,
                     caf::replies_to<logs_atom, log_request>::with<log_reply>,
                     caf::reacts_to<stop_atom>, caf::reacts_to<tick_atom>,
                     caf::reacts_to<prune_atom>>;

/// Where workers report ended runs: the scheduler.
using task_sink_actor =
    caf::typed_actor<caf::reacts_to<result_atom, task_result>>;

/// The answer to a heartbeat: false when the scheduler no longer counts
/// this worker instance (it was lost): the worker kills its tasks and
/// says hello again, as a new worker.
struct heartbeat_reply {
  bool known = false;
  std::string message;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, heartbeat_reply& x) {
  return f(caf::meta::type_name("heartbeat_reply"), x.known, x.message);
}

/// A worker's session at the scheduler: an actor made for one worker at its
/// welcome, and the only scheduler-side actor that worker ever holds. The
/// worker sends `heartbeat` (with its runs and what each uses now) and
/// `result`, each with the secret its welcome handed out; the session drops
/// whatever lacks it, stamps results with the worker's shard (so they count
/// only for runs sent to that worker) and relays the scheduler's orders to the
/// worker as their sender, so that the scheduler's own handle never leaves its
/// process. A result is answered once the scheduler is done with it (its status
/// is on disk, or it was ignored): until then the worker keeps it.
using worker_session_actor = caf::typed_actor<
    caf::replies_to<heartbeat_atom, std::string,
                    std::vector<running_task_report>>::with<heartbeat_reply>,
    caf::replies_to<result_atom, std::string, task_result>::with<bool>>;

/// The session's whole behavior: the worker's interface toward the scheduler
/// (which holds it as the worker's handle) plus the worker-facing messages.
using worker_session_full_actor =
    worker_actor::extend_with<worker_session_actor>;

/// A remote worker introduces itself: who it is, how to reach it, the
/// secret an earlier welcome gave it (empty at first contact), what it runs
/// now and what ended while it was cut off.
struct worker_hello {
  std::string shard;
  std::string host;
  std::int32_t pid = 0;
  /// The worker's --server_port: names it as "host:port" in
  /// worker_resources_override (0 = none).
  std::int32_t port = 0;
  std::int64_t start_ms = 0;
  std::uint32_t protocol_version = 0;
  /// How often this worker heartbeats (--heartbeat_period_sec).
  std::int64_t heartbeat_period_ms = 15000;
  worker_actor handle;
  std::vector<running_task_report> running;
  std::vector<task_result> finished;
  /// Proves that this is the worker an earlier welcome was for.
  std::string secret;
  /// What the worker measured of its machine at start.
  physical_report physical;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, worker_hello& x) {
  return f(caf::meta::type_name("worker_hello"), x.shard, x.host, x.pid,
           x.start_ms, x.protocol_version, x.heartbeat_period_ms, x.handle,
           x.running, x.finished, x.port, x.secret, x.physical);
}

/// The scheduler's answer to a hello; a refusal says why. An accepted
/// worker gets its session and the secret every message to it must carry
/// (the worker keeps it in its --data_dir for the next hello).
struct worker_welcome {
  bool accepted = false;
  std::string message;
  std::uint32_t protocol_version = bistro::protocol_version;
  health_settings health;
  worker_session_actor session;
  std::string secret;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, worker_welcome& x) {
  return f(caf::meta::type_name("worker_welcome"), x.accepted, x.message,
           x.protocol_version, x.health, x.session, x.secret);
}

/// The scheduler's one door to the network, published on --server_port:
/// workers say hello (and get a session for everything after), and
/// `monitor` answers a JSON monitor request (actors/protocol/monitor.md)
/// for bistro_shell, with the operator's token ("" for none): when the
/// scheduler has one (--http_auth_token_file), a request naming a mutating
/// handler (actors/monitor/monitor_table.hpp) without it is refused whole with
/// {"error": why}. It answers as itself, never by delegation, so that no
/// peer ever learns another actor of the scheduler's process through it.
using front_door_actor = caf::typed_actor<
    caf::replies_to<monitor_atom, std::string /*request JSON*/,
                    std::string /*token, "" for none*/>::with<std::string>,
    caf::replies_to<hello_atom, worker_hello>::with<worker_welcome>>;

/// The worker's link to its scheduler (bistro_worker): the task sink of
/// the local worker (results go on to the scheduler, or wait while cut
/// off); `join` hands it the local worker and starts connecting; `tick` is
/// its heartbeat timer, `check` its lost-the-scheduler deadline timer.
using worker_link_actor = task_sink_actor::extend<
    caf::reacts_to<join_atom, worker_actor>, caf::reacts_to<join_atom>,
    caf::reacts_to<tick_atom>, caf::reacts_to<check_atom>>;

/// The policy runs one round's plan per message; no errors (a plan with no
/// picks is an answer).
using policy_actor = caf::typed_actor<
    caf::replies_to<plan_atom, round_input_ptr>::with<round_output_ptr>>;

/// The nodes actor: gets every new config from the config watcher, keeps
/// one node-source actor per configured source, merges what they fetch
/// into a new node tree whenever one of them reports (`update` with the
/// source actor's id and its fetch) and hands consistent (config, tree)
/// pairs to the scheduler.
using nodes_actor =
    caf::typed_actor<caf::reacts_to<update_atom, config_ptr>,
                     caf::reacts_to<update_atom, std::uint64_t /*source id*/,
                                    fetched_nodes_ptr>>;

/// A node source's actor: one per `nodes.node_sources` entry, spawned (and
/// linked) by the nodes actor, which it answers with `update` on its own
/// schedule: at once, then at the source's next change in time (add_time),
/// or every --nodes_update_ms (--nodes_retry_ms after a failed run) for a
/// source that reads the outside (script). `run` asks it to fetch for
/// these parents now; `tick` is its own timer (with a generation: only the
/// newest counts).
using node_source_actor =
    caf::typed_actor<caf::reacts_to<run_atom, std::vector<std::string>>,
                     caf::reacts_to<tick_atom, std::uint64_t>>;

/// The config watcher polls the file's mtime; `tick` is its own timer.
/// `save` (job name, job JSON, or "" to delete the job) rewrites the config
/// file atomically and reloads it; the answer is "" or the error, and
/// whether the error is that a delete found no such job in the file.
using config_watcher_actor =
    caf::typed_actor<caf::reacts_to<tick_atom>,
                     caf::replies_to<save_atom, std::string,
                                     std::string>::with<std::string, bool>>;

/// Who hears how the status store's commits go: the scheduler.
using store_report_actor = caf::typed_actor<
    caf::reacts_to<persist_atom, bool, std::string, std::uint64_t, double>>;

/// The status store actor: `join` names who hears how its commits go (the
/// scheduler; without one, the first sender of a batch); `persist` a batch of
/// changed statuses (they are group-committed every few ms; with `ack`,
/// answered once they are on disk with everything sent before), `persist` a
/// remote worker's secret hash (shard, hash: written at once), `prune` the
/// statuses of jobs not named, `stop` commits what it holds and ends it (an
/// ordinary message, so that batches sent before it are committed first);
/// `tick` is its commit timer. `history` reads the run history, after
/// committing what it holds: (job, node) answers that task's ended runs, oldest
/// first; (job, limit) the job's newest `limit` ended runs across its nodes,
/// newest first; a store that cannot read says why in the page's `error`.
using status_store_actor = caf::typed_actor<
    caf::reacts_to<join_atom, store_report_actor>,
    caf::reacts_to<persist_atom, status_batch>,
    caf::replies_to<persist_atom, status_batch, ack_atom>::with<bool>,
    caf::reacts_to<persist_atom, std::string, std::string>,
    caf::reacts_to<prune_atom, std::vector<std::string>>,
    caf::reacts_to<stop_atom>, caf::reacts_to<tick_atom>,
    caf::replies_to<history_atom, std::string,
                    std::string>::with<run_history_ptr>,
    caf::replies_to<history_atom, std::string,
                    std::uint64_t>::with<run_history_ptr>>;

/// A job's actor, one per job the scheduler has seen, spawned and linked
/// by the scheduler, which alone talks to it: it owns the job's status row
/// and its half of a round (actors/rounds/job_round_side.hpp) and queues
/// its status changes for the status store. `update` gives it a new
/// (config, tree) (its job's index, the round's shared facts, statuses to
/// restore, runs going on); `feed` (time, scan, report done, the events
/// since the last ones it got, or null), `check` and
/// `run` are the round's three questions (it sends what it queued to the
/// store after answering `feed` and `run`); `result` events of its tasks,
/// in order (results, late ones, losses, adoptions, runs no worker
/// reported, forgive); `persist` sends what it queued to the store; with
/// `ack`, answered once everything it queued so far is on disk (what it
/// queued goes with the next `persist`; with nothing queued, at once);
/// `monitor` answers the monitor's question about its statuses
/// (actors/monitor/job_questions.hpp).
using job_actor = caf::typed_actor<
    caf::reacts_to<update_atom, job_reset_ptr>,
    caf::replies_to<feed_atom, std::int64_t, bool, bool,
                    job_events_ptr>::with<job_feed_ptr>,
    caf::replies_to<check_atom, job_check_question_ptr>::with<job_check_ptr>,
    caf::replies_to<run_atom, job_start_order_ptr>::with<job_started_ptr>,
    caf::reacts_to<result_atom, job_events_ptr>, caf::reacts_to<persist_atom>,
    caf::replies_to<persist_atom, ack_atom>::with<bool>,
    caf::replies_to<monitor_atom,
                    job_monitor_question_ptr>::with<job_answer_ptr>>;

/// The scheduler: the broker. Never published and never sent to a peer:
/// only actors of its own process reach it. Gets (config, tree) pairs,
/// errors from the config watcher and the nodes actor (source, message,
/// time in ms), task results (from in-process workers, and from sessions,
/// stamped with the worker's shard; with `ack`, answered once the result's
/// status is on disk or the result was ignored), in-process workers that join
/// (handle, shard id, host), the front door's hellos, sessions' heartbeats
/// (with the worker's runs and their usage), the config watcher (for save_job
/// and delete_job), and monitor requests (local: the front door and the HTTP
/// server decide who may send which; no token here). `tick` is its round timer
/// (generation 0 = run a round now; otherwise only the newest timer counts);
/// `stats` its stats-line timer; `check` its worker-health timer; `persist` the
/// status store's report of a commit (ok, error, statuses, seconds the commit
/// took); `plan` with a parked batch, what the policy of the round in flight
/// parked so far, sent ahead of its answer.
using scheduler_actor = caf::typed_actor<
    caf::reacts_to<result_atom, task_result>,
    caf::replies_to<result_atom, task_result, ack_atom>::with<bool>,
    caf::replies_to<monitor_atom, std::string>::with<std::string>,
    caf::replies_to<hello_atom, worker_hello>::with<worker_welcome>,
    caf::replies_to<heartbeat_atom, std::string, std::int64_t,
                    std::vector<running_task_report>>::with<heartbeat_reply>,
    caf::reacts_to<update_atom, config_ptr, node_tree_ptr>,
    caf::reacts_to<error_atom, std::string, std::string, std::int64_t>,
    caf::reacts_to<join_atom, worker_actor, std::string, std::string>,
    caf::reacts_to<join_atom, config_watcher_actor>,
    caf::reacts_to<plan_atom, parked_batch_ptr>,
    caf::reacts_to<tick_atom, std::uint64_t>, caf::reacts_to<stats_atom>,
    caf::reacts_to<check_atom>,
    caf::reacts_to<persist_atom, bool, std::string, std::uint64_t, double>>;

}  // namespace bistro

CAF_BEGIN_TYPE_ID_BLOCK(bistro, caf::first_custom_type_id)
CAF_ADD_TYPE_ID(bistro, (bistro::task_spec))
CAF_ADD_TYPE_ID(bistro, (bistro::task_result))
CAF_ADD_TYPE_ID(bistro, (bistro::kill_order))
CAF_ADD_TYPE_ID(bistro, (bistro::running_task_report))
CAF_ADD_TYPE_ID(bistro, (bistro::health_settings))
CAF_ADD_TYPE_ID(bistro, (bistro::worker_hello))
CAF_ADD_TYPE_ID(bistro, (bistro::worker_welcome))
CAF_ADD_TYPE_ID(bistro, (bistro::heartbeat_reply))
CAF_ADD_TYPE_ID(bistro, (bistro::worker_actor))
CAF_ADD_TYPE_ID(bistro, (bistro::log_request))
CAF_ADD_TYPE_ID(bistro, (bistro::log_reply_line))
CAF_ADD_TYPE_ID(bistro, (bistro::log_reply))
CAF_ADD_TYPE_ID(bistro, (bistro::config_watcher_actor))
CAF_ADD_TYPE_ID(bistro, (bistro::worker_session_actor))
CAF_ADD_TYPE_ID(bistro, (std::vector<bistro::running_task_report>))
CAF_END_TYPE_ID_BLOCK(bistro)
