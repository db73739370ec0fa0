// The nodes actor with its node-source actors, on a real actor system and
// real scripts: each source runs on its own schedule, so a script that
// hangs delays only its own nodes while add_time's ticks go on; a new
// config that states an entry as before keeps that entry's actor. The
// scheduler is a fake that records what it is sent; waits are bounded
// polls.
#include "actors/nodes/nodes_actor.hpp"

#include <caf/all.hpp>
#include <catch2/catch.hpp>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <string>
#include <vector>

#include "actors/nodes/node_tree.hpp"
#include "actors/policies/builtin_policies.hpp"
#include "config/config.hpp"
#include "tests/support/e2e_support.hpp"

using namespace bistro;
using namespace bistro::testing;

namespace {

struct inbox {
  std::mutex mutex;
  std::vector<std::pair<config_ptr, node_tree_ptr>> trees;
  std::vector<std::string> errors;
};

caf::behavior fake_scheduler(std::shared_ptr<inbox> box) {
  return {
      [=](update_atom, config_ptr cfg, node_tree_ptr tree) {
        std::lock_guard<std::mutex> lock(box->mutex);
        box->trees.emplace_back(std::move(cfg), std::move(tree));
      },
      [=](error_atom, std::string, std::string message, std::int64_t) {
        std::lock_guard<std::mutex> lock(box->mutex);
        box->errors.push_back(std::move(message));
      },
  };
}

int count_in(const std::string& path) {
  std::ifstream in(path);
  int n = 0;
  in >> n;
  return n;
}

struct fixture {
  caf::actor_system_config cfg;
  caf::actor_system sys{init(cfg)};
  temp_dir dir;
  std::shared_ptr<inbox> box = std::make_shared<inbox>();
  std::shared_ptr<node_source_stop> stop = std::make_shared<node_source_stop>();
  nodes_actor nodes;

  static caf::actor_system_config& init(caf::actor_system_config& c) {
    c.set("scheduler.max-threads", 2);
    return c;
  }

  explicit fixture(std::int64_t update_ms) {
    auto scheduler =
        caf::actor_cast<scheduler_actor>(sys.spawn(fake_scheduler, box));
    nodes =
        spawn_nodes_actor(sys, {"inst", update_ms, update_ms, scheduler, stop});
  }

  ~fixture() {
    stop->request();  // a hanging script dies at once
    caf::anon_send_exit(nodes, caf::exit_reason::user_shutdown);
  }

  config_ptr config_with(const std::string& node_sources,
                         const std::string& jobs = "") {
    auto parsed = parse_config(
        R"({"bistro_settings": {"nodes": {"levels": ["node"], )"
        R"("node_sources": [)" +
            node_sources + "]}}" + (jobs.empty() ? "" : ", " + jobs) + "}",
        builtin_policy_catalog());
    INFO((parsed.errors.empty() ? "" : parsed.errors.front()));
    REQUIRE(parsed.ok());
    return parsed.value;
  }

  std::pair<config_ptr, node_tree_ptr> newest() {
    std::lock_guard<std::mutex> lock(box->mutex);
    if (box->trees.empty()) return {};
    return box->trees.back();
  }
};

// The newest add_time node's time ("inst:<time>"), or -1.
std::int64_t newest_time_node(const node_tree& tree) {
  std::int64_t newest = -1;
  for (node_id n : tree.nodes_at_level(1)) {
    auto name = tree.name(n);
    if (name.starts_with("inst:"))
      newest = std::max<std::int64_t>(newest,
                                      std::stoll(std::string{name.substr(5)}));
  }
  return newest;
}

std::string add_time_every_second() {
  return R"({"source": "add_time", "prefs": {"parent_level": "instance", )"
         R"("schedule": [{"cron": {"epoch": {"period": 1}}, "lifetime": 5}]}})";
}

std::string script_source(const std::string& path) {
  return R"({"source": "script", "prefs": {"parent_level": "instance", )"
         R"("timeout_ms": 60000, "script": ")" +
         path + "\"}}";
}

}  // namespace

TEST_CASE("A hanging script source delays only its own nodes") {
  fixture f(300);
  // The first run answers at once; every later run hangs (until the stop).
  const auto count = f.dir.file("count");
  const auto hanging = f.dir.file("hanging");
  const auto script = f.dir.script(
      "nodes.sh", "n=$(cat " + count + " 2>/dev/null || echo 0)\n" +
                      "echo $((n + 1)) > " + count + "\n" +
                      "if [ \"$n\" -gt 0 ]; then touch " + hanging +
                      "; sleep 60; fi\n" + "echo s1");
  caf::anon_send(
      f.nodes, update_atom_v,
      f.config_with(add_time_every_second() + ", " + script_source(script)));
  REQUIRE(eventually(
      [&] {
        auto [cfg, tree] = f.newest();
        return tree && tree->find("s1") && newest_time_node(*tree) > 0;
      },
      10000));
  // The script's second run starts after --nodes_update_ms and hangs.
  REQUIRE(eventually([&] { return std::filesystem::exists(hanging); }, 10000));
  const auto before = newest_time_node(*f.newest().second);
  // add_time's ticks still make trees, with the script's last nodes.
  CHECK(eventually(
      [&] {
        auto [cfg, tree] = f.newest();
        return newest_time_node(*tree) >= before + 2 && tree->find("s1");
      },
      10000));
  CHECK(count_in(count) == 2);
}

TEST_CASE("A new config's tree waits for no script whose entry is the same") {
  fixture f(600000);
  const auto count = f.dir.file("count");
  const auto hanging = f.dir.file("hanging");
  // The first run answers at once; every later run hangs (until the stop).
  const auto script = f.dir.script(
      "nodes.sh", "n=$(cat " + count + " 2>/dev/null || echo 0)\n" +
                      "echo $((n + 1)) > " + count + "\n" +
                      "if [ \"$n\" -gt 0 ]; then touch " + hanging +
                      "; sleep 60; fi\n" + "echo s1");
  auto first = f.config_with(script_source(script));
  caf::anon_send(f.nodes, update_atom_v, first);
  REQUIRE(eventually([&] { return f.newest().first == first; }, 10000));
  // Same nodes, another job: the tree for it comes from the script's last
  // run while the script runs again, and hangs.
  auto second = f.config_with(script_source(script),
                              R"("bistro_job->j": {"owner": "o"})");
  caf::anon_send(f.nodes, update_atom_v, second);
  REQUIRE(eventually([&] { return f.newest().first == second; }, 10000));
  CHECK(f.newest().second->find("s1"));
  CHECK(eventually([&] { return std::filesystem::exists(hanging); }, 10000));
  // Other prefs make another entry: its tree waits for its own first run.
  auto third = f.config_with(R"({"source": "script", "prefs": )"
                             R"({"parent_level": "instance", )"
                             R"("timeout_ms": 500, "script": ")" +
                             script + "\"}}");
  caf::anon_send(f.nodes, update_atom_v, third);
  CHECK(eventually(
      [&] {
        std::lock_guard<std::mutex> lock(f.box->mutex);
        return !f.box->errors.empty() &&
               f.box->errors.back().find("timed out after 500 ms") !=
                   std::string::npos;
      },
      10000));
  // The failed run keeps the previous nodes, under the new config.
  CHECK(f.newest().first == third);
  CHECK(f.newest().second->find("s1"));
}
