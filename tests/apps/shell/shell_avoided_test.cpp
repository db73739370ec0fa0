// bistro_shell against a real scheduler (in-process worker) whose job's
// filter excludes most nodes: those are avoided, as Bistro shows them, not
// never started.
#include <catch2/catch.hpp>

#include "tests/apps/shell/shell_test_support.hpp"

using namespace bistro::testing;
namespace json = boost::json;

TEST_CASE("shell: nodes a job's filter excludes are avoided, not waiting") {
  temp_dir dir;
  int port = free_port();
  auto config = dir.write("config", R"({"bistro_settings": {
      "nodes": {"levels": ["level1", "level2"], "node_source": "manual",
                "node_source_prefs": {"node1": ["node11", "node12"],
                                      "node2": ["node21", "node22"]}},
      "enabled": true, "idle_wait": 0.2, "working_wait": 0.05},
    "bistro_job->picky": {"owner": "test",
      "filters": {"level1": {"whitelist": ["node1"]},
                  "level2": {"blacklist": ["node12"]}}}})");
  auto task = dir.script("task.sh", "echo done > \"$2\"\n");
  child_process scheduler(
      {scheduler_bin, "--server_port=" + std::to_string(port),
       "--http_server_port=0", "--config_file=" + config,
       "--worker_command=" + task, "--clean_statuses",
       "--CAUTION_startup_wait_for_workers=0", "--instance_node_name=scheduler",
       "--data_dir=" + dir.file("data"), "--log_level=warn"},
      dir.file("sched.log"));
  auto shell = [&](const std::string& command) {
    return run_shell(
        {shell_bin, "--scheduler_host=::",
         "--scheduler_port=" + std::to_string(port), "-c", command},
        dir);
  };
  shell_run job;
  REQUIRE(eventually(
      [&] {
        job = shell("job picky");
        return job.exit_code == 0 && contains(job.out, "done     1");
      },
      30000));
  INFO(job.out << job.err);
  CHECK(contains(job.out, "STATUS   TASKS\ndone     1\navoided  3\n"));
  CHECK_FALSE(contains(job.out, "never_started"));
  auto tasks = shell("tasks --job picky --state avoided");
  INFO(tasks.out << tasks.err);
  CHECK(tasks.exit_code == 0);
  CHECK(contains(tasks.out, "node12"));
  CHECK(contains(tasks.out, "node21"));
  CHECK(contains(tasks.out, "node22"));
  CHECK_FALSE(contains(tasks.out, "node11"));
}
