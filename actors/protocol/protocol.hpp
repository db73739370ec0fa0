// THE one header set of bistro-caf's messages: atoms, snapshot handles, the
// typed interface of every actor, and the single type-id block. Nothing
// else declares a message.
//
// Types sent to remote peers (task_spec, task_result, kill_order) are
// serializable; snapshot pointers (config, node tree, round data) are local
// only, shared read-only, and marked as unsafe message types so that CAF
// never tries to serialize them.
#pragma once

#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/atom.hpp>
#include <caf/replies_to.hpp>
#include <caf/type_id.hpp>
#include <caf/typed_actor.hpp>
#include <memory>

#include "actors/nodes/node_tree.hpp"
#include "actors/protocol/messages.hpp"
#include "actors/scheduler/round_scheduler.hpp"
#include "config/config.hpp"

namespace bistro {

using config_ptr = std::shared_ptr<const config>;
using node_tree_ptr = std::shared_ptr<const node_tree>;
using round_input_ptr = std::shared_ptr<round_input>;
using round_output_ptr = std::shared_ptr<round_output>;

}  // namespace bistro

CAF_BEGIN_TYPE_ID_BLOCK(bistro, caf::first_custom_type_id)
CAF_ADD_TYPE_ID(bistro, (bistro::task_spec))
CAF_ADD_TYPE_ID(bistro, (bistro::task_result))
CAF_ADD_TYPE_ID(bistro, (bistro::kill_order))
CAF_ADD_ATOM(bistro, bistro, run_atom, "run")
CAF_ADD_ATOM(bistro, bistro, kill_atom, "kill")
CAF_ADD_ATOM(bistro, bistro, tick_atom, "tick")
CAF_ADD_ATOM(bistro, bistro, result_atom, "result")
CAF_ADD_ATOM(bistro, bistro, update_atom, "update")
CAF_ADD_ATOM(bistro, bistro, plan_atom, "plan")
CAF_ADD_ATOM(bistro, bistro, error_atom, "error")
CAF_ADD_ATOM(bistro, bistro, stop_atom, "stop")
CAF_ADD_ATOM(bistro, bistro, join_atom, "join")
CAF_ADD_ATOM(bistro, bistro, stats_atom, "stats")
CAF_END_TYPE_ID_BLOCK(bistro)

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(bistro::config_ptr)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(bistro::node_tree_ptr)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(bistro::round_input_ptr)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(bistro::round_output_ptr)

namespace bistro {

/// A worker runs tasks. The scheduler sends `run` (the worker answers with
/// a `result` to its task sink when the run ends, also when it cannot
/// start or when the (job, node) is already running there) and `kill`.
/// `tick` is the worker's own poll timer.
using worker_actor = caf::typed_actor<caf::reacts_to<run_atom, task_spec>,
                                      caf::reacts_to<kill_atom, kill_order>,
                                      caf::reacts_to<tick_atom>>;

/// Where workers report ended runs: the scheduler.
using task_sink_actor =
    caf::typed_actor<caf::reacts_to<result_atom, task_result>>;

/// The policy runs one round's plan per message; no errors (a plan with no
/// picks is an answer).
using policy_actor = caf::typed_actor<
    caf::replies_to<plan_atom, round_input_ptr>::with<round_output_ptr>>;

/// The nodes actor: gets every new config from the config watcher,
/// rebuilds the node tree (also every --nodes_update_ms, or
/// --nodes_retry_ms after a failure) and hands consistent (config, tree)
/// pairs to the scheduler. `tick` is its own timer (with a generation:
/// only the newest timer fires a rebuild).
using nodes_actor = caf::typed_actor<caf::reacts_to<update_atom, config_ptr>,
                                     caf::reacts_to<tick_atom, std::uint64_t>>;

/// The config watcher polls the file's mtime; `tick` is its own timer.
using config_watcher_actor = caf::typed_actor<caf::reacts_to<tick_atom>>;

/// The scheduler: the broker. Gets (config, tree) pairs, errors from the
/// config watcher and the nodes actor (source, message, time in ms), task
/// results, and workers that join (handle, shard id, host). `tick` is its
/// round timer (generation 0 = run a round now; otherwise only the newest
/// timer counts); `stats` its timer for the periodic stats log line.
using scheduler_actor = task_sink_actor::extend<
    caf::reacts_to<update_atom, config_ptr, node_tree_ptr>,
    caf::reacts_to<error_atom, std::string, std::string, std::int64_t>,
    caf::reacts_to<join_atom, worker_actor, std::string, std::string>,
    caf::reacts_to<tick_atom, std::uint64_t>, caf::reacts_to<stats_atom>>;

}  // namespace bistro
