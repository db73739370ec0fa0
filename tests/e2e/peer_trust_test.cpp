// What a peer on the scheduler's CAF port may do: speak for itself only.
// A real bistro_scheduler and bistro_worker over loopback; the attacker is
// this test process, a CAF node of its own that reaches the front door as
// bistro_shell and bistro_worker do, and reads run ids, shards, pids and
// start times off the open HTTP API, as anyone could.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <boost/json.hpp>
#include <caf/all.hpp>
#include <caf/io/all.hpp>
#include <catch2/catch.hpp>
#include <map>
#include <mutex>
#include <set>

#include "actors/jobs/task_status.hpp"
#include "actors/protocol/protocol.hpp"
#include "tests/support/e2e_support.hpp"

using namespace bistro;
using namespace bistro::testing;
namespace json = boost::json;

namespace {

const std::string scheduler_bin = BISTRO_SCHEDULER_BIN;
const std::string worker_bin = BISTRO_WORKER_BIN;

/// GET `path` from the HTTP API on loopback; "" when it cannot be read.
std::string http_get(int port, const std::string& path) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return "";
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::string out;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0) {
    auto req = "GET " + path +
               " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";
    if (::write(fd, req.data(), req.size()) ==
        static_cast<ssize_t>(req.size())) {
      char buf[4096];
      for (ssize_t n; (n = ::read(fd, buf, sizeof buf)) > 0;)
        out.append(buf, static_cast<std::size_t>(n));
    }
  }
  ::close(fd);
  auto body = out.find("\r\n\r\n");
  return body == std::string::npos ? "" : out.substr(body + 4);
}

json::value http_json(int port, const std::string& path) {
  boost::system::error_code ec;
  auto v = json::parse(http_get(port, path), ec);
  return ec ? json::value{} : v;
}

/// What reached the attacker's fake worker, and from whom.
struct inbox {
  std::mutex mutex;
  std::vector<caf::strong_actor_ptr> senders;
  int runs = 0;

  void note(caf::strong_actor_ptr sender, bool run) {
    std::lock_guard<std::mutex> guard{mutex};
    senders.push_back(std::move(sender));
    runs += run ? 1 : 0;
  }
  std::size_t size() {
    std::lock_guard<std::mutex> guard{mutex};
    return senders.size();
  }
};

worker_actor::behavior_type fake_worker(worker_actor::pointer self,
                                        std::shared_ptr<inbox> box) {
  auto note = [=](bool run = false) { box->note(self->current_sender(), run); };
  return {
      [=](logs_atom, log_request&) {
        note();
        return log_reply{};
      },
      [=](run_atom, task_spec&) { note(true); },
      [=](kill_atom, kill_order&) { note(); },
      [=](kill_atom, std::int64_t) { note(); },
      [=](ping_atom) {
        note();
        return true;
      },
      [=](list_atom) {
        note();
        return std::vector<running_task_report>{};
      },
      [=](tick_atom) {},
      [=](tick_atom, std::uint64_t) {},
  };
}

/// A CAF node of the attacker's, connected to the scheduler's front door.
struct attacker {
  struct config : caf::actor_system_config {
    config() {
      load<caf::io::middleman>();
      add_message_types<caf::id_block::bistro>();
      set("scheduler.max-threads", 2);
    }
  };
  config cfg;
  caf::actor_system sys{cfg};
  caf::scoped_actor self{sys};
  front_door_actor front;
  std::shared_ptr<inbox> box = std::make_shared<inbox>();
  worker_actor worker = sys.spawn(fake_worker, box);

  explicit attacker(int port) {
    auto found =
        sys.middleman().remote_actor<front_door_actor>("127.0.0.1", port);
    REQUIRE(found);
    front = *found;
  }
  ~attacker() { self->send_exit(worker, caf::exit_reason::user_shutdown); }

  std::optional<worker_welcome> hello(worker_hello h) {
    h.protocol_version = protocol_version;
    h.handle = worker;
    std::optional<worker_welcome> out;
    self->request(front, std::chrono::seconds(10), hello_atom_v, std::move(h))
        .receive([&](const worker_welcome& w) { out = w; },
                 [&](const caf::error&) {});
    return out;
  }
};

struct cluster {
  temp_dir dir;
  int port = free_port();
  int http_port = free_port();
  std::string records = dir.file("records");

  std::string config(int nodes, int limit) const {
    return dir.write("config",
                     R"({"bistro_settings": {"nodes": {"levels": ["level1"],
          "node_sources": [{"source": "range_label", "prefs": {
            "parent_level": "instance", "start": 1, "end": )" +
                         std::to_string(nodes) + R"(, "format": "n{i}"}}]},
          "enabled": true, "idle_wait": 0.1, "working_wait": 0.05,
          "resources": {"instance": {"concurrency": {"limit": )" +
                         std::to_string(limit) + R"(, "default": 1}}},
          "backoff": [1]},
         "bistro_job->job": {"owner": "test"}})");
  }

  /// Records its start and end, sleeps `seconds`, reports done.
  std::string task(double seconds) const {
    return dir.script("task.sh", record_prelude(records) +
                                     "record start\nsleep " +
                                     std::to_string(seconds) +
                                     "\necho done > \"$2\"\nrecord end\n");
  }

  /// The scheduler, once it listens on its CAF port.
  child_process scheduler(const std::string& cfg) const {
    child_process p(
        {scheduler_bin, "--server_port=" + std::to_string(port),
         "--http_server_port=" + std::to_string(http_port),
         "--config_file=" + cfg, "--clean_statuses",
         "--CAUTION_startup_wait_for_workers=0",
         "--instance_node_name=scheduler", "--healthcheck_period=1",
         "--worker_check_interval=1", "--data_dir=" + dir.file("sched_data")},
        dir.file("sched.log"));
    REQUIRE(eventually([&] { return p.log_has("workers connect on port"); },
                       20000));
    return p;
  }

  child_process worker(const std::string& shard,
                       const std::string& task) const {
    return child_process(
        {worker_bin, "--scheduler_host=127.0.0.1",
         "--scheduler_port=" + std::to_string(port), "--worker_command=" + task,
         "--data_dir=" + dir.file("w_" + shard), "--shard_id=" + shard},
        dir.file("worker_" + shard + ".log"));
  }

  /// Running runs, from GET /api/running: node -> (run id, worker shard).
  std::map<std::string, std::pair<std::uint64_t, std::string>> running() const {
    std::map<std::string, std::pair<std::uint64_t, std::string>> out;
    auto v = http_json(http_port, "/api/running");
    if (!v.is_object()) return out;
    if (const auto* job = v.as_object().if_contains("job"))
      for (const auto& [node, run] : job->as_object())
        out[std::string{node}] = {
            std::stoull(std::string{run.at("run_id").as_string()}),
            std::string{run.at("worker_shard").as_string()}};
    return out;
  }

  /// The worker `shard` as GET /api/workers shows it.
  json::object worker_row(const std::string& shard) const {
    auto v = http_json(http_port, "/api/workers");
    if (v.is_array())
      for (const auto& w : v.as_array())
        if (w.as_object().at("shard").as_string() == shard)
          return w.as_object();
    return {};
  }
};

/// Waits until the tasks recorded `n` ends.
bool ends_reach(const cluster& c, long n) {
  return eventually(
      [&] {
        auto recs = read_records(c.records);
        return std::count_if(recs.begin(), recs.end(), [](const auto& r) {
                 return r.event == "end";
               }) == n;
      },
      30000);
}

/// The attacker says hello as a worker of its own, "rogue".
std::optional<worker_welcome> rogue_hello(attacker& evil) {
  worker_hello h;
  h.shard = "rogue";
  h.host = "elsewhere";
  h.pid = 1;
  h.start_ms = wall_ms_now();
  return evil.hello(h);
}

/// Reports every run in `runs` as ended "incomplete", which would free
/// its slot at once and let a third task (or the same one) start.
template <class Send>
void forge_results(
    const std::map<std::string, std::pair<std::uint64_t, std::string>>& runs,
    Send send) {
  for (const auto& [node, run] : runs) {
    task_result r;
    r.job = "job";
    r.node = node;
    r.run_id = run.first;
    r.worker = run.second;
    r.label = status_label::incomplete;
    send(r);
  }
}

/// At no time more than `limit` runs at once, and never two of one node.
void check_runs(const std::vector<task_record>& recs, int limit) {
  std::map<std::string, int> per_node;
  int running = 0;
  for (const auto& r : recs) {
    int step = r.event == "start" ? 1 : -1;
    running += step;
    per_node[r.node] += step;
    INFO(r.event << " " << r.node << " at " << r.ms);
    CHECK(running <= limit);
    CHECK(per_node[r.node] <= 1);
  }
}

}  // namespace

TEST_CASE("a result forged through the front door changes nothing") {
  cluster c;
  auto sched = c.scheduler(c.config(3, 2));
  auto w1 = c.worker("w1", c.task(3));
  std::map<std::string, std::pair<std::uint64_t, std::string>> runs;
  REQUIRE(eventually([&] { return (runs = c.running()).size() == 2; }, 20000));
  attacker evil(c.port);
  // Every run the API shows, reported through the front door as ended.
  forge_results(runs, [&](const task_result& r) {
    evil.self->send(caf::actor_cast<caf::actor>(evil.front), result_atom_v, r);
  });
  REQUIRE(ends_reach(c, 3));
  INFO(sched.log_tail());
  check_runs(read_records(c.records), 2);
  CHECK_FALSE(sched.log_has("ended: incomplete"));
}

TEST_CASE("a worker's session counts results only for runs sent to it") {
  cluster c;
  auto sched = c.scheduler(c.config(3, 2));
  auto w1 = c.worker("w1", c.task(3));
  std::map<std::string, std::pair<std::uint64_t, std::string>> runs;
  REQUIRE(eventually([&] { return (runs = c.running()).size() == 2; }, 20000));
  attacker evil(c.port);
  auto welcome = rogue_hello(evil);
  REQUIRE(welcome);
  REQUIRE(welcome->accepted);
  REQUIRE(welcome->session);
  REQUIRE(welcome->secret.size() == 64);
  // Each claims to come from w1: the session stamps its own shard.
  forge_results(runs, [&](const task_result& r) {
    evil.self->send(welcome->session, result_atom_v, welcome->secret, r);
  });
  REQUIRE(eventually(
      [&] { return sched.log_has("ignoring a status for unknown run"); },
      10000));
  REQUIRE(ends_reach(c, 3));
  INFO(sched.log_tail());
  check_runs(read_records(c.records), 2);
  CHECK_FALSE(sched.log_has("ended: incomplete"));
}

TEST_CASE("a hello that repeats a live worker's public identity is refused") {
  cluster c;
  auto sched = c.scheduler(c.config(4, 1));
  auto w1 = c.worker("w1", c.task(0.5));
  json::object row;
  REQUIRE(eventually(
      [&] {
        row = c.worker_row("w1");
        return !row.empty() && row.at("health").as_string() == "HEALTHY";
      },
      20000));
  attacker evil(c.port);
  worker_hello h;
  h.shard = "w1";
  h.host = std::string{row.at("host").as_string()};
  h.pid = static_cast<std::int32_t>(row.at("pid").to_number<std::int64_t>());
  h.start_ms = row.at("start_ms").to_number<std::int64_t>();
  auto welcome = evil.hello(h);
  REQUIRE(welcome);
  CHECK_FALSE(welcome->accepted);
  CHECK(welcome->message.find("already taken") != std::string::npos);
  // The real worker goes on: every task runs once on it, none goes to us.
  REQUIRE(ends_reach(c, 4));
  INFO(sched.log_tail());
  check_runs(read_records(c.records), 1);
  CHECK(evil.box->runs == 0);
}

TEST_CASE(
    "a worker never receives the scheduler's handle, only its session's") {
  cluster c;
  auto sched = c.scheduler(c.config(1, 1));
  attacker evil(c.port);
  auto welcome = rogue_hello(evil);
  REQUIRE(welcome);
  REQUIRE(welcome->accepted);
  // The healthcheck (a ping every second here) and the run order come in.
  REQUIRE(eventually([&] { return evil.box->size() >= 2; }, 20000));
  std::set<caf::actor_addr> senders;
  {
    std::lock_guard<std::mutex> guard{evil.box->mutex};
    for (const auto& s : evil.box->senders)
      if (s) senders.insert(caf::actor_cast<caf::actor_addr>(s));
  }
  REQUIRE(senders.size() == 1);
  CHECK(*senders.begin() == welcome->session.address());
  // Whoever sent them is told what only the scheduler's own actors may
  // say: an error, and a null config watcher (save_job would then answer
  // "saved" and change nothing).
  {
    std::lock_guard<std::mutex> guard{evil.box->mutex};
    for (const auto& s : evil.box->senders) {
      auto a = caf::actor_cast<caf::actor>(s);
      evil.self->send(a, error_atom_v, std::string{"config"},
                      std::string{"injected by a peer"}, std::int64_t{0});
      evil.self->send(a, join_atom_v, config_watcher_actor{});
    }
  }
  REQUIRE(eventually([&] { return sched.log_has("does not take"); }, 10000));
  INFO(sched.log_tail());
  CHECK(http_get(c.http_port, "/api/errors").find("injected") ==
        std::string::npos);
}
