// Bistro's command lines against the real binaries: gflags syntax, one-line
// mistakes, Bistro flags we do not implement, --worker_command as one path,
// worker_node in local mode, and CAUTION_exit_initial_wait_before_timestamp.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <ctime>
#include <filesystem>
#include <fstream>

#include "tests/support/e2e_support.hpp"
#include "tests/support/process_runner.hpp"

using namespace bistro::testing;

namespace {

const std::string scheduler_bin = BISTRO_SCHEDULER_BIN;
const std::string worker_bin = BISTRO_WORKER_BIN;

std::string config_with(const std::string& settings_extra,
                        const std::string& jobs) {
  return R"({"bistro_settings": {"enabled": true, "idle_wait": 0.2,
      "working_wait": 0.05,
      "nodes": {"levels": ["level1"], "node_source": "manual",
                "node_source_prefs": {"node1": []}})" +
         settings_extra + "}, " + jobs + "}";
}

const std::string one_job = R"("bistro_job->j": {"owner": "me"})";

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  return {std::istreambuf_iterator<char>(in), {}};
}

// Sends one HTTP/1.0 GET to `address`:`port`; the status line, or "".
std::string http_status_line(int family, const char* address,
                             std::uint16_t port) {
  int fd = ::socket(family, SOCK_STREAM, 0);
  if (fd < 0) return "";
  sockaddr_storage storage{};
  socklen_t len = 0;
  if (family == AF_INET) {
    auto* a = reinterpret_cast<sockaddr_in*>(&storage);
    a->sin_family = AF_INET;
    a->sin_port = htons(port);
    ::inet_pton(AF_INET, address, &a->sin_addr);
    len = sizeof(sockaddr_in);
  } else {
    auto* a = reinterpret_cast<sockaddr_in6*>(&storage);
    a->sin6_family = AF_INET6;
    a->sin6_port = htons(port);
    ::inet_pton(AF_INET6, address, &a->sin6_addr);
    len = sizeof(sockaddr_in6);
  }
  std::string reply;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&storage), len) == 0) {
    const std::string request = "GET /healthz HTTP/1.0\r\n\r\n";
    if (::write(fd, request.data(), request.size()) ==
        static_cast<ssize_t>(request.size())) {
      char buf[512];
      ssize_t n = 0;
      while ((n = ::read(fd, buf, sizeof(buf))) > 0) reply.append(buf, n);
    }
  }
  ::close(fd);
  return reply.substr(0, reply.find("\r\n"));
}

}  // namespace

TEST_CASE("version flag prints the program's version and exits 0") {
  for (const auto& bin : {scheduler_bin, worker_bin}) {
    auto r = run_command(bin + " --version");
    CHECK(r.exit_code == 0);
    CHECK_THAT(r.output, Catch::Contains("(bistro-caf) "));
  }
}

TEST_CASE("help lists Bistro's config_file and none of CAF's own flags") {
  auto r = run_command(scheduler_bin + " --help");
  CHECK(r.exit_code == 0);
  CHECK_THAT(r.output, Catch::Contains("--config_file=<text>"));
  CHECK_THAT(r.output, Catch::Contains("--clean_statuses "));
  CHECK_THAT(r.output, !Catch::Contains("config-file"));
  CHECK_THAT(r.output, !Catch::Contains("dump-config"));
  CHECK_THAT(r.output, Catch::Contains("--status_table: statuses are kept"));
}

TEST_CASE("an unknown flag or a bad value is one line naming the flag") {
  auto unknown = run_command(scheduler_bin + " --config_fil=x");
  CHECK(unknown.exit_code == 2);
  CHECK(unknown.output ==
        "bistro_scheduler: unknown flag --config_fil (see --help)\n");
  auto bad = run_command(worker_bin + " --scheduler_port=six");
  CHECK(bad.exit_code == 2);
  CHECK(bad.output ==
        "bistro_worker: --scheduler_port=six: --scheduler_port expects an "
        "integer, got \"six\"\n");
}

TEST_CASE(
    "gflags forms run the scheduler: a value after the flag and a flagfile") {
  temp_dir dir;
  auto config = dir.write("config", config_with("", one_job));
  auto spaced = run_command(scheduler_bin + " --config_file " + config +
                            " --check_config --instance_node_name i");
  CHECK(spaced.exit_code == 0);
  CHECK_THAT(spaced.output, Catch::EndsWith("OK\n"));
  auto flags = dir.write("flags",
                         "# as Bistro's deployments keep them\n"
                         "--config_file=" +
                             config + "\n--check_config=true\n");
  auto from_file = run_command(scheduler_bin + " --flagfile=" + flags);
  CHECK(from_file.exit_code == 0);
  CHECK_THAT(from_file.output, Catch::EndsWith("OK\n"));
  // --nocheck_config turns it off again: the scheduler then needs a mode.
  auto off =
      run_command(scheduler_bin + " --flagfile=" + flags + " --nocheck_config");
  CHECK(off.exit_code == 2);
  CHECK_THAT(off.output, Catch::Contains("give --server_port"));
}

TEST_CASE("Bistro flags we lack are noted or refused where it matters") {
  temp_dir dir;
  auto config = dir.write("config", config_with("", one_job));
  auto noted = run_command(scheduler_bin + " --config_file=" + config +
                           " --check_config --http_server_threads=4"
                           " --monitor_update_ms 1000");
  CHECK(noted.exit_code == 0);
  CHECK_THAT(noted.output,
             Catch::Contains("bistro_scheduler: --http_server_threads=4: not "
                             "supported, ignored: "));
  CHECK_THAT(noted.output,
             Catch::Contains("--monitor_update_ms=1000: not supported"));
  auto refused = run_command(scheduler_bin + " --config_file=" + config +
                             " --check_config --kill_job_if_disabled");
  CHECK(refused.exit_code == 2);
  CHECK(refused.output ==
        "bistro_scheduler: --kill_job_if_disabled=true: not supported: "
        "deprecated in Bistro; put \"kill_orphan_tasks_after_sec\": 0 in "
        "bistro_settings instead\n");
}

TEST_CASE("worker_command is one path and worker_node is the instance node") {
  temp_dir dir;
  std::filesystem::create_directories(dir.path / "my tasks");
  auto seen = dir.file("seen");
  auto task = dir.script("my tasks/task.sh", "printf '%s' \"$3\" > " + seen +
                                                 "\necho done > \"$2\"");
  auto config = dir.write("config", config_with(R"(, "resources": {
          "instance": {"slots": {"limit": 2, "default": 1}},
          "worker": {"wslots": {"limit": 3, "default": 2}}})",
                                                one_job));
  child_process sched(
      {scheduler_bin, "--config_file=" + config, "--worker_command=" + task,
       "--data_dir=" + dir.file("data"), "--instance_node_name=central",
       "--exit_when_done"},
      dir.file("scheduler.log"));
  REQUIRE(sched.wait(30000) == 0);
  auto arg = slurp(seen);
  INFO(sched.log_tail());
  CHECK_THAT(arg, Catch::Contains("\"worker_node\":\"central\""));
  // The instance node is also the worker: one entry holds both levels.
  CHECK_THAT(arg, Catch::Contains(R"("central":{"slots":1,"wslots":2})"));
  CHECK_THAT(sched.log(), Catch::Contains("j on node1 ended: done"));
}

TEST_CASE("an http_server_address of :: answers on IPv4 and IPv6 loopback") {
  temp_dir dir;
  auto config = dir.write("config", config_with("", one_job));
  auto port = free_port();
  child_process sched(
      {scheduler_bin, "--config_file=" + config, "--dry_run",
       "--data_dir=" + dir.file("data"), "--http_server_address=::",
       "--http_server_port=" + std::to_string(port)},
      dir.file("scheduler.log"));
  REQUIRE(eventually([&] { return sched.log_has("HTTP API and web page on"); },
                     20000));
  CHECK(http_status_line(AF_INET6, "::1", port) == "HTTP/1.0 200 OK");
  CHECK(http_status_line(AF_INET, "127.0.0.1", port) == "HTTP/1.0 200 OK");
}

TEST_CASE("CAUTION_exit_initial_wait_before_timestamp ends the worker wait") {
  temp_dir dir;
  auto port = free_port();
  auto ran = dir.file("ran");
  auto task = dir.script("task.sh", "touch " + ran + "\necho done > \"$2\"");
  const auto later = std::to_string(std::time(nullptr) + 3600);
  auto config = dir.write(
      "config",
      config_with(R"(, "CAUTION_exit_initial_wait_before_timestamp": )" + later,
                  one_job));
  // Without the key, no task would start for 600 s.
  child_process sched(
      {scheduler_bin, "--config_file=" + config,
       "--server_port=" + std::to_string(port),
       "--CAUTION_startup_wait_for_workers=600", "--clean_statuses",
       "--instance_node_name=scheduler", "--data_dir=" + dir.file("sched")},
      dir.file("scheduler.log"));
  child_process worker(
      {worker_bin, "--scheduler_host=::1",
       "--scheduler_port=" + std::to_string(port), "--worker_command=" + task,
       "--shard_id=w1", "--data_dir=" + dir.file("w1")},
      dir.file("worker.log"));
  INFO(sched.log_tail());
  CHECK(eventually([&] { return std::filesystem::exists(ran); }, 30000));
  CHECK(sched.log_has("ending the wait for workers early"));
}
