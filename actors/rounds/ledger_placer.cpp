#include "actors/rounds/ledger_placer.hpp"

namespace bistro {

ledger_placer::ledger_placer(const placement_context& ctx,
                             resource_ledger ledger,
                             std::vector<std::uint32_t> cursors)
    : ledger(std::move(ledger)), cursors(std::move(cursors)), ctx_(ctx) {
  this->cursors.resize(1 + ctx_.workers->num_groups(), 0);
}

placement_outcome ledger_placer::try_start(job_index job, node_id node) {
  wait_key key = retry_key;
  bool stall = false;
  node_id chain = fitting_chain(job, node, key, stall);
  if (stall) return placement_outcome::job_stalled;
  if (chain == no_node) {
    park({job, node, key});
    return placement_outcome::blocked;
  }
  bool unknown = false;
  std::uint32_t group = placement_group(ctx_, job, chain, unknown);
  if (unknown) {
    park({job, node, unplaced_key(*ctx_.slots)});
    return placement_outcome::blocked;
  }
  const auto& demand = (*ctx_.demands)[job];
  worker_index w = choose_worker(
      ctx_, cursors, job, group,
      [&](worker_index v) { return ledger.worker_fits(demand, v); },
      [&](worker_index v) { return ledger.weight_left_after(demand, v); });
  if (w == no_worker) {
    // Without placement no worker can take anything of this job this round.
    if (group == no_group) return placement_outcome::job_stalled;
    park({job, node, group_key(*ctx_.slots, group)});
    return placement_outcome::blocked;
  }
  ledger.take(demand, chain, w);
  picks.push_back({job, node, chain, w});
  return placement_outcome::started;
}

node_id ledger_placer::fitting_chain(job_index job, node_id node, wait_key& key,
                                     bool& stall) const {
  const auto& demand = (*ctx_.demands)[job];
  const auto& slots = *ctx_.slots;
  auto copies =
      slots.any_replicas() ? slots.copies(node) : std::span<const node_id>{};
  if (copies.empty()) copies = std::span<const node_id>{&node, 1};
  const level_id task_level = slots.tree().level(node);
  for (node_id chain : copies) {
    if (copies.size() > 1 && !ctx_.eligibility->allows(job, chain)) continue;
    node_id blocking = ledger.first_blocking(demand, chain);
    if (blocking == no_node) return chain;
    // The instance is on every chain and depends on no node: stall the job.
    if (slots.tree().level(blocking) == 0) {
      stall = true;
      return no_node;
    }
    // Copies share the task node's own slots, so one blocked there blocks
    // all. Blocked higher up on one chain, another chain may still fit.
    if (copies.size() == 1 || slots.tree().level(blocking) == task_level) {
      key = slots.canonical(blocking);
      return no_node;
    }
  }
  key = retry_key;
  return no_node;
}

std::uint32_t placement_group(const placement_context& ctx, job_index job,
                              node_id chain, bool& unknown) {
  const auto& jc = ctx.cfg->jobs[job];
  std::string_view name;
  if (!jc.host_placement.empty()) {
    name = jc.host_placement;
  } else if (jc.level_for_host_placement) {
    node_id a = ctx.slots->ancestor_at(chain, *jc.level_for_host_placement);
    if (a == no_node) return no_group;
    name = ctx.slots->tree().name(a);
  } else {
    return no_group;
  }
  std::uint32_t group = ctx.workers->group_named(name);
  unknown = group == no_group;
  return group;
}

}  // namespace bistro
