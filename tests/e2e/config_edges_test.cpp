// The config path at its edges, with the real bistro_scheduler over HTTP:
// a node-source script that hangs must neither freeze later config changes
// nor shutdown, and a config file that is a FIFO must be refused without
// wedging the watcher, so that save_job answers what really happened.
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <csignal>
#include <filesystem>
#include <memory>

#include "tests/faults/faults_support.hpp"

using namespace bistro::testing;

namespace {

const std::string scheduler_bin = BISTRO_SCHEDULER_BIN;

bool has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

std::string job(const std::string& name) {
  return ", \"bistro_job->" + name + "\": {\"owner\": \"t\"}";
}

/// A scheduler (tasks disabled) whose nodes come from `nodes.sh`, with the
/// HTTP API on a free port. Node rebuilds happen only on config changes.
struct edge_scheduler {
  temp_dir dir;
  int http_port = free_port();
  std::string config = dir.file("config");
  std::unique_ptr<fault_process> process;

  /// nodes.sh prints n1 and n2, unless the file `hang` exists: then it
  /// writes its pid (its process group) to `hanging`, its child's pid to
  /// `sleeper`, and waits forever.
  std::string nodes_script() const {
    return dir.script("nodes.sh", "if [ -e " + dir.file("hang") +
                                      " ]; then\n"
                                      "  sleep 1000 &\n  echo $! > " +
                                      dir.file("sleeper") + "\n  echo $$ > " +
                                      dir.file("hanging") +
                                      "\n  wait\nfi\necho n1\necho n2\n");
  }

  std::string config_text(std::int64_t timeout_ms,
                          const std::string& jobs) const {
    return R"({"bistro_settings": {"enabled": false, "nodes": {
        "levels": ["host"], "node_sources": [{"source": "script", "prefs": {
        "script": ")" +
           nodes_script() + R"(", "parent_level": "instance", "timeout_ms": )" +
           std::to_string(timeout_ms) + "}}]}}" + jobs + "}";
  }

  void start(const std::string& text) {
    dir.write("config", text);
    auto unused = dir.script("unused.sh", "exit 0");
    process = std::make_unique<fault_process>(
        std::vector<std::string>{
            scheduler_bin, "--config_file=" + config,
            "--worker_command=" + unused, "--data_dir=" + dir.file("data"),
            "--instance_node_name=scheduler", "--clean_statuses",
            "--config_update_ms=50", "--nodes_update_ms=600000",
            "--nodes_retry_ms=600000",
            "--http_server_port=" + std::to_string(http_port),
            "--http_cache_ms=0"},
        dir.file("scheduler.log"));
    REQUIRE(eventually([&] { return process->log_has("HTTP API"); }, 15000));
  }

  std::string get(const std::string& target) const {
    return http_request(http_port, "GET", target).body;
  }

  /// Polls GET `target` until its body contains `part` (15 s bound).
  bool shows(const std::string& target, const std::string& part) const {
    if (eventually([&] { return has(get(target), part); }, 15000)) return true;
    UNSCOPED_INFO("GET " << target << " never showed " << part << "; log:\n"
                         << process->log_tail());
    return false;
  }
};

}  // namespace

TEST_CASE("a hanging node script neither freezes config changes nor SIGTERM") {
  edge_scheduler s;
  s.start(s.config_text(300, job("first")));
  REQUIRE(s.shows("/api/jobs", "\"first\""));
  REQUIRE(s.shows("/api/nodes?level=host", "\"n2\""));

  // From now on the script hangs. Adding a job rebuilds the nodes: the script
  // is killed after its 300 ms, the old nodes stay, and the job is applied.
  s.dir.write("hang", "");
  const auto edited = steady_ms();
  s.dir.write("config", s.config_text(300, job("first") + job("second")));
  REQUIRE(s.shows("/api/jobs", "\"second\""));
  CHECK(steady_ms() - edited < 10000);
  CHECK(has(s.get("/api/nodes?level=host"), "\"n1\""));
  CHECK(s.shows("/api/errors", "timed out after 300 ms"));
  const auto errors = s.get("/api/errors");
  CHECK(has(errors, "\"nodes\""));
  CHECK(has(errors, s.dir.file("nodes.sh")));
  CHECK(has(errors, "timed out after 300 ms"));
  const pid_t first_sleeper = std::stoi([&] {
    std::ifstream in(s.dir.file("sleeper"));
    std::string line;
    std::getline(in, line);
    return line;
  }());
  CHECK(eventually([&] { return !process_alive(first_sleeper); }, 5000));

  // A script that would run for 10 minutes is running when SIGTERM comes:
  // the scheduler kills it and exits at once.
  std::filesystem::remove(s.dir.file("hanging"));
  s.dir.write("config", s.config_text(600000, job("first") + job("third")));
  REQUIRE(eventually(
      [&] { return std::filesystem::exists(s.dir.file("hanging")); }, 15000));
  std::ifstream sleeper_file(s.dir.file("sleeper"));
  pid_t sleeper = 0;
  sleeper_file >> sleeper;
  s.process->kill(SIGTERM);
  const auto exit_code = s.process->wait(5000);
  REQUIRE(exit_code.has_value());
  CHECK(*exit_code == 0);
  CHECK(eventually([&] { return !process_alive(sleeper); }, 5000));
}

TEST_CASE("a config replaced by a FIFO is refused; save_job tells the truth") {
  edge_scheduler s;
  s.start(s.config_text(60000, job("first")));
  REQUIRE(s.shows("/api/jobs", "\"first\""));

  REQUIRE(::unlink(s.config.c_str()) == 0);
  REQUIRE(::mkfifo(s.config.c_str(), 0600) == 0);
  REQUIRE(s.shows("/api/errors", "FIFO"));
  CHECK(has(s.get("/api/errors"), s.config));
  CHECK(has(s.get("/api/jobs"), "\"first\""));  // the last good config

  // The watcher is not stuck: save_job answers at once, with the reason.
  const auto asked = steady_ms();
  auto saved =
      http_request(s.http_port, "PUT", "/api/jobs/saved", R"({"owner": "t"})");
  CHECK(steady_ms() - asked < 5000);
  CHECK(saved.code != 200);
  CHECK(has(saved.body, "FIFO"));

  // A regular file again: it is loaded, and the refused save never appears.
  REQUIRE(::unlink(s.config.c_str()) == 0);
  s.dir.write("config", s.config_text(60000, job("first") + job("later")));
  REQUIRE(s.shows("/api/jobs", "\"later\""));
  CHECK_FALSE(has(s.get("/api/jobs"), "\"saved\""));
}

TEST_CASE("check_config refuses a config over --config_max_bytes") {
  edge_scheduler s;
  const auto text = s.config_text(60000, job("first"));
  s.dir.write("config", text);
  const auto out = s.dir.file("check.out");
  CHECK(run_shell(scheduler_bin + " --config_file=" + s.config +
                  " --check_config --config_max_bytes=100 > " + out +
                  " 2>&1") == 1);
  std::ifstream in(out);
  const std::string printed((std::istreambuf_iterator<char>(in)),
                            std::istreambuf_iterator<char>());
  CHECK(has(printed, s.config + ": refused: " + std::to_string(text.size()) +
                         " bytes, over the limit of 100 (--config_max_bytes)"));
  CHECK(run_shell(scheduler_bin + " --config_file=" + s.config +
                  " --check_config > " + out + " 2>&1") == 0);
}

TEST_CASE("the jobs of a depends_on cycle show as blocked, with a warning") {
  edge_scheduler s;
  s.start(s.config_text(
      60000, R"(, "bistro_job->a": {"owner": "t", "depends_on": ["b"]},
                 "bistro_job->b": {"owner": "t", "depends_on": ["a"]},
                 "bistro_job->c": {"owner": "t"})"));
  REQUIRE(s.shows("/api/jobs", "\"c\""));
  const auto jobs = s.get("/api/jobs");
  CHECK(
      has(jobs, R"("blocked":"blocked by the depends_on cycle a -> b -> a")"));
  CHECK(has(s.get("/api/jobs/c"), "\"runnable\":true"));
  CHECK_FALSE(has(s.get("/api/jobs/c"), "blocked"));
  CHECK(has(s.get("/api/config"),
            "bistro_job->a.depends_on: depends_on cycle a -> b -> a; jobs a, "
            "b never run"));
  // The monitor's `jobs` handler (Bistro's protocol) says it too.
  auto answer = http_request(s.http_port, "POST", "/",
                             R"({"q": {"handler": "jobs", "jobs": ["b"]}})");
  CHECK(has(answer.body,
            R"("blocked":"blocked by the depends_on cycle a -> b -> a")"));
}
