// What running tasks use and how a kill goes, as the monitor shows them,
// end to end: a real bistro_scheduler (HTTP API, /metrics), a real
// bistro_worker heartbeating every second over loopback, and bistro_shell.
// A task in cgroups (v1 here) shows the memory and CPU time its cgroups
// hold; a killed task whose setsid'd child holds its status pipe shows as
// "killing" until the child lets go.
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <optional>

#include "actors/tasks/task_cgroup.hpp"
#include "tests/apps/shell/shell_test_support.hpp"
#include "tests/faults/faults_support.hpp"

using namespace bistro::testing;
namespace json = boost::json;

namespace {

/// A scheduler with an HTTP port and one remote worker "w1".
struct usage_cluster {
  temp_dir dir;
  int port = free_port();
  int http_port = free_port();
  std::unique_ptr<child_process> scheduler, worker;

  /// `jobs`: `"bistro_job->NAME": {...}` entries; one node, "a1".
  void start(const std::string& jobs) {
    auto config = dir.write("config", R"({"bistro_settings": {
        "nodes": {"levels": ["level1", "level2"], "node_source": "manual",
                  "node_source_prefs": {"a": ["a1"]}},
        "enabled": true, "idle_wait": 0.2, "working_wait": 0.05,
        "backoff": ["fail"]}, )" + jobs + "}");
    scheduler = std::make_unique<child_process>(
        std::vector<std::string>{
            scheduler_bin, "--server_port=" + std::to_string(port),
            "--http_server_port=" + std::to_string(http_port),
            "--http_cache_ms=0", "--config_file=" + config, "--clean_statuses",
            "--CAUTION_startup_wait_for_workers=1",
            "--instance_node_name=scheduler",
            "--data_dir=" + dir.file("sched_data")},
        dir.file("sched.log"));
    REQUIRE(eventually([&] { return scheduler->log_has("HTTP API"); }, 15000));
    auto unused = dir.script("unused.sh", "echo done > \"$2\"");
    worker = std::make_unique<child_process>(
        std::vector<std::string>{
            worker_bin,
            "--scheduler_host=::", "--scheduler_port=" + std::to_string(port),
            "--worker_command=" + unused, "--data_dir=" + dir.file("w1"),
            "--shard_id=w1", "--heartbeat_period_sec=1"},
        dir.file("worker.log"));
  }

  std::string job(const std::string& name, const std::string& body,
                  const std::string& extra = "") const {
    auto script = dir.script(name + ".sh", body);
    return "\"bistro_job->" + name + "\": {\"owner\": \"t\", \"command\": [\"" +
           script + "\"]" + extra + "}";
  }

  /// /api/running's entry for `job` on a1, or null.
  json::value running(const std::string& job) const {
    auto answer = http_request(http_port, "GET", "/api/running");
    if (answer.code != 200) return nullptr;
    auto all = json::parse(answer.body);
    const auto* j = all.as_object().if_contains(job);
    if (!j) return nullptr;
    const auto* r = j->as_object().if_contains("a1");
    return r ? *r : json::value(nullptr);
  }

  std::string shell(const std::string& command) const {
    auto r =
        run_shell({shell_bin, "--scheduler_host=::",
                   "--scheduler_port=" + std::to_string(port), "-c", command},
                  dir);
    INFO(command << ": " << r.out << r.err);
    REQUIRE(r.exit_code == 0);
    return r.out;
  }

  pid_t pid_in(const std::string& file) const {
    std::ifstream in(dir.file(file));
    pid_t pid = 0;
    in >> pid;
    return pid;
  }
};

/// A v1 slice of its own, removed at the end (after what the worker left
/// in it: the idle cgroups of its pool, which a killed worker keeps);
/// `error` says why cgroups cannot be used here.
struct v1_slice {
  std::string name;
  std::vector<std::string> subsystems;
  std::optional<bistro::cgroup_layout> layout;
  std::string error;
  explicit v1_slice(std::vector<std::string> subs = {"memory", "cpuacct",
                                                     "freezer"})
      : subsystems(std::move(subs)) {
    static int counter = 0;
    name = "bistro-usage-" + std::to_string(::getpid()) + "-" +
           std::to_string(++counter);
    bistro::cgroup_options o;
    o.root = "/sys/fs/cgroup";
    o.slice = name;
    o.subsystems = subsystems;
    auto opened = bistro::open_cgroup_layout(o);
    if (auto* e = std::get_if<std::string>(&opened))
      error = *e;
    else
      layout = std::get<bistro::cgroup_layout>(opened);
  }
  ~v1_slice() {
    if (!layout) return;
    bistro::clean_leftover_cgroups(*layout, "bistro-", 5000);
    for (const auto& d : layout->slice_dirs) ::rmdir(d.c_str());
  }
  std::string json() const {
    std::string subs;
    for (const auto& s : subsystems)
      subs += (subs.empty() ? "\"" : ", \"") + s + "\"";
    return R"("cgroups": {"root": "/sys/fs/cgroup", "slice": ")" + name +
           R"(", "subsystems": [)" + subs + "]}";
  }
  /// The inode of the one task cgroup (not an idle one of the pool) in
  /// hierarchy `index`; 0 while there is none or more than one.
  ino_t task_cgroup_inode(std::size_t index) const {
    ino_t found = 0;
    int count = 0;
    std::error_code ec;
    for (const auto& e :
         std::filesystem::directory_iterator(layout->slice_dirs[index], ec)) {
      if (!e.is_directory() ||
          e.path().filename().string().find("-idle") != std::string::npos)
        continue;
      struct stat st;
      if (::stat(e.path().c_str(), &st) == 0) found = st.st_ino;
      ++count;
    }
    return count == 1 ? found : 0;
  }
};

/// The value of the sample `name{worker="w1"}` in /metrics text; -1 when
/// absent.
double metric_of(const std::string& text, const std::string& name) {
  auto key = name + "{worker=\"w1\"} ";
  auto at = text.find(key);
  if (at == std::string::npos) return -1;
  return std::atof(text.c_str() + at + key.size());
}

}  // namespace

TEST_CASE(
    "cgroup v1: a running task's memory and CPU time reach the monitor with "
    "its worker's heartbeats: HTTP API, /metrics and the shell") {
  v1_slice slice;
  if (!slice.error.empty()) {
    WARN("skipped: cgroups unusable here: " << slice.error);
    return;
  }
  usage_cluster c;
  // A few MB held in a shell variable, some CPU, then a long sleep.
  c.start(c.job("busy",
                "x=$(head -c 8000000 /dev/zero | tr '\\0' a)\n"
                "i=0; while [ $i -lt 100000 ]; do i=$((i+1)); done\n"
                "touch " +
                    c.dir.file("busy.ready") +
                    "\nsleep 60\necho done > \"$2\"\n",
                R"(, "task_subprocess": {)" + slice.json() + "}"));
  REQUIRE(eventually(
      [&] { return std::filesystem::exists(c.dir.file("busy.ready")); },
      20000));
  json::value run;
  // The next heartbeat after the busy part carries what it used.
  REQUIRE(eventually(
      [&] {
        run = c.running("busy");
        return run.is_object() && run.as_object().contains("cpu_seconds") &&
               run.at("cpu_seconds").to_number<double>() > 0.01;
      },
      10000));
  INFO(json::serialize(run));
  CHECK(run.at("memory_bytes").to_number<double>() > 1e6);
  CHECK(run.at("usage_ms").to_number<double>() > 0);

  auto metrics = http_request(c.http_port, "GET", "/metrics");
  REQUIRE(metrics.code == 200);
  INFO(metrics.body);
  CHECK(metric_of(metrics.body, "bistro_worker_task_memory_bytes") > 1e6);
  CHECK(metric_of(metrics.body, "bistro_worker_task_cpu_seconds") > 0.01);

  auto shell = c.shell("running");
  CHECK(shell.find("MEMORY") != std::string::npos);
  CHECK(shell.find(" MiB") != std::string::npos);
}

TEST_CASE(
    "cgroup v1: a task that takes a finished task's cpu and cpuacct cgroups "
    "from the worker's pool reports its own CPU time and memory in "
    "heartbeats, not theirs") {
  v1_slice slice({"cpu", "cpuacct", "memory", "freezer"});
  if (!slice.error.empty()) {
    WARN("skipped: cgroups unusable here: " << slice.error);
    return;
  }
  usage_cluster c;
  const auto contained = R"(, "task_subprocess": {)" + slice.json() + "}";
  // burn holds 8 MB and spins, then waits for a heartbeat to report it;
  // after runs on the same node once burn is done, in burn's cpu cgroups.
  c.start(c.job("burn",
                "x=$(head -c 8000000 /dev/zero | tr '\\0' a)\n"
                "i=0; while [ $i -lt 300000 ]; do i=$((i+1)); done\n"
                "touch " +
                    c.dir.file("burn.ready") +
                    "\nsleep 2.5\necho done > \"$2\"\n",
                contained) +
          ", " +
          c.job("after",
                "touch " + c.dir.file("after.ready") +
                    "\nsleep 60\necho done > \"$2\"\n",
                contained + R"(, "depends_on": ["burn"])"));
  REQUIRE(eventually(
      [&] { return std::filesystem::exists(c.dir.file("burn.ready")); },
      20000));
  const auto burn_cpu_inode = slice.task_cgroup_inode(0);
  CHECK(burn_cpu_inode != 0);
  json::value burn;
  REQUIRE(eventually(
      [&] {
        burn = c.running("burn");
        return burn.is_object() && burn.as_object().contains("cpu_seconds") &&
               burn.at("cpu_seconds").to_number<double>() > 0.1;
      },
      10000));
  INFO("burn: " << json::serialize(burn));
  CHECK(burn.at("memory_bytes").to_number<double>() > 6e6);

  REQUIRE(eventually(
      [&] { return std::filesystem::exists(c.dir.file("after.ready")); },
      20000));
  // The same cpu cgroup, renamed from idle to after's name.
  CHECK(slice.task_cgroup_inode(0) == burn_cpu_inode);
  json::value after;
  REQUIRE(eventually(
      [&] {
        after = c.running("after");
        return after.is_object() && after.as_object().contains("cpu_seconds");
      },
      10000));
  INFO("after: " << json::serialize(after));
  CHECK(after.at("cpu_seconds").to_number<double>() < 0.05);
  CHECK(after.at("memory_bytes").to_number<double>() < 4e6);
  auto metrics = http_request(c.http_port, "GET", "/metrics");
  REQUIRE(metrics.code == 200);
  INFO(metrics.body);
  const auto cpu = metric_of(metrics.body, "bistro_worker_task_cpu_seconds");
  CHECK(cpu >= 0);
  CHECK(cpu < 0.05);
  CHECK(metric_of(metrics.body, "bistro_worker_task_memory_bytes") < 4e6);
}

TEST_CASE(
    "without cgroups a killed task whose setsid'd child holds its status pipe "
    "shows as killing (API, shell) from the kill until the child lets go") {
  usage_cluster c;
  auto release = c.dir.file("release");
  c.start(c.job("held",
                "setsid sh -c 'trap \"\" TERM; echo $$ > " +
                    c.dir.file("child.pid") + "; while [ ! -e " + release +
                    " ]; do sleep 0.05; done' &\nexec sleep 60\n",
                R"(, "kill_subprocess": {"method": "kill"})"));
  REQUIRE(eventually([&] { return c.pid_in("child.pid") > 0; }, 20000));
  auto child = c.pid_in("child.pid");
  REQUIRE(eventually([&] { return c.running("held").is_object(); }, 10000));
  CHECK(c.running("held").at("state") == "running");
  REQUIRE(eventually(
      [&] {
        return http_request(c.http_port, "POST", "/api/tasks/held/a1/kill")
                   .code == 200;
      },
      10000));
  auto run = c.running("held");
  REQUIRE(run.is_object());
  CHECK(run.at("state") == "killing");
  CHECK(run.at("killing_since_ms").to_number<double>() > 0);
  CHECK(process_alive(child));
  auto shell = c.shell("running");
  INFO(shell);
  CHECK(shell.find("killing") != std::string::npos);
  // Still killing after the worker's next heartbeats: the child holds on.
  REQUIRE(eventually(
      [&] { return c.worker->log_has("still hold its status pipe"); }, 10000));
  CHECK(c.worker->log_has(std::to_string(child)));
  CHECK(c.running("held").at("state") == "killing");
  // Once it lets go, the run ends and leaves the running tasks.
  std::ofstream(release) << "go";
  CHECK(eventually([&] { return c.running("held").is_null(); }, 15000));
  CHECK(eventually([&] { return !process_alive(child); }, 5000));
}

TEST_CASE(
    "cgroup v1: the in-process worker's running tasks show their memory too, "
    "asked for on the worker-health timer") {
  v1_slice slice;
  if (!slice.error.empty()) {
    WARN("skipped: cgroups unusable here: " << slice.error);
    return;
  }
  temp_dir dir;
  int http_port = free_port();
  auto task = dir.script("held.sh", "sleep 60\necho done > \"$2\"\n");
  auto config =
      dir.write("config", R"({"bistro_settings": {
      "nodes": {"levels": ["level1", "level2"], "node_source": "manual",
                "node_source_prefs": {"a": ["a1"]}},
      "enabled": true, "idle_wait": 0.2, "working_wait": 0.05,
      "task_subprocess": {)" + slice.json() +
                              R"(}}, "bistro_job->held": {"owner": "t"}})");
  child_process scheduler(
      {scheduler_bin, "--config_file=" + config, "--worker_command=" + task,
       "--http_server_port=" + std::to_string(http_port), "--http_cache_ms=0",
       "--worker_check_interval=1", "--clean_statuses",
       "--instance_node_name=scheduler", "--data_dir=" + dir.file("data")},
      dir.file("sched.log"));
  json::value run;
  REQUIRE(eventually(
      [&] {
        auto answer = http_request(http_port, "GET", "/api/running");
        if (answer.code != 200) return false;
        auto all = json::parse(answer.body);
        const auto* j = all.as_object().if_contains("held");
        if (!j || !j->as_object().contains("a1")) return false;
        run = j->at("a1");
        return run.as_object().contains("memory_bytes");
      },
      20000));
  INFO(json::serialize(run));
  CHECK(run.at("memory_bytes").to_number<double>() > 0);
  CHECK(run.at("state") == "running");
}
