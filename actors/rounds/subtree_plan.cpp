#include "actors/rounds/subtree_plan.hpp"

#include <algorithm>
#include <functional>
#include <limits>
#include <utility>
#include <vector>

namespace bistro {

namespace {

// One part's window onto the shared ledger: ledger_placer's answers for a
// tree without replicas, charging below the instance plainly and the
// instance and the worker atomically.
class subtree_placer final : public task_placer {
 public:
  subtree_placer(const placement_context& ctx, resource_ledger& ledger,
                 std::vector<std::uint32_t> cursors,
                 std::function<void(const parked_candidate&)> park)
      : cursors(std::move(cursors)),
        ctx_(ctx),
        ledger_(ledger),
        park_(std::move(park)) {}

  placement_outcome try_start(job_index job, node_id node) override;

  std::vector<std::uint32_t> cursors;
  std::vector<task_pick> picks;
  std::vector<std::uint32_t> journal;

 private:
  const placement_context& ctx_;
  resource_ledger& ledger_;
  std::function<void(const parked_candidate&)> park_;
};

placement_outcome subtree_placer::try_start(job_index job, node_id node) {
  const auto& demand = (*ctx_.demands)[job];
  const auto& slots = *ctx_.slots;
  const node_id blocking = ledger_.first_blocking_below_instance(demand, node);
  if (blocking != no_node) {
    park_({job, node, slots.canonical(blocking)});
    return placement_outcome::blocked;
  }
  // The instance is on every chain: full, nothing of the job starts.
  if (!ledger_.instance_fits_shared(demand))
    return placement_outcome::job_stalled;
  bool unknown = false;
  const std::uint32_t group = placement_group(ctx_, job, node, unknown);
  if (unknown) {
    park_({job, node, ledger_placer::unplaced_key(slots)});
    return placement_outcome::blocked;
  }
  for (;;) {
    const worker_index w = choose_worker(
        ctx_, cursors, job, group,
        [&](worker_index v) { return ledger_.worker_fits_shared(demand, v); },
        [&](worker_index v) {
          return ledger_.weight_left_after_shared(demand, v);
        });
    if (w == no_worker) {
      if (group == no_group) return placement_outcome::job_stalled;
      park_({job, node, ledger_placer::group_key(slots, group)});
      return placement_outcome::blocked;
    }
    switch (ledger_.take_shared(demand, node, w, journal)) {
      case resource_ledger::shared_take::taken:
        picks.push_back({job, node, node, w});
        return placement_outcome::started;
      case resource_ledger::shared_take::instance_full:
        return placement_outcome::job_stalled;
      case resource_ledger::shared_take::worker_full:
        break;  // another part took its last room first: choose again
    }
  }
}

constexpr std::size_t max_subtree_parts = UINT16_MAX;

struct part_result {
  std::vector<task_pick> picks;
  std::vector<parked_candidate> parked;  // what was not streamed
  std::vector<std::uint32_t> cursors;
  std::vector<std::uint32_t> journal;
  std::vector<job_candidates> untried;
};

}  // namespace

bool splits_by_subtree(const scheduler_policy& policy,
                       const round_input& input) {
  if (!policy.plans_by_subtree() || !input.plan_threads ||
      input.plan_threads->size() < 2 || !input.context)
    return false;
  const auto& slots = *input.context->slots;
  if (slots.any_replicas() || slots.tree().num_levels() < 2 ||
      slots.count(1) < 2)
    return false;
  std::size_t candidates = 0;
  for (const auto& job : input.jobs) {
    if (input.context->cfg->jobs[job.job].level_for_tasks < 1) return false;
    candidates += job.nodes.size();
  }
  return candidates > 0 && candidates >= input.min_split_candidates;
}

round_output plan_by_subtree(const scheduler_policy& policy, round_input input,
                             std::mt19937_64& rng) {
  const auto& ctx = *input.context;
  const auto& slots = *ctx.slots;
  const auto& roster = *ctx.workers;
  round_threads& threads = *input.plan_threads;
  const std::size_t tops = slots.count(1);
  const std::size_t parts = std::min<std::size_t>(
      {tops, threads.size() * subtree_parts_per_thread, max_subtree_parts});
  // Each node's part: runs of the instance's children in tree order, about
  // as many each, and below them their parent's part (one pass over the
  // tree, not over every candidate's ancestors).
  const auto& tree = slots.tree();
  std::vector<std::uint16_t> part_of(tree.size(), 0);
  for (node_id n : tree.nodes_at_level(1))
    part_of[n] =
        static_cast<std::uint16_t>(std::size_t{slots.slot(n)} * parts / tops);
  for (level_id level = 2; level < tree.num_levels(); ++level)
    for (node_id n : tree.nodes_at_level(level))
      part_of[n] = part_of[tree.parent(n)];

  // [part][k]: the candidates of input.jobs[k] in that part, in the job's
  // order. Split job by job on the threads. A job's list runs through the
  // tree in order (or in shuffled runs of 256 nodes), so it is long runs
  // of one part: find the runs and count, then copy run by run.
  const std::size_t num_jobs = input.jobs.size();
  std::vector<std::vector<job_candidates>> split(
      parts, std::vector<job_candidates>(num_jobs));
  threads.for_each(num_jobs, [&](std::size_t k) {
    auto& job = input.jobs[k];
    const auto& nodes = job.nodes;
    struct run {
      std::size_t begin, end, part;
    };
    std::vector<run> runs;
    std::vector<std::size_t> count(parts, 0);
    for (std::size_t i = 0; i < nodes.size();) {
      const std::size_t part = part_of[nodes[i]];
      std::size_t end = i + 1;
      while (end < nodes.size() && part_of[nodes[end]] == part) ++end;
      runs.push_back({i, end, part});
      count[part] += end - i;
      i = end;
    }
    for (std::size_t p = 0; p < parts; ++p) {
      split[p][k] = {job.job, job.priority, job.remaining, {}, false};
      split[p][k].nodes.reserve(count[p]);
    }
    for (const auto& r : runs) {
      auto& into = split[r.part][k].nodes;
      into.insert(into.end(),
                  nodes.begin() + static_cast<std::ptrdiff_t>(r.begin),
                  nodes.begin() + static_cast<std::ptrdiff_t>(r.end));
    }
    std::vector<node_id>().swap(job.nodes);
  });

  std::vector<std::uint64_t> seeds(parts);
  for (auto& seed : seeds) seed = rng();
  const bool stream = input.park_sink && input.park_batch_size > 0;
  std::vector<part_result> results(parts);
  threads.for_each(parts, [&](std::size_t p) {
    auto& result = results[p];
    std::vector<job_candidates> jobs;
    for (auto& job : split[p])
      if (!job.nodes.empty()) jobs.push_back(std::move(job));
    // Each part starts its worker turn elsewhere, so the parts do not all
    // race for the same first worker.
    auto cursors = input.cursors;
    cursors.resize(1 + roster.num_groups(), 0);
    auto spread = [&](std::uint32_t cursor, std::size_t n) {
      return n == 0 ? 0u
                    : static_cast<std::uint32_t>((cursor + p * n / parts) % n);
    };
    cursors[0] = spread(cursors[0], roster.size());
    for (std::uint32_t g = 0; g < roster.num_groups(); ++g)
      cursors[1 + g] = spread(cursors[1 + g], roster.members(g).size());
    subtree_placer placer(
        ctx, input.ledger, std::move(cursors), [&](const parked_candidate& c) {
          result.parked.push_back(c);
          if (!stream || result.parked.size() < input.park_batch_size) return;
          parked_batch batch{input.generation, input.round, {}};
          batch.parked.swap(result.parked);
          result.parked.reserve(input.park_batch_size);
          input.park_sink(std::move(batch));
        });
    std::mt19937_64 part_rng(seeds[p]);
    policy.schedule(jobs, placer, part_rng);
    result.picks = std::move(placer.picks);
    result.cursors = std::move(placer.cursors);
    result.journal = std::move(placer.journal);
    result.untried = std::move(jobs);
  });

  for (const auto& result : results)
    input.ledger.add_to_journal(result.journal);
  round_output output{input.generation,
                      std::move(input.ledger),
                      std::move(results.front().cursors),
                      {},
                      {},
                      {},
                      parts};
  std::vector<std::size_t> where(ctx.cfg->jobs.size(),
                                 std::numeric_limits<std::size_t>::max());
  output.jobs.reserve(num_jobs);
  for (std::size_t k = 0; k < num_jobs; ++k) {
    const auto& job = input.jobs[k];
    where[job.job] = k;
    output.jobs.push_back({job.job, job.priority, job.remaining, {}, false});
  }
  for (const auto& result : results) {
    output.picks.insert(output.picks.end(), result.picks.begin(),
                        result.picks.end());
    output.parked.insert(output.parked.end(), result.parked.begin(),
                         result.parked.end());
  }
  // Untried candidates go back in the job's order: part 0's (the first
  // nodes) at the back, where the next round tries first.
  for (std::size_t p = parts; p-- > 0;) {
    for (auto& job : results[p].untried) {
      auto& into = output.jobs[where[job.job]];
      into.stalled = into.stalled || job.stalled;
      into.nodes.insert(into.nodes.end(), job.nodes.begin(), job.nodes.end());
    }
  }
  return output;
}

}  // namespace bistro
