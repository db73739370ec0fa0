// Mistakes a config may contain that Bistro accepts, found so they can be
// reported as warnings instead of going unnoticed:
// - a top-level key written twice (Boost.JSON, like Bistro's parser, keeps
//   the last one and drops the rest without a word);
// - jobs whose `depends_on` form a cycle: none of them can ever run, nor can
//   any job that waits on one of them.
//
// Free functions over const data; safe from any thread. Plain logic.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace bistro {

struct job_config;

struct duplicate_key {
  std::string key;
  std::size_t times = 0;
};

/// Top-level keys of the JSON object `json_text` that occur more than once,
/// in order of first occurrence. One tokenizing pass, no tree is built;
/// text that is not a JSON object yields nothing (the parser reports it).
std::vector<duplicate_key> duplicate_top_level_keys(std::string_view json_text);

/// A job that can never run because of a depends_on cycle.
struct blocked_job {
  std::size_t job = 0;  // index into the jobs given
  std::string reason;   // names the cycle, or the blocked job it waits on
};

/// One cycle: its jobs (a strongly connected component) and, for the
/// message, one closed path through them ("a -> b -> a").
struct depends_cycle {
  std::vector<std::size_t> jobs;
  std::string path;
};

struct depends_report {
  std::vector<depends_cycle> cycles;
  std::vector<blocked_job> blocked;
};

/// Finds every depends_on cycle among `jobs` (a job depending on itself
/// included) and every job blocked by one. Dependencies on unknown jobs are
/// ignored here. Iterative, O(jobs + dependencies): no recursion depth grows
/// with the config.
depends_report find_depends_cycles(const std::vector<job_config>& jobs);

}  // namespace bistro
