// Who may change a scheduler over its CAF port (--server_port), against the
// real bistro_scheduler, bistro_worker and bistro_shell: with
// --http_auth_token_file, mutating monitor requests over CAF need the token
// too (bistro_shell --auth_token_file); read-only ones do not; without a
// token file mutations pass as before. By default the port listens on
// loopback only (127.0.0.1 and ::1), and another address without TLS needs
// --allow_insecure_network.
#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <caf/all.hpp>
#include <caf/io/all.hpp>
#include <catch2/catch.hpp>
#include <filesystem>

#include "apps/shell/scheduler_connection.hpp"
#include "tests/apps/shell/shell_test_support.hpp"

using namespace bistro;
using namespace bistro::testing;

namespace {

/// A config with no jobs.
const std::string idle_config = R"({"bistro_settings": {
    "nodes": {"levels": ["level1"], "node_sources": [
      {"source": "range_label", "prefs": {"parent_level": "instance",
       "start": 1, "end": 1, "format": "node{i}"}}]},
    "enabled": true}})";

/// A scheduler (--server_port) and one remote worker w1. Job `alpha` on
/// node11 runs until it is killed (recording "start" and "killed").
struct auth_cluster {
  temp_dir dir;
  int port = free_port();
  std::string records = dir.file("records");
  std::string config = dir.write("config", R"({"bistro_settings": {
      "nodes": {"levels": ["level1", "level2"], "node_sources": [
        {"source": "range_label", "prefs": {"parent_level": "instance",
         "start": 1, "end": 1, "format": "node1"}},
        {"source": "range_label", "prefs": {"parent_level": "level1",
         "start": 1, "end": 1, "format": "{parent}{i}"}}]},
      "enabled": true, "idle_wait": 0.2, "working_wait": 0.05},
    "bistro_job->alpha": {"owner": "test"}})");
  std::string task = dir.script(
      "task.sh", record_prelude(records) +
                     "trap 'record killed; exit 1' TERM\nrecord start\n"
                     "while :; do sleep 0.1; done\n");
  std::string token_file = dir.write("token", "s3cret-token\n");
  std::string wrong_token_file = dir.write("wrong_token", "s3cret-tokem\n");
  std::unique_ptr<child_process> scheduler, worker;

  explicit auth_cluster(bool with_token) {
    std::vector<std::string> argv{scheduler_bin,
                                  "--server_port=" + std::to_string(port),
                                  "--config_file=" + config,
                                  "--config_update_ms=100",
                                  "--clean_statuses",
                                  "--CAUTION_startup_wait_for_workers=1",
                                  "--instance_node_name=scheduler",
                                  "--data_dir=" + dir.file("sched_data")};
    if (with_token) argv.push_back("--http_auth_token_file=" + token_file);
    scheduler = std::make_unique<child_process>(argv, dir.file("sched.log"));
    worker = std::make_unique<child_process>(
        std::vector<std::string>{
            worker_bin,
            "--scheduler_host=::", "--scheduler_port=" + std::to_string(port),
            "--worker_command=" + task, "--data_dir=" + dir.file("w1"),
            "--shard_id=w1", "--heartbeat_period_sec=1"},
        dir.file("worker.log"));
    INFO(scheduler->log_tail() << worker->log_tail());
    REQUIRE(eventually([&] { return has_record("start", "alpha"); }, 30000));
  }

  bool has_record(const std::string& event, const std::string& job) const {
    for (const auto& r : read_records(records))
      if (r.event == event && r.job == job) return true;
    return false;
  }

  std::vector<std::string> shell(std::vector<std::string> extra) const {
    std::vector<std::string> argv{shell_bin, "--scheduler_host=::",
                                  "--scheduler_port=" + std::to_string(port)};
    argv.insert(argv.end(), extra.begin(), extra.end());
    return argv;
  }

  /// A job whose command touches `marker` and is done.
  std::string job_writing(const std::string& marker) const {
    auto script = dir.script(
        marker + ".sh", "touch " + dir.file(marker) + "\necho done > \"$2\"\n");
    return R"({"owner": "test", "command": [")" + script + R"("]})";
  }

  bool exists(const std::string& marker) const {
    return std::filesystem::exists(dir.file(marker));
  }
};

/// Sends one raw monitor request over CAF, as bistro_shell does, with
/// `token`; the reply JSON (or the connection's error).
std::string ask_over_caf(int port, const std::string& request,
                         const std::string& token) {
  caf::actor_system_config cfg;
  cfg.load<caf::io::middleman>();
  cfg.add_message_types<caf::id_block::bistro>();
  cfg.set("logger.file-verbosity", caf::atom("quiet"));
  caf::actor_system sys{cfg};
  shell::connection_options o;
  o.host = "::1";
  o.port = static_cast<std::uint16_t>(port);
  o.token = token;
  shell::scheduler_connection connection(sys, o);
  auto out = connection.ask(request);
  sys.await_actors_before_shutdown(false);
  return out.ok() ? out.reply : "connection: " + out.error;
}

std::string save_request(const std::string& job, const std::string& body) {
  return R"({"q": {"handler": "save_job", "job_id": ")" + job +
         R"(", "job": )" + body + "}}";
}

/// Whether a TCP connection to `address`:`port` is accepted.
bool accepts(const std::string& address, int port) {
  sockaddr_storage ss{};
  socklen_t len = 0;
  auto* v4 = reinterpret_cast<sockaddr_in*>(&ss);
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&ss);
  if (::inet_pton(AF_INET, address.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(static_cast<std::uint16_t>(port));
    len = sizeof(sockaddr_in);
  } else {
    REQUIRE(::inet_pton(AF_INET6, address.c_str(), &v6->sin6_addr) == 1);
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(static_cast<std::uint16_t>(port));
    len = sizeof(sockaddr_in6);
  }
  int fd = ::socket(ss.ss_family, SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&ss), len) == 0;
  ::close(fd);
  return ok;
}

/// An IPv4 address of this machine that is not loopback (the first of an
/// interface that is up), or "".
std::string non_loopback_address() {
  ifaddrs* list = nullptr;
  if (::getifaddrs(&list) != 0) return {};
  std::string out;
  for (auto* i = list; i && out.empty(); i = i->ifa_next) {
    if (!i->ifa_addr || i->ifa_addr->sa_family != AF_INET) continue;
    if (!(i->ifa_flags & IFF_UP) || (i->ifa_flags & IFF_LOOPBACK)) continue;
    char text[INET_ADDRSTRLEN] = {};
    auto* a = reinterpret_cast<sockaddr_in*>(i->ifa_addr);
    if (::inet_ntop(AF_INET, &a->sin_addr, text, sizeof(text))) out = text;
  }
  ::freeifaddrs(list);
  return out;
}

}  // namespace

TEST_CASE("monitor auth: over CAF a mutation without the token is refused") {
  auth_cluster c(true);
  auto config_before = read_file(c.config);

  auto kill = run_shell(c.shell({"-c", "kill alpha node11"}), c.dir);
  INFO("shell: " << kill.out << kill.err);
  CHECK(kill.exit_code == 1);
  CHECK_THAT(kill.err, Catch::Contains("refused: kill_task") &&
                           Catch::Contains("needs its token") &&
                           Catch::Contains("--auth_token_file"));
  auto wrong = run_shell(c.shell({"--auth_token_file=" + c.wrong_token_file,
                                  "-c", "kill alpha node11"}),
                         c.dir);
  CHECK(wrong.exit_code == 1);
  CHECK_THAT(wrong.err, Catch::Contains("the token sent is wrong"));

  auto saved = ask_over_caf(
      c.port, save_request("refused", c.job_writing("ran_refused")), "");
  CHECK_THAT(saved, Catch::Contains("refused: save_job") &&
                        Catch::Contains("needs its token"));
  CHECK(read_file(c.config) == config_before);

  // Read-only commands need no token.
  auto status = run_shell(c.shell({"-c", "status"}), c.dir);
  CHECK(status.exit_code == 0);
  auto running = run_shell(c.shell({"--json", "-c", "running"}), c.dir);
  CHECK(running.exit_code == 0);
  CHECK_THAT(running.out, Catch::Contains("node11"));

  // With the token a job is saved and runs; by the time it has, the
  // refused one would have run too, had it been saved.
  auto allowed = ask_over_caf(
      c.port, save_request("allowed", c.job_writing("ran_allowed")),
      "s3cret-token");
  CHECK_THAT(allowed, Catch::Contains("saved"));
  INFO(c.scheduler->log_tail() << c.worker->log_tail());
  CHECK(eventually([&] { return c.exists("ran_allowed"); }, 30000));
  CHECK_FALSE(c.exists("ran_refused"));
  CHECK(read_file(c.config).find("refused") == std::string::npos);

  CHECK_FALSE(c.has_record("killed", "alpha"));
  auto kill_ok = run_shell(
      c.shell({"--auth_token_file=" + c.token_file, "-c", "kill alpha node11"}),
      c.dir);
  INFO("shell: " << kill_ok.out << kill_ok.err);
  CHECK(kill_ok.exit_code == 0);
  CHECK(eventually([&] { return c.has_record("killed", "alpha"); }, 15000));
}

TEST_CASE("monitor auth: without a token file mutations over CAF pass") {
  auth_cluster c(false);
  auto saved =
      ask_over_caf(c.port, save_request("open", c.job_writing("ran_open")), "");
  CHECK_THAT(saved, Catch::Contains("saved"));
  INFO(c.scheduler->log_tail() << c.worker->log_tail());
  CHECK(eventually([&] { return c.exists("ran_open"); }, 30000));
  auto kill = run_shell(c.shell({"-c", "kill alpha node11"}), c.dir);
  INFO("shell: " << kill.out << kill.err);
  CHECK(kill.exit_code == 0);
  CHECK(eventually([&] { return c.has_record("killed", "alpha"); }, 15000));
}

TEST_CASE("monitor auth: by default the CAF port listens on loopback only") {
  temp_dir dir;
  int port = free_port();
  auto config = dir.write("config", idle_config);
  child_process scheduler(
      {scheduler_bin, "--server_port=" + std::to_string(port),
       "--config_file=" + config, "--clean_statuses",
       "--data_dir=" + dir.file("sched_data")},
      dir.file("sched.log"));
  INFO(scheduler.log_tail());
  REQUIRE(eventually(
      [&] { return scheduler.log_has("workers connect on port"); }, 15000));
  CHECK(accepts("127.0.0.1", port));
  CHECK(accepts("::1", port));
  auto other = non_loopback_address();
  if (other.empty()) {
    WARN("this machine has no non-loopback IPv4 address: not checked");
    return;
  }
  INFO("non-loopback address " << other);
  CHECK_FALSE(accepts(other, port));
}

TEST_CASE(
    "monitor auth: another address without TLS needs "
    "--allow_insecure_network") {
  temp_dir dir;
  int port = free_port();
  auto config = dir.write("config", idle_config);
  for (std::string address : {"0.0.0.0", "::", "127.0.0.1,10.1.2.3"}) {
    child_process refused(
        {scheduler_bin, "--server_port=" + std::to_string(port),
         "--server_address=" + address, "--config_file=" + config,
         "--clean_statuses", "--data_dir=" + dir.file("sched_data")},
        dir.file("refused.log"));
    INFO("--server_address=" << address << ": " << refused.log_tail());
    CHECK(refused.wait(15000) == 2);
    CHECK(refused.log_has("is not loopback only"));
    CHECK(refused.log_has("--allow_insecure_network"));
  }
  auto other = non_loopback_address();
  child_process allowed({scheduler_bin, "--server_port=" + std::to_string(port),
                         "--server_address=0.0.0.0", "--allow_insecure_network",
                         "--config_file=" + config, "--clean_statuses",
                         "--data_dir=" + dir.file("sched_data")},
                        dir.file("allowed.log"));
  INFO(allowed.log_tail());
  REQUIRE(eventually([&] { return allowed.log_has("workers connect on port"); },
                     15000));
  CHECK(allowed.log_has("in plain text, without TLS"));
  CHECK(accepts("127.0.0.1", port));
  if (!other.empty()) CHECK(accepts(other, port));
}
