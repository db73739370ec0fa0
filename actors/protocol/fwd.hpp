// Forward declarations of everything a message names but the protocol does
// not own: the snapshots (config, node tree), the round's input and output
// (actors/rounds/round_scheduler.hpp), a persisted status and a page of
// run history (actors/store/status_store.hpp), a node source's fetch
// (actors/nodes/node_source.hpp), a task-log line and the persisted enums
// (actors/store/task_log_store.hpp, actors/jobs/task_status.hpp). Like
// CAF's own fwd.hpp, it keeps the interface headers light: including the
// protocol compiles none of the parts that fill these types in, and
// `bistro_protocol` links nothing but CAF. An actor that builds or reads one
// of these messages includes the owning header itself.
//
// The enums are declared opaque with their underlying type: a translation
// unit that sees both this and the owner's definition fails to compile if
// the two ever disagree.
//
// Declarations only: no state, nothing to share.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

namespace bistro {

struct config;
class node_tree;
struct round_input;
struct round_output;
struct parked_batch;
struct stored_status;
struct log_entry;
struct fetched_nodes;
struct run_history_page;

/// A task's status label (actors/jobs/task_status.hpp).
enum class status_label : std::uint8_t;
/// A task-log stream (actors/store/task_log_store.hpp).
enum class log_type : std::uint8_t;

/// Snapshots: immutable, shared read-only, never sent to another process.
using config_ptr = std::shared_ptr<const config>;
using node_tree_ptr = std::shared_ptr<const node_tree>;
/// One policy round: handed over whole to the policy actor and back.
using round_input_ptr = std::shared_ptr<round_input>;
using round_output_ptr = std::shared_ptr<round_output>;
/// What a policy parked so far, sent ahead of its output.
using parked_batch_ptr = std::shared_ptr<const parked_batch>;
/// Changed statuses on their way to the status store.
using status_batch = std::vector<stored_status>;
/// Ended runs read from the status store (actors/store/status_store.hpp),
/// on their way from the status store actor to the scheduler.
using run_history_ptr = std::shared_ptr<const run_history_page>;
/// What a node source's actor brought in (actors/nodes/node_source.hpp).
using fetched_nodes_ptr = std::shared_ptr<const fetched_nodes>;

struct task_log_batch;

/// A round's questions to a job actor and its answers
/// (actors/rounds/job_round_side.hpp), and what else the scheduler tells
/// a job actor (actors/jobs/job_actor.hpp): local only, moved, not shared.
struct job_feed;
struct job_check_question;
struct job_check;
struct job_start_order;
struct job_started;
struct job_reset;
struct job_event;
struct job_monitor_question;
struct job_answer;
using job_feed_ptr = std::shared_ptr<job_feed>;
using job_check_question_ptr = std::shared_ptr<job_check_question>;
using job_check_ptr = std::shared_ptr<job_check>;
using job_start_order_ptr = std::shared_ptr<const job_start_order>;
using job_started_ptr = std::shared_ptr<job_started>;
using job_reset_ptr = std::shared_ptr<const job_reset>;
/// Events of one job's tasks, in the order they happened.
using job_events_ptr = std::shared_ptr<const std::vector<job_event>>;
using job_monitor_question_ptr = std::shared_ptr<const job_monitor_question>;
using job_answer_ptr = std::shared_ptr<job_answer>;

}  // namespace bistro
