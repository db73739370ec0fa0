// The real bistro_scheduler with its HTTP server on a free port, a small
// config (simple_job on 4 nodes, as the getting-started guide) and a task
// script that records every start and end, for the HTTP end-to-end tests.
// Single-threaded test code, except `get`/`call`, which any thread may use.
#pragma once

#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include "tests/actors/http/http_client.hpp"
#include "tests/support/e2e_support.hpp"

namespace bistro::testing {

/// The getting-started settings, with fast rounds.
inline std::string http_test_settings() {
  return R"("bistro_settings": {
      "nodes": {"levels": ["level1", "level2"], "node_source": "manual",
                "node_source_prefs": {"node1": ["node11", "node12"],
                                      "node2": ["node21", "node22"]}},
      "resources": {"instance": {"concurrency": {"limit": 3, "default": 1}}},
      "enabled": true, "idle_wait": 0.2, "working_wait": 0.05})";
}

/// A task: prints to stdout and stderr; jobs named slow* sleep 300 s,
/// fail* fail, tick* report incomplete (so they run again and again).
inline std::string http_test_task(const std::string& records) {
  return record_prelude(records) + R"(record start
echo "hello from $JOB on $NODE"
echo "warning on $NODE" >&2
case "$JOB" in
  slow*) exec sleep 300 ;;  # the task itself: a kill ends it
  fail*) echo failed > "$2" ;;
  tick*) sleep 0.1; echo incomplete > "$2" ;;
  *) echo done > "$2" ;;
esac
record end)";
}

class scheduler_under_test {
 public:
  /// `task_body` replaces the task script (after record_prelude).
  explicit scheduler_under_test(
      const std::string& jobs =
          R"("bistro_job->simple_job": {"owner": "test", "enabled": true})",
      std::vector<std::string> extra = {}, const std::string& task_body = "") {
    records = dir.file("records");
    config =
        dir.write("config", "{" + http_test_settings() + ", " + jobs + "}");
    auto task = dir.script(
        "task.sh", task_body.empty() ? http_test_task(records)
                                     : record_prelude(records) + task_body);
    port = free_port();
    std::vector<std::string> argv{BISTRO_SCHEDULER_BIN,
                                  "--config_file=" + config,
                                  "--worker_command=" + task,
                                  "--data_dir=" + dir.file("data"),
                                  "--instance_node_name=scheduler",
                                  "--config_update_ms=200",
                                  "--status_sync=nosync",
                                  "--http_server_port=" + std::to_string(port)};
    argv.insert(argv.end(), extra.begin(), extra.end());
    proc.emplace(argv, dir.file("scheduler.log"));
    INFO(proc->log());
    REQUIRE(eventually(
        // Up, and the first config loaded.
        [&] { return get("/api/jobs").status == 200 || proc->wait(0); },
        20000));
    REQUIRE_FALSE(proc->wait(0));
  }

  http_response get(const std::string& target) const {
    return http_call(port, "GET", target);
  }
  http_response call(
      const std::string& method, const std::string& target,
      const std::string& body = "",
      const std::map<std::string, std::string>& headers = {}) const {
    return http_call(port, method, target, body, headers);
  }
  /// GET `target`, expecting 200 and a JSON body.
  boost::json::value get_json(const std::string& target) const {
    auto r = get(target);
    INFO(target << " -> " << r.status << " " << r.body << r.error);
    REQUIRE(r.status == 200);
    return boost::json::parse(r.body);
  }
  /// The number of starts recorded for `job` on `node` ("" = any node).
  int starts(const std::string& job, const std::string& node = "") const {
    int n = 0;
    for (const auto& r : read_records(records))
      if (r.event == "start" && r.job == job &&
          (node.empty() || r.node == node))
        ++n;
    return n;
  }

  temp_dir dir;
  std::string records, config;
  std::uint16_t port = 0;
  std::optional<child_process> proc;
};

}  // namespace bistro::testing
