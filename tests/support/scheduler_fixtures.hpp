// Builders for scheduler and policy tests: configs from JSON snippets, node
// trees from {parent: [children]} lists, one status row per job, and a
// harness that runs rounds and finishes tasks by name. Bistro's own fixture
// (levels host, db; host_concurrency 2, db_concurrency 1; host1{db11,db12},
// host2{db21,db22}) is `bistro_settings()` + `bistro_tree()`.
#pragma once

#include <algorithm>
#include <catch2/catch.hpp>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "actors/jobs/job_status_row.hpp"
#include "actors/nodes/node_tree.hpp"
#include "actors/policies/builtin_policies.hpp"
#include "actors/rounds/round_scheduler.hpp"
#include "config/config.hpp"

namespace bistro::testing {

/// `{"bistro_settings": {<settings>}, <jobs>}`, parsed; fails the test on
/// errors, including any job-level error.
inline std::shared_ptr<const config> make_config(const std::string& settings,
                                                 const std::string& jobs) {
  auto result = parse_config("{\"bistro_settings\": {" + settings + "}" +
                                 (jobs.empty() ? "" : ", " + jobs) + "}",
                             builtin_policy_catalog());
  INFO("errors: " << (result.errors.empty() ? "" : result.errors.front()));
  REQUIRE(result.ok());
  for (const auto& job : result.value->jobs) {
    INFO(job.name << ": " << (job.errors.empty() ? "" : job.errors.front()));
    REQUIRE(job.errors.empty());
  }
  return result.value;
}

/// bistro_settings for levels host, db and the two fixture resources;
/// `more_resources` adds levels to "resources" (`"worker": {...}`).
inline std::string bistro_settings(const std::string& extra = "",
                                   const std::string& more_resources = "") {
  std::string s = R"("enabled": true, "nodes": {"levels": ["host", "db"],)"
                  R"( "node_order": "original", "node_source": "manual",)"
                  R"( "node_source_prefs": {}}, "resources": {)"
                  R"("host": {"host_concurrency": {"limit": 2, "default": 1}},)"
                  R"( "db": {"db_concurrency": {"limit": 1, "default": 1}})";
  if (!more_resources.empty()) s += ", " + more_resources;
  s += "}";
  return extra.empty() ? s : s + ", " + extra;
}

/// `"bistro_job->NAME": {"owner": "test", <body>}`.
inline std::string job(const std::string& name, const std::string& body = "") {
  return "\"bistro_job->" + name + "\": {\"owner\": \"test\"" +
         (body.empty() ? "" : ", " + body) + "}";
}

struct node_spec {
  std::string name;
  std::string parent;  // "" = the instance
  bool enabled = true;
  std::vector<std::string> tags = {};
};

/// Nodes in order; a parent must come before its children. The level is
/// one below the parent's. A repeated name makes a replica.
inline std::shared_ptr<const node_tree> make_tree(
    const config& cfg, const std::vector<node_spec>& nodes) {
  node_tree_builder builder("instance",
                            static_cast<level_id>(cfg.levels.size()));
  struct added_node {
    std::string name;
    node_id id;
    level_id level;
  };
  std::vector<added_node> added;  // the latest entry wins for a parent
  for (const auto& n : nodes) {
    node_id parent = 0;
    level_id level = 1;
    if (!n.parent.empty()) {
      auto it = std::find_if(added.rbegin(), added.rend(),
                             [&](const auto& a) { return a.name == n.parent; });
      REQUIRE(it != added.rend());
      parent = it->id;
      level = it->level + 1;
    }
    added.push_back(
        {n.name, builder.add(n.name, level, parent, n.enabled, n.tags), level});
  }
  return builder.build();
}

/// host1{db11,db12}, host2{db21,db22}.
inline std::vector<node_spec> bistro_nodes() {
  return {{"host1", ""}, {"db11", "host1"}, {"db12", "host1"},
          {"host2", ""}, {"db21", "host2"}, {"db22", "host2"}};
}

/// A round_scheduler over a config and a tree, with one status row per job.
class scheduler_harness {
 public:
  scheduler_harness(
      std::shared_ptr<const config> cfg, std::shared_ptr<const node_tree> tree,
      std::vector<std::pair<std::string, std::string>> workers = {{"w1", "w1"}},
      std::uint64_t seed = 1)
      : cfg(std::move(cfg)), tree(std::move(tree)), rng(seed) {
    resize_rows();
    scheduler.reset(this->cfg, this->tree, rng);
    for (const auto& [shard, host] : workers) scheduler.add_worker(shard, host);
  }

  /// Names (job, node) of the tasks one round starts. A stateful policy
  /// runs as its actor runs it: one instance per harness, kept across
  /// rounds, told each round's facts before it plans.
  std::vector<std::pair<std::string, std::string>> round(
      std::int64_t now_ms = 1000, const std::string& policy = "") {
    const std::string name = policy.empty() ? cfg->scheduler : policy;
    const auto* builtin = find_builtin_policy(name);
    REQUIRE(builtin != nullptr);
    if (builtin->stateless) {
      last_picks =
          scheduler.run_round(*builtin->stateless, rows(), now_ms, rng);
    } else {
      auto& instance = stateful_policies[name];
      if (!instance) instance = builtin->make_stateful();
      auto input = scheduler.prepare_round(rows(), now_ms);
      instance->observe({*cfg, now_ms, input.running_per_job});
      auto output = plan_round(*instance, std::move(input), rng);
      std::vector<std::uint32_t> started(cfg->jobs.size(), 0);
      for (const auto& pick : output.picks) ++started[pick.job];
      instance->started(started);
      last_picks = scheduler.commit_round(std::move(output), rows(), now_ms);
    }
    std::vector<std::pair<std::string, std::string>> out;
    for (const auto& pick : last_picks) {
      out.emplace_back(cfg->jobs[pick.job].name,
                       std::string{tree->name(pick.node)});
    }
    return out;
  }

  /// Reports the running task (job, node) ended with `label`.
  void finish(const std::string& job_name, const std::string& node_name,
              status_label label, std::int64_t now_ms = 2000) {
    job_index j = job_of(job_name);
    node_id n = *tree->find(node_name);
    parsed_status status;
    status.label = label;
    statuses[j]->apply(n, status, now_ms, cfg->jobs[j].backoff);
    scheduler.task_finished(j, n);
  }

  /// Replaces config and/or tree, keeping statuses by node name.
  void reconfigure(std::shared_ptr<const config> new_cfg,
                   std::shared_ptr<const node_tree> new_tree = nullptr) {
    cfg = std::move(new_cfg);
    if (new_tree) tree = std::move(new_tree);
    resize_rows();
    scheduler.reset(cfg, tree, rng);
  }

  job_index job_of(const std::string& name) const {
    const auto* j = cfg->find_job(name);
    REQUIRE(j != nullptr);
    return static_cast<job_index>(j - cfg->jobs.data());
  }
  std::string worker_of_pick(std::size_t i) const {
    return scheduler.workers().shard(last_picks.at(i).worker);
  }
  std::int32_t free_on(const std::string& node, const std::string& resource) {
    return scheduler.ledger().free_on_node(*tree->find(node),
                                           *cfg->find_resource(resource));
  }
  status_rows rows() {
    row_ptrs.clear();
    for (auto& r : statuses) row_ptrs.push_back(r.get());
    return row_ptrs;
  }

  std::shared_ptr<const config> cfg;
  std::shared_ptr<const node_tree> tree;
  std::mt19937_64 rng;
  std::vector<std::unique_ptr<job_status_row>> statuses;
  std::vector<job_status_row*> row_ptrs;
  round_scheduler scheduler;
  std::vector<task_pick> last_picks;
  std::map<std::string, std::unique_ptr<stateful_policy>> stateful_policies;

 private:
  void resize_rows() {
    // Jobs keep their rows by name across a config change.
    std::vector<std::unique_ptr<job_status_row>> rows_now;
    for (const auto& j : cfg->jobs) {
      std::unique_ptr<job_status_row> row;
      for (std::size_t i = 0; i < old_names.size(); ++i) {
        if (old_names[i] == j.name && statuses[i]) row = std::move(statuses[i]);
      }
      if (!row) row = std::make_unique<job_status_row>(tree->size());
      row->resize(tree->size());
      rows_now.push_back(std::move(row));
    }
    statuses = std::move(rows_now);
    old_names.clear();
    for (const auto& j : cfg->jobs) old_names.push_back(j.name);
  }
  std::vector<std::string> old_names;
};

}  // namespace bistro::testing
