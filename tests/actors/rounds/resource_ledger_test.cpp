#include "actors/rounds/resource_ledger.hpp"

#include <catch2/catch.hpp>

#include "tests/support/scheduler_fixtures.hpp"

using namespace bistro;
using namespace bistro::testing;

namespace {

struct ledger_fixture {
  std::shared_ptr<const config> cfg = make_config(
      bistro_settings(
          R"("worker_resources_override": {"big": {"worker_slots": 5}})",
          R"("worker": {"worker_slots": {"limit": 2, "default": 1}})"),
      job("a"));
  std::shared_ptr<const node_tree> tree = make_tree(*cfg, {{"host1", ""},
                                                           {"db11", "host1"},
                                                           {"db12", "host1"},
                                                           {"db13", "host1"},
                                                           {"host2", ""},
                                                           {"db11", "host2"}});
  std::shared_ptr<const level_slots> slots =
      std::make_shared<const level_slots>(tree);
  resource_ledger ledger{cfg, slots};
  job_demand demand = job_demand::of(*cfg, cfg->jobs[0]);

  node_id node(const char* name) { return *tree->find(name); }
  std::int32_t free(const char* n, const char* r) {
    return ledger.free_on_node(node(n), *cfg->find_resource(r));
  }
};

}  // namespace

TEST_CASE("A task charges its node, every ancestor and its worker") {
  ledger_fixture f;
  worker_index w = f.ledger.add_worker("small");
  REQUIRE(f.ledger.first_blocking(f.demand, f.node("db12")) == no_node);
  f.ledger.take(f.demand, f.node("db12"), w);
  CHECK(f.free("db12", "db_concurrency") == 0);
  CHECK(f.free("host1", "host_concurrency") == 1);
  CHECK(f.ledger.free_on_worker(w, *f.cfg->find_resource("worker_slots")) == 1);
  CHECK(f.ledger.first_blocking(f.demand, f.node("db12")) == f.node("db12"));
  f.ledger.give_back(f.demand, f.node("db12"), w);
  CHECK(f.free("db12", "db_concurrency") == 1);
  CHECK(f.free("host1", "host_concurrency") == 2);
}

TEST_CASE("A full ancestor blocks every node under it") {
  ledger_fixture f;
  f.ledger.take(f.demand, f.node("db12"), no_worker);
  f.ledger.take(f.demand, f.node("db11"), no_worker);
  CHECK(f.free("host1", "host_concurrency") == 0);
  CHECK(f.ledger.first_blocking(f.demand, f.node("db13")) == f.node("host1"));
}

TEST_CASE("Replicas share the node's own slots but not their ancestors") {
  ledger_fixture f;
  auto copies = f.slots->copies(f.node("db11"));
  REQUIRE(copies.size() == 2);
  f.ledger.take(f.demand, copies[1], no_worker);  // via host2
  CHECK(f.free("host2", "host_concurrency") == 1);
  CHECK(f.free("host1", "host_concurrency") == 2);
  CHECK(f.ledger.first_blocking(f.demand, copies[0]) == copies[0]);
}

TEST_CASE("Worker limits come from the config, overridden per shard") {
  ledger_fixture f;
  worker_index small = f.ledger.add_worker("small");
  worker_index big = f.ledger.add_worker("big");
  auto r = *f.cfg->find_resource("worker_slots");
  CHECK(f.ledger.free_on_worker(small, r) == 2);
  CHECK(f.ledger.free_on_worker(big, r) == 5);
  f.ledger.take(f.demand, f.node("db11"), small);
  f.ledger.take(f.demand, f.node("db12"), small);
  CHECK_FALSE(f.ledger.worker_fits(f.demand, small));
  CHECK(f.ledger.worker_fits(f.demand, big));
}

TEST_CASE("Unchecked charges may go below zero and then block every start") {
  ledger_fixture f;
  f.ledger.take(f.demand, f.node("db11"), no_worker);
  f.ledger.take(f.demand, f.node("db11"), no_worker);
  CHECK(f.free("db11", "db_concurrency") == -1);
  CHECK(f.ledger.any_negative());
  f.ledger.give_back(f.demand, f.node("db11"), no_worker);
  CHECK(f.ledger.first_blocking(f.demand, f.node("db11")) == f.node("db11"));
  f.ledger.give_back(f.demand, f.node("db11"), no_worker);
  CHECK(f.ledger.first_blocking(f.demand, f.node("db11")) == no_node);
  CHECK_FALSE(f.ledger.any_negative());
}

TEST_CASE("A copy of the ledger is independent of the original") {
  ledger_fixture f;
  resource_ledger copy = f.ledger;
  copy.take(f.demand, f.node("db12"), no_worker);
  CHECK(f.free("db12", "db_concurrency") == 1);
  CHECK(copy.free_on_node(f.node("db12"),
                          *f.cfg->find_resource("db_concurrency")) == 0);
}

namespace {

// Every node and worker entry of `a` equals `b`'s.
bool same_entries(ledger_fixture& f, const resource_ledger& a,
                  const resource_ledger& b) {
  for (const char* r : {"host_concurrency", "db_concurrency"}) {
    for (const char* n : {"host1", "host2", "db11", "db12", "db13"}) {
      auto id = *f.cfg->find_resource(r);
      if (f.tree->level(f.node(n)) != f.cfg->resources[id].level) continue;
      if (a.free_on_node(f.node(n), id) != b.free_on_node(f.node(n), id))
        return false;
    }
  }
  auto w = *f.cfg->find_resource("worker_slots");
  for (worker_index i = 0; i < a.num_workers(); ++i) {
    if (a.free_on_worker(i, w) != b.free_on_worker(i, w)) return false;
  }
  return a.num_workers() == b.num_workers();
}

}  // namespace

TEST_CASE("A synced twin matches the ledger after both changed") {
  ledger_fixture f;
  worker_index w = f.ledger.add_worker("big");
  resource_ledger twin = f.ledger.twin();
  twin.take(f.demand, f.node("db12"), w);  // the policy's pick
  f.ledger.take(f.demand, f.node("db13"), w);
  f.ledger.add_worker("small");
  twin.sync_from(f.ledger);
  CHECK(same_entries(f, twin, f.ledger));
  CHECK(twin.free_on_node(f.node("db12"),
                          *f.cfg->find_resource("db_concurrency")) == 1);
  // Again, from the synced state.
  f.ledger.give_back(f.demand, f.node("db13"), w);
  twin.take(f.demand, f.node("db11"), no_worker);
  twin.sync_from(f.ledger);
  CHECK(same_entries(f, twin, f.ledger));
}

TEST_CASE("A stale copy is synced in full") {
  ledger_fixture f;
  resource_ledger stale = f.ledger.twin();
  resource_ledger other = f.ledger.twin();  // the ledger forgets `stale`
  stale.take(f.demand, f.node("db12"), no_worker);
  f.ledger.take(f.demand, f.node("db11"), no_worker);
  other.sync_from(f.ledger);  // clears the journal `stale` relied on
  stale.sync_from(f.ledger);
  CHECK(same_entries(f, stale, f.ledger));
  resource_ledger plain = f.ledger;  // keeps the lineage and the journal
  plain.take(f.demand, f.node("db13"), no_worker);
  resource_ledger fresh{f.cfg, f.slots};
  fresh.sync_from(f.ledger);
  CHECK(same_entries(f, fresh, f.ledger));
  plain.sync_from(f.ledger);
  CHECK(same_entries(f, plain, f.ledger));
}

TEST_CASE("Worker overrides match host:port, then host, then shard") {
  auto cfg = make_config(
      bistro_settings(
          R"("worker_resources_override": {"h1:7": {"worker_slots": 7},
              "h1": {"worker_slots": 4}, "s3": {"worker_slots": 3}})",
          R"("worker": {"worker_slots": {"limit": 2, "default": 1}})"),
      job("a"));
  auto tree = make_tree(*cfg, {{"host1", ""}, {"db11", "host1"}});
  resource_ledger ledger{cfg, std::make_shared<const level_slots>(tree)};
  auto slots = *cfg->find_resource("worker_slots");
  // host:port wins over host, host over shard.
  CHECK(ledger.free_on_worker(ledger.add_worker("s3", "h1", 7), slots) == 7);
  CHECK(ledger.free_on_worker(ledger.add_worker("s3", "h1", 8), slots) == 4);
  CHECK(ledger.free_on_worker(ledger.add_worker("s3", "h2", 7), slots) == 3);
  CHECK(ledger.free_on_worker(ledger.add_worker("s4", "h2", 7), slots) == 2);
}

TEST_CASE(
    "A worker's measured machine sets the limits of mapped resources: "
    "reserve held back, GPU models counted, overrides last") {
  auto cfg = make_config(
      bistro_settings(
          R"("worker_resources_override": {"small": {"cpu": 1}},
             "physical_resources": {
               "ram_mb": {"logical_resource": "ram_gb",
                          "multiply_logical_by": 1024,
                          "physical_reserve_amount": 512},
               "cpu_core": {"logical_resource": "cpu"},
               "gpu_card": {"logical_resource": "gpu"}})",
          R"("worker": {"ram_gb": {"limit": 100, "default": 1},
                        "cpu": {"limit": 64, "default": 1},
                        "gpu": {"limit": 0, "default": 0},
                        "GPU: K40": {"limit": 0, "default": 0}})"),
      job("a"));
  auto tree = make_tree(*cfg, {{"host1", ""}, {"db11", "host1"}});
  resource_ledger ledger{cfg, std::make_shared<const level_slots>(tree)};
  auto r = [&](const char* name) { return *cfg->find_resource(name); };
  worker_physical machine;
  machine.usable = {8192 + 512 + 100, 4, 2};
  machine.gpu_models = {"K40", "K40"};
  auto w = ledger.add_worker("big", "h1", 0, machine);
  CHECK(ledger.free_on_worker(w, r("ram_gb")) == 8);  // (8804 - 512) / 1024
  CHECK(ledger.free_on_worker(w, r("cpu")) == 4);
  CHECK(ledger.free_on_worker(w, r("gpu")) == 2);
  CHECK(ledger.free_on_worker(w, r("GPU: K40")) == 2);
  // Not measured: the resource's own limit stands; an override still wins.
  auto s = ledger.add_worker("small", "h2", 0, worker_physical{});
  CHECK(ledger.free_on_worker(s, r("ram_gb")) == 100);
  CHECK(ledger.free_on_worker(s, r("cpu")) == 1);
  auto o = ledger.add_worker("small", "h3", 0, machine);
  CHECK(ledger.free_on_worker(o, r("cpu")) == 1);

  // Back on a smaller machine with a task holding 1 GB: the row moves by
  // the change of its limit, what the task holds stays held.
  job_demand demand = job_demand::of(*cfg, cfg->jobs[0]);
  ledger.take(demand, *tree->find("db11"), w);
  CHECK(ledger.free_on_worker(w, r("ram_gb")) == 7);
  worker_physical smaller = machine;
  smaller.usable.memory_mb = 4096 + 512;
  smaller.gpu_models = {"K40"};
  smaller.usable.gpu_cards = 1;
  ledger.relimit_worker(w, "big", "h1", 0, machine, smaller);
  CHECK(ledger.free_on_worker(w, r("ram_gb")) == 3);
  CHECK(ledger.free_on_worker(w, r("GPU: K40")) == 1);
  CHECK(ledger.free_on_worker(w, r("cpu")) == 3);
}
