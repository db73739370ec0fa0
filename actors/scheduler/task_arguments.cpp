#include "actors/scheduler/task_arguments.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <vector>

namespace bistro {

namespace json = boost::json;

std::string task_json_argument(const task_argument_input& in) {
  json::object arg;
  arg["id"] = in.job.name;
  arg["config"] = in.job.config;
  if (!in.prev_status.empty()) {
    std::error_code ec;
    auto parsed = json::parse(in.prev_status, ec);
    if (!ec) arg["prev_status"] = std::move(parsed);
  }

  std::vector<node_id> path;
  for (node_id n = in.chain; n != no_node; n = in.tree.parent(n))
    path.push_back(n);
  json::array path_names;
  json::object resources;
  for (auto it = path.rbegin(); it != path.rend(); ++it) {
    auto name = in.tree.name(*it);
    path_names.emplace_back(json::string_view{name.data(), name.size()});
    const auto level = in.tree.level(*it);
    if (static_cast<std::size_t>(level) >= in.cfg.resources_by_level.size())
      continue;
    json::object amounts;
    for (auto r : in.cfg.resources_by_level[level])
      amounts[in.cfg.resources[r].name] = in.job.resources[r];
    if (!amounts.empty())
      resources[json::string_view{name.data(), name.size()}] =
          std::move(amounts);
  }
  json::object worker_amounts;
  for (auto r : in.cfg.resources_by_level[in.cfg.worker_level()])
    worker_amounts[in.cfg.resources[r].name] = in.job.resources[r];
  if (!worker_amounts.empty()) {
    // A local task's worker is the instance node (Bistro's LocalRunner):
    // the worker's amounts join the instance's entry instead of replacing it.
    auto& entry = resources[json::string_view{in.worker_shard.data(),
                                              in.worker_shard.size()}];
    if (!entry.is_object()) entry = json::object{};
    for (auto& [name, amount] : worker_amounts)
      entry.as_object()[name] = std::move(amount);
  }
  arg["path_to_node"] = std::move(path_names);
  arg["resources_by_node"] = std::move(resources);
  arg["worker_node"] =
      json::string_view{in.worker_shard.data(), in.worker_shard.size()};
  arg["worker_host"] =
      json::string_view{in.worker_host.data(), in.worker_host.size()};
  return json::serialize(arg);
}

}  // namespace bistro
