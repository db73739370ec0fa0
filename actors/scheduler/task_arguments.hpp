// The JSON argument every task gets (argv[3]): {"id", "config",
// "prev_status", "path_to_node", "resources_by_node", "worker_node",
// "worker_host"}, built from the config, the node tree and the task's
// previous status (bistro_prev_status: absent on a first run, as in Bistro).
// Pure function; plain logic, no CAF include.
#pragma once

#include <string>
#include <string_view>

#include "actors/nodes/node_tree.hpp"
#include "config/config.hpp"

namespace bistro {

struct task_argument_input {
  const config& cfg;
  const job_config& job;
  const node_tree& tree;
  /// The node entry whose ancestors the task uses (a replica's own entry).
  node_id chain;
  /// The task's previous status as Bistro's JSON object (text), "" = none.
  std::string_view prev_status;
  std::string_view worker_shard;
  std::string_view worker_host;
};

std::string task_json_argument(const task_argument_input& in);

}  // namespace bistro
