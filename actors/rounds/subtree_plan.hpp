// A big round planned on several threads: the tree is cut into parts (runs
// of the instance's children, each with its whole subtree), each job's
// candidates are split by part, and the policy plans each part on its own
// (`schedule` once per part) on the round's threads (round_threads, lent in
// round_input::plan_threads), all on one resource ledger.
//
// The parts share nothing below the instance: a thread reads and charges
// only its parts' rows, so the slots of a host or a db are checked and
// taken exactly as one thread would. What the parts share, the instance's
// slots and the workers, each thread takes atomically (resource_ledger::
// take_shared: the instance and the worker, both or neither), so no limit
// is ever passed; only which part gets the last shared slots depends on
// timing. A job that finds the instance full, or no worker when it has no
// host placement, stalls in that part (its candidates stay for the next
// round), as on one thread.
//
// Only for a policy whose order is per job and local
// (scheduler_policy::plans_by_subtree: round robin), a round of at least
// round_input::min_split_candidates candidates, more than one thread, a
// tree with no replicas (a replica's chains cross parts) and every job's
// tasks below the instance. Otherwise plan_round plans on one thread.
//
// Parks go to round_input::park_sink in batches from the part's own
// thread, or, without a sink, into the output. Plain logic: no CAF.
#pragma once

#include <cstddef>
#include <random>

#include "actors/rounds/round_scheduler.hpp"

namespace bistro {

/// Whether `plan_round` splits this round by subtree (see above).
bool splits_by_subtree(const scheduler_policy& policy,
                       const round_input& input);

/// The round planned part by part on `input.plan_threads`; requires
/// `splits_by_subtree(policy, input)`. `rng` seeds one generator per part.
round_output plan_by_subtree(const scheduler_policy& policy, round_input input,
                             std::mt19937_64& rng);

/// How many parts a round is cut into: a few per thread, so that a thread
/// whose parts are light takes more of them.
inline constexpr std::size_t subtree_parts_per_thread = 4;

}  // namespace bistro
