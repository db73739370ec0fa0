// The scheduling round, kept incremental. A round_scheduler holds, across
// rounds, the free-slot ledger, the running tasks' charges, the workers and
// every job's candidate state (candidate_tracker), so that a round costs
// what changed since the last one, not the size of the node tree:
// - `reset` (new config or tree) re-derives everything; the next round then
//   scans every (job, node) once;
// - `task_finished` gives a task's slots back and wakes only the candidates
//   that wait on those slots; on an ancestor (a host), only as many of each
//   job's waiters as the freed slots can take, each checked against the
//   live ledger first;
// - each round asks every job for its change feed (results, ended
//   backoffs, forgiven tasks, starts made elsewhere), offers a job its
//   tasks that turned runnable, hands each job's done tasks to the jobs
//   that depend on it as one shared batch, asks each job which of what
//   changed are candidates, and hands the active candidates to the policy.
// All a round asks of a job's statuses is a question in plain values
// (job_round_side.hpp: feed, check, starts), answered by whoever owns the
// job's row: its job actor (actors/jobs/job_actor.hpp), or, for the
// engine's own tests and round_bench, `prepare_round` / `commit_round`
// from rows in place. A job's candidates read its own row and what it was
// told of its dependencies, never another job's row. The engine keeps for
// all jobs what is about slots: the ledger, the running charges, the
// candidate states and the wait lists.
//
// A round is prepare (open_prepare -> the jobs' feeds -> route_feeds ->
// their checks -> close_prepare: candidates + a ledger copy) ->
// plan_round (the pure policy run, may happen on another thread) ->
// commit (open_commit re-validates picks against the live ledger and
// takes their slots -> each job's word on its starts -> close_commit
// gives a refused start's slots back and parks the rest). `run_round`
// does all of it in place. A plan on another thread may stream what it
// parks back while it goes on (round_input::park_sink): the owner parks
// those batches (`park_planned`) while the plan runs, so a full round's
// parking overlaps its planning. Time and randomness are parameters.
//
// Answered in place, the jobs' answers (and a reset's eligibility) are
// worked out on `set_threads` threads (round_threads), a job per work
// item; the engine's own part (offers, wake-ups on shared slots, the
// ledger) stays on the caller's thread. The result does not depend on the
// number of threads.
//
// Not thread-safe: one owner (the scheduler actor), which may call from
// any one thread at a time. Plain logic: no CAF.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <random>
#include <span>
#include <string_view>
#include <vector>

#include "actors/jobs/job_status_row.hpp"
#include "actors/rounds/candidate_tracker.hpp"
#include "actors/rounds/job_round_side.hpp"
#include "actors/rounds/ledger_placer.hpp"
#include "actors/rounds/round_threads.hpp"
#include "actors/rounds/running_charges.hpp"
#include "actors/rounds/scheduler_policy.hpp"

namespace bistro {

/// Candidates a policy run parked, sent ahead of its output.
struct parked_batch {
  std::uint64_t generation = 0;
  std::uint64_t round = 0;
  std::vector<parked_candidate> parked;
};

/// Everything one policy run needs; owned or shared-const, so it can move
/// to another thread.
struct round_input {
  /// Which reset this round belongs to: a commit after another reset is
  /// dropped.
  std::uint64_t generation = 0;
  std::shared_ptr<const placement_context> context;
  resource_ledger ledger;  // the policy's own copy
  std::vector<std::uint32_t> cursors;
  std::vector<job_candidates> jobs;
  /// For stateful policies (policy_round_facts): the round's time, and the
  /// tasks of each job (config::jobs order) running as it began.
  std::int64_t now_ms = 0;
  std::vector<std::uint32_t> running_per_job;
  /// Which of the round_scheduler's rounds this is (park_planned checks
  /// that a batch belongs to the open round).
  std::uint64_t round = 0;
  /// When set, plan_round hands what it parks here in batches of
  /// `park_batch_size` while it still plans (the rest, and every park
  /// without a sink, come in the output): the owner parks them meanwhile,
  /// on its own thread (round_scheduler::park_planned).
  /// With a sink, a plan split by subtree (subtree_plan.hpp) calls it
  /// from several threads at once.
  std::function<void(parked_batch)> park_sink;
  std::size_t park_batch_size = 0;
  /// The round_scheduler's threads, lent to the plan: a policy that plans
  /// by subtree (scheduler_policy::plans_by_subtree) splits a round of at
  /// least `min_split_candidates` candidates over them. Null or one
  /// thread: the plan runs on the caller's thread alone.
  std::shared_ptr<round_threads> plan_threads;
  std::size_t min_split_candidates = default_min_split_candidates;
  static constexpr std::size_t default_min_split_candidates = 65536;
};

/// What the policy run decided.
struct round_output {
  std::uint64_t generation = 0;
  resource_ledger ledger;  // after the picks
  std::vector<std::uint32_t> cursors;
  std::vector<task_pick> picks;  // in the order the policy made them
  std::vector<parked_candidate> parked;
  std::vector<job_candidates> jobs;  // the untried candidates
  /// How many parts of the tree the plan was split into (1: planned on one
  /// thread; subtree_plan.hpp).
  std::size_t parts = 1;
};

/// The pure part of a round: `policy` over the candidates and the ledger.
/// With `on_park`, parked candidates go there at once instead of into the
/// output (and the plan stays on the caller's thread). Without it, a big
/// round of a policy that plans by subtree is split over
/// `input.plan_threads` (plan_by_subtree).
round_output plan_round(
    const scheduler_policy& policy, round_input input, std::mt19937_64& rng,
    const std::function<void(const parked_candidate&)>& on_park = {});

/// Statuses per job, indexed like config::jobs (rows by canonical node id).
using status_rows = std::span<job_status_row* const>;

class round_scheduler {
 public:
  /// The threads the per-job work of a round runs on, the caller's
  /// included (1: the caller's alone, the default). The scan after a reset
  /// always uses them; an incremental round only when its jobs have at
  /// least `min_parallel_work` changed candidates to look at in all (below
  /// that, waking a helper costs more than it saves).
  void set_threads(unsigned threads,
                   std::size_t min_parallel_work = default_min_parallel_work);
  static constexpr std::size_t default_min_parallel_work = 16384;
  unsigned threads() const { return threads_->size(); }

  /// Re-derives everything for a new config and/or tree; tasks already
  /// running keep their charges (matched by job and node name; those of
  /// deleted jobs or nodes are dropped), even where limits were lowered.
  /// `rng` shuffles the node order when the config asks for random order.
  void reset(std::shared_ptr<const config> cfg,
             std::shared_ptr<const node_tree> tree, std::mt19937_64& rng);

  /// `port` names the worker as "host:port" in worker_resources_override.
  /// `physical` (a hello's measurement) sets the limits of the resources
  /// `physical_resources` maps; without it a returning worker keeps what
  /// it measured last.
  worker_index add_worker(std::string_view shard, std::string_view host,
                          std::int32_t port = 0,
                          const worker_physical* physical = nullptr);
  /// Worker `w`'s limits of the worker-level resources, in
  /// `resources_by_level` order (what a free row starts at).
  std::vector<std::int32_t> worker_limits(worker_index w) const;
  /// The worker takes no new tasks; its running tasks keep their charges
  /// until `task_finished`.
  void remove_worker(worker_index w);

  /// A running task ended, whatever its status: returns its slots and
  /// re-offers whatever waited on them, the task itself and its dependents.
  void task_finished(job_index job, node_id node);
  /// A task found running (adopted after a restart): charged unchecked,
  /// unless it is charged already.
  void adopt_running(job_index job, node_id node, worker_index w);

  /// Which nodes each runnable job may run on, for the current (config,
  /// tree); null before the first reset.
  const task_eligibility* eligibility() const { return eligibility_.get(); }

  /// The round as three exchanges with the jobs (job_round_side's
  /// questions, in plain values, one per job in config order): the
  /// scheduler actor sends them to its job actors; prepare_round and
  /// commit_round answer them in place from `rows`.
  /// 1. Opens a round at `now_ms`: each job's feed question.
  std::vector<job_feed_question> open_prepare(std::int64_t now_ms);
  /// 2. Takes every job's feed (done tasks are moved out) and offers what
  ///    changed: each job's check question (`empty()`: nothing to ask, its
  ///    answer stays empty).
  std::vector<job_check_question> route_feeds(std::vector<job_feed>& feeds,
                                              std::int64_t now_ms);
  /// 3. Takes the jobs' checks: the policy's input.
  round_input close_prepare(std::vector<job_check>& checks, std::int64_t now_ms,
                            bool lend = false);
  /// After the plan: re-validates the picks against the live ledger and
  /// takes their slots; each job's starts to accept (none when a reset
  /// came since the round was prepared). `records`: ask for the started
  /// tasks' statuses.
  std::vector<job_starts> open_commit(round_output output, std::int64_t now_ms,
                                      bool records);
  /// Takes each job's word (a job not asked, or that gave no answer,
  /// accepted nothing): gives a refused start's slots back, parks what
  /// waits, and returns the started picks (with `records`, each one's
  /// status in the same order).
  /// With `positions`, each started pick's index in its job's starts.
  std::vector<task_pick> close_commit(
      std::vector<job_started>& answers,
      std::vector<status_record>* records = nullptr,
      std::vector<std::uint32_t>* positions = nullptr);

  /// What a job's side is reset with after a reset (job actors keep their
  /// own side): the shared facts, its number of dependencies, and whether
  /// an unknown dependency blocks it.
  const job_round_side::facts& side_facts() const { return side_facts_; }
  std::size_t num_dependencies(job_index j) const {
    return depends_on_[j].size();
  }
  bool blocked(job_index j) const { return blocked_job_[j] != 0; }

  /// The three exchanges answered in place from `rows`.
  round_input prepare_round(status_rows rows, std::int64_t now_ms);
  /// Starts the picks that still fit the live ledger and that their jobs
  /// accept (marking them running in `rows`) and returns them; parks what
  /// waits. With `records`, it also gives each started task's status as
  /// its job accepted it (running, with the status before the run), in
  /// the same order.
  std::vector<task_pick> commit_round(
      round_output output, status_rows rows, std::int64_t now_ms,
      std::vector<status_record>* records = nullptr);
  /// Parks what the policy of the open round parked so far (sent through
  /// round_input::park_sink, ahead of its output); a batch of another
  /// round or reset is dropped, and so is an entry that is not a candidate
  /// the round offered and has not parked yet. Call between prepare_round
  /// and commit_round, in the order the batches were made.
  void park_planned(const parked_batch& batch);

  /// prepare + plan + commit, without copying the ledger.
  std::vector<task_pick> run_round(const scheduler_policy& policy,
                                   status_rows rows, std::int64_t now_ms,
                                   std::mt19937_64& rng);

  /// Some slots kept room after the last round while candidates still wait
  /// on them: run another round even if nothing else happens.
  bool has_follow_up() const {
    return !recheck_.empty() || !freed_ancestors_.empty();
  }

  const resource_ledger& ledger() const { return *ledger_; }
  const placement_context& context() const { return *context_; }
  const worker_roster& workers() const { return roster_; }
  const candidate_tracker& candidates() const { return tracker_; }
  std::size_t num_running() const { return running_.size(); }
  std::size_t memory_bytes() const;

 private:
  void refresh_context();
  void charge_running(job_index job, node_id node, node_id chain,
                      worker_index w);
  /// `work(j)` for every job of the config, on the round's threads.
  template <class Work>
  void for_each_job(Work&& work) {
    threads_->for_each(cfg_->jobs.size(),
                       [&](std::size_t j) { work(static_cast<job_index>(j)); });
  }
  /// `work(j)` for every job: on the round's threads when the jobs hold
  /// `items` (changed candidates, picks) worth waking a helper for, else
  /// in order on the caller.
  template <class Work>
  void for_each_job_when(std::size_t items, Work&& work) {
    if (items >= min_parallel_work_) {
      for_each_job(work);
    } else {
      for (job_index j = 0; j < cfg_->jobs.size(); ++j) work(j);
    }
  }
  /// What commit_round found of a pick: a candidate the round offered, its
  /// slots taken, then whether its job accepted the start.
  enum class pick_check : std::uint8_t {
    not_offered,
    offered,
    charged,
    started
  };
  /// Whether `chain` is `node` or one of its replicas' entries.
  bool is_entry_of(node_id chain, node_id node) const;
  void wake(std::uint32_t key);
  void wake_ancestors();
  /// A candidate the policy could not start waits on its key (or, for
  /// retry_key, is offered again next round).
  void park_candidate(const parked_candidate& p);
  /// park_candidate for what came back from the policy (its output or a
  /// streamed batch): ignored unless it is a candidate the open round
  /// offered and has not parked yet.
  /// `keys`: how many wait keys exist (tree size + 1 + worker groups).
  void park_offered(const parked_candidate& p, std::size_t keys);
  round_input prepare(status_rows rows, std::int64_t now_ms, bool lend);
  resource_ledger lent_or_copied_ledger(bool lend);
  std::size_t sides_memory_bytes() const;

  std::shared_ptr<const config> cfg_;
  std::shared_ptr<const level_slots> slots_;
  std::shared_ptr<const task_eligibility> eligibility_;
  std::shared_ptr<const std::vector<job_demand>> demands_;
  std::shared_ptr<const placement_context> context_;
  std::optional<resource_ledger> ledger_;
  // The policy's ledger from the last committed round, brought up to date
  // (a few thousand entries, not megabytes) for the next prepare_round.
  std::optional<resource_ledger> spare_ledger_;
  worker_roster roster_;
  candidate_tracker tracker_;
  /// Each job's half of the round: its candidates from its own row and
  /// what it was told of its dependencies, and its word on a start.
  std::vector<job_round_side> sides_;
  job_round_side::facts side_facts_;
  std::vector<std::uint32_t> cursors_;
  std::vector<std::vector<job_index>> depends_on_;  // per job
  std::vector<std::vector<job_index>> dependents_;  // per job
  std::vector<std::uint8_t> blocked_job_;           // unknown dependency
  running_charges running_;
  // Shared with the plan of an open round (round_input::plan_threads).
  std::shared_ptr<round_threads> threads_ = std::make_shared<round_threads>();
  std::size_t min_parallel_work_ = default_min_parallel_work;
  std::uint64_t generation_ = 0;
  bool scan_pending_ = false;
  /// The open prepare is the scan after a reset.
  bool scanning_ = false;
  /// The jobs' running tasks, from their feeds (round_input's).
  std::vector<std::uint32_t> running_per_job_;
  /// Between open_commit and close_commit: the picks, what was found of
  /// each, the charged picks of each job (in the order of its starts),
  /// and the plan's untried and parked candidates.
  struct open_commit_state {
    bool open = false;
    std::vector<task_pick> picks;
    std::vector<pick_check> checks;
    std::vector<std::vector<std::uint32_t>> which;
    std::vector<job_candidates> untried;
    std::vector<parked_candidate> parked;
  };
  open_commit_state commit_;
  bool round_open_ = false;
  bool ledger_lent_ = false;
  std::uint64_t round_ = 0;  // rounds prepared since construction
  std::vector<std::uint32_t> deferred_wakes_;
  // Ancestors that got slots back, and those to look at again next round.
  std::vector<node_id> freed_ancestors_;
  std::vector<node_id> recheck_;
};

}  // namespace bistro
