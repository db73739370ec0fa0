// scheduler_system started in the test's own process: the same parts
// bistro_scheduler's main wires, with real tasks, a real LMDB store and
// the data dir's lock.
#include "apps/scheduler_system.hpp"

#include <caf/all.hpp>
#include <catch2/catch.hpp>

#include "actors/store/status_store.hpp"
#include "tests/support/e2e_support.hpp"

using namespace bistro;
using namespace bistro::testing;

namespace {

scheduler_system_options local_options(const temp_dir& dir, int nodes) {
  scheduler_system_options o;
  o.config_file = dir.write(
      "config", R"({"bistro_settings": {"nodes": {"levels": ["level1"],
        "node_sources": [{"source": "range_label", "prefs": {
          "parent_level": "instance", "start": 1, "end": )" +
                    std::to_string(nodes) + R"(, "format": "n{i}"}}]},
        "resources": {"instance": {"slots": {"limit": 2, "default": 1}}},
        "enabled": true, "idle_wait": 0.05, "working_wait": 0.02},
        "bistro_job->j": {"owner": "t"}})");
  o.worker_command = dir.script("task.sh", "echo done > \"$2\"\n");
  o.data_dir = dir.file("data");
  o.instance = "inst";
  o.exit_when_done = true;
  o.stats_interval_ms = 0;
  o.store.sync = status_sync::no_sync;
  return o;
}

caf::actor_system_config& system_config(caf::actor_system_config& cfg) {
  cfg.set("scheduler.max-threads", 2);
  cfg.add_message_types<caf::id_block::bistro>();
  return cfg;
}

}  // namespace

TEST_CASE(
    "a scheduler system started in-process runs every task, keeps their "
    "statuses in its store and holds its data dir") {
  temp_dir dir;
  caf::actor_system_config cfg;
  caf::actor_system sys{system_config(cfg)};
  auto started = scheduler_system::start(sys, local_options(dir, 5));
  if (auto* err = std::get_if<scheduler_start_error>(&started))
    FAIL(err->message);
  auto& system = *std::get<std::unique_ptr<scheduler_system>>(started);
  CHECK(system.scheduler());
  CHECK(system.http_port() == 0);

  // A second one on the same data dir is refused before it touches it.
  auto second = scheduler_system::start(sys, local_options(dir, 5));
  REQUIRE(std::holds_alternative<scheduler_start_error>(second));
  const auto& refused = std::get<scheduler_start_error>(second);
  CHECK(refused.exit_code == 1);
  INFO(refused.message);
  CHECK(refused.message.find(dir.file("data")) != std::string::npos);

  // --exit_when_done: wait() returns once all five ran, statuses on disk.
  CHECK(system.wait() == 0);
  auto opened = status_store::open_read_only(dir.file("data") + "/statuses");
  REQUIRE(std::holds_alternative<std::unique_ptr<status_store>>(opened));
  auto loaded = std::get<std::unique_ptr<status_store>>(opened)->load_all();
  REQUIRE(std::holds_alternative<status_batch>(loaded));
  const auto& stored = std::get<status_batch>(loaded);
  CHECK(stored.size() == 5);
  for (const auto& s : stored) {
    INFO(s.job << "/" << s.node);
    CHECK(s.status.label == status_label::done);
  }
}

TEST_CASE(
    "a scheduler system that cannot start says why and leaves nothing "
    "running") {
  temp_dir dir;
  caf::actor_system_config cfg;
  caf::actor_system sys{system_config(cfg)};
  auto o = local_options(dir, 1);
  o.clean_statuses = true;
  o.reset_statuses = true;
  auto started = scheduler_system::start(sys, o);
  REQUIRE(std::holds_alternative<scheduler_start_error>(started));
  const auto& err = std::get<scheduler_start_error>(started);
  CHECK(err.exit_code == 2);
  CHECK(err.message.find("--reset_statuses") != std::string::npos);
  CHECK(err.message.find("--clean_statuses") != std::string::npos);
  // The lock went with the failed start: the next one takes the dir.
  o.reset_statuses = false;
  auto next = scheduler_system::start(sys, o);
  if (auto* e = std::get_if<scheduler_start_error>(&next)) FAIL(e->message);
  CHECK(std::get<std::unique_ptr<scheduler_system>>(next)->wait() == 0);
}
