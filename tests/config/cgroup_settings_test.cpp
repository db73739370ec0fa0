#include "config/cgroup_settings.hpp"

#include <catch2/catch.hpp>
#include <cmath>
#include <limits>

#include "config/config.hpp"
#include "tests/support/config_builders.hpp"

using namespace bistro;
using namespace bistro::testing;

namespace {

const std::string worker_resources =
    R"("resources": {"worker": {"ram_gb": {"limit": 8, "default": 1},
                                "cores": {"limit": 4, "default": 1},
                                "gpus": {"limit": 0, "default": 0}}})";

}  // namespace

TEST_CASE("task_subprocess.cgroups is read with Bistro's keys; jobs override") {
  auto cfg = parse_ok(config_text(
      R"("task_subprocess": {"cgroups": {"root": "/sys/fs/cgroup",
          "slice": "bistro/tasks", "subsystems": ["memory", "freezer"],
          "kill_without_freezer": true, "pids_max": 64}})",
      R"("bistro_job->a": {"owner": "o"},
         "bistro_job->b": {"owner": "o", "task_subprocess": {"cgroups":
             {"subsystems": ["cpu"]}}})"));
  const auto& a = cfg->find_job("a")->task_subprocess.cgroups;
  CHECK(a.enabled());
  CHECK(a.root == "/sys/fs/cgroup");
  CHECK(a.slice == "bistro/tasks");
  CHECK(a.subsystems == std::vector<std::string>{"memory", "freezer"});
  CHECK(a.kill_without_freezer);
  CHECK(a.pids_max == 64);
  // The list is replaced, not added to; the rest is inherited.
  const auto& b = cfg->find_job("b")->task_subprocess.cgroups;
  CHECK(b.subsystems == std::vector<std::string>{"cpu"});
  CHECK(b.slice == "bistro/tasks");
  CHECK(cfg->warnings.empty());
}

TEST_CASE("cgroups without subsystems are off") {
  auto cfg =
      parse_ok(config_text(R"("task_subprocess": {"cgroups": {"slice": "x"}})",
                           R"("bistro_job->a": {"owner": "o"})"));
  CHECK_FALSE(cfg->find_job("a")->task_subprocess.cgroups.enabled());
}

TEST_CASE("bad cgroups settings name the key") {
  CHECK_THAT(parse_error(config_text(
                 R"("task_subprocess": {"cgroups": {"root": "rel"}})")),
             Catch::Contains("task_subprocess.cgroups.root: must be an "
                             "absolute path"));
  CHECK_THAT(parse_error(config_text(
                 R"("task_subprocess": {"cgroups": {"slice": "a/../../b"}})")),
             Catch::Contains("task_subprocess.cgroups.slice: must stay under "
                             "the root"));
  CHECK_THAT(
      parse_error(config_text(
          R"("task_subprocess": {"cgroups": {"subsystems": ["../x"]}})")),
      Catch::Contains("not a subsystem name"));
  CHECK_THAT(parse_error(config_text(
                 R"("task_subprocess": {"cgroups": {"memory": 5}})")),
             Catch::Contains("task_subprocess.cgroups.memory: unknown key"));
}

TEST_CASE("physical_resources maps worker resources; limits follow a job") {
  auto cfg = parse_ok(
      config_text(worker_resources + R"(, "physical_resources": {
          "ram_mb": {"logical_resource": "ram_gb", "multiply_logical_by": 1024,
                     "enforcement": "hard", "physical_reserve_amount": 1536},
          "cpu_core": {"logical_resource": "cores", "enforcement": "soft"},
          "gpu_card": {"logical_resource": "gpus"}})",
                  R"("bistro_job->a": {"owner": "o", "resources": {"ram_gb": 2,
                                                        "cores": 3}},
         "bistro_job->b": {"owner": "o"})"));
  REQUIRE(cfg->physical_resources.size() == 3);
  auto a = cgroup_limits_of(*cfg, *cfg->find_job("a"));
  CHECK(a.memory_limit_mb == 2048);
  CHECK(a.cpu_cores == 3.0);
  auto b = cgroup_limits_of(*cfg, *cfg->find_job("b"));
  CHECK(b.memory_limit_mb == 1024);
  CHECK(b.cpu_cores == 1.0);

  const auto& ram =
      cfg->physical_resources[0].physical == physical_resource::ram_mb
          ? cfg->physical_resources[0]
          : cfg->physical_resources[1];
  usable_resources usable{24105.0, 2.0, 0};
  // (24105 - 1536) / 1024 = 22.04 -> 22 GB
  CHECK(logical_limit_of(ram, usable) == 22);
  usable.memory_mb = 1000;  // less than the reserve
  CHECK(logical_limit_of(ram, usable) == 0);
  usable.memory_mb = 0;  // not measured: the config's limit stands
  CHECK_FALSE(logical_limit_of(ram, usable));
  // A worker's figures come off the wire: what is not a finite positive
  // amount is not measured, and a huge one is bounded, never undefined.
  usable.memory_mb = std::nan("");
  CHECK_FALSE(logical_limit_of(ram, usable));
  usable.memory_mb = -5;
  CHECK_FALSE(logical_limit_of(ram, usable));
  usable.memory_mb = std::numeric_limits<double>::infinity();
  CHECK_FALSE(logical_limit_of(ram, usable));
  usable.memory_mb = 1e300;
  CHECK(logical_limit_of(ram, usable) == 1000000000000000);
}

TEST_CASE("physical_resources refuses what Bistro refuses") {
  CHECK_THAT(parse_error(config_text(
                 worker_resources +
                 R"(, "physical_resources": {"ram_mb": {"logical_resource":
                     "nope"}})")),
             Catch::Contains("physical_resources.ram_mb.logical_resource: not "
                             "a worker-level resource"));
  CHECK_THAT(parse_error(config_text(
                 worker_resources +
                 R"(, "physical_resources": {"cpu_core": {"logical_resource":
                     "cores", "enforcement": "hard"}})")),
             Catch::Contains("not supported for cpu_core"));
  CHECK_THAT(parse_error(config_text(worker_resources +
                                     R"(, "physical_resources": {
                     "ram_mb": {"logical_resource": "cores"},
                     "cpu_core": {"logical_resource": "cores"}})")),
             Catch::Contains("mapped by another entry already"));
  CHECK_THAT(
      parse_error(config_text(worker_resources +
                              R"(, "physical_resources": {"disk_mb": {}})")),
      Catch::Contains("unknown physical resource"));
}
