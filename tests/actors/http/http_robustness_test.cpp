// Bad clients against the real bistro_scheduler: malformed requests, a
// 100 MB body, a slow client, 200 connections at once, kill -9 during
// saves. Each gets a clear answer and the scheduler keeps scheduling.
// Also /metrics in Prometheus' text format.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>

#include <atomic>
#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <regex>
#include <thread>

#include "tests/actors/http/scheduler_under_test.hpp"

using namespace bistro::testing;
namespace json = boost::json;

namespace {

/// A plain socket, for clients that misbehave on purpose.
class raw_client {
 public:
  explicit raw_client(std::uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ =
        ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  }
  ~raw_client() {
    if (fd_ >= 0) ::close(fd_);
  }
  raw_client(const raw_client&) = delete;
  raw_client& operator=(const raw_client&) = delete;
  raw_client(raw_client&& o) noexcept
      : fd_(std::exchange(o.fd_, -1)), connected_(o.connected_) {}

  bool connected() const { return connected_; }
  bool send(std::string_view data) {
    while (!data.empty()) {
      auto n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
      if (n <= 0) return false;
      data.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
  }
  /// Reads until the peer closes, or `timeout_ms` passes; `closed` says
  /// which.
  std::string read_all(std::int64_t timeout_ms, bool* closed = nullptr) {
    std::string out;
    auto deadline = steady_ms() + timeout_ms;
    if (closed) *closed = false;
    for (;;) {
      auto left = deadline - steady_ms();
      if (left <= 0) return out;
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left)) <= 0) continue;
      char buf[65536];
      auto n = ::recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) {
        if (closed) *closed = true;
        return out;
      }
      out.append(buf, static_cast<std::size_t>(n));
    }
  }

 private:
  int fd_ = -1;
  bool connected_ = false;
};

std::int64_t tick_starts(const scheduler_under_test& s) {
  return s.starts("tick_job");
}

const std::string tick_jobs = R"("bistro_job->simple_job": {"owner": "test"},
    "bistro_job->tick_job": {"owner": "t",
       "filters": {"level2": {"whitelist": ["node22"]}}})";

}  // namespace

TEST_CASE("http: bad requests get clear errors and scheduling goes on") {
  scheduler_under_test s{tick_jobs};
  REQUIRE(eventually([&] { return tick_starts(s) >= 2; }, 20000));

  SECTION("malformed HTTP is a 400 and the connection closes") {
    raw_client c{s.port};
    REQUIRE(c.send("THIS IS NOT HTTP\r\n\r\n"));
    bool closed = false;
    auto reply = c.read_all(10000, &closed);
    CHECK(reply.starts_with("HTTP/1.1 400"));
    CHECK_THAT(reply, Catch::Contains("{\"error\":\"bad request"));
    CHECK(closed);
  }
  SECTION("a 100 MB Content-Length is refused before any body is read") {
    raw_client c{s.port};
    REQUIRE(
        c.send("PUT /api/jobs/big HTTP/1.1\r\nHost: x\r\n"
               "Content-Length: 104857600\r\n\r\n"));
    auto began = steady_ms();
    auto reply = c.read_all(10000);
    CHECK(reply.starts_with("HTTP/1.1 413"));
    CHECK_THAT(reply, Catch::Contains("request body larger than 1048576"));
    CHECK(steady_ms() - began < 5000);
  }
  SECTION("a 100 MB body sent in full gets a 413 while it is being sent") {
    raw_client c{s.port};
    std::atomic<std::int64_t> sent{0};
    std::thread writer([&] {
      if (!c.send("POST / HTTP/1.1\r\nHost: x\r\n"
                  "Content-Length: 104857600\r\n\r\n"))
        return;
      std::string chunk(1 << 20, 'x');
      for (int i = 0; i < 100 && c.send(chunk); ++i) sent += chunk.size();
    });
    auto reply = c.read_all(30000);
    writer.join();
    CHECK(reply.starts_with("HTTP/1.1 413"));
  }
  SECTION("a chunked body over the limit is a 413") {
    raw_client c{s.port};
    std::string body;
    for (int i = 0; i < 40; ++i)
      body += "10000\r\n" + std::string(0x10000, 'y') + "\r\n";
    std::thread writer([&] {
      c.send(
          "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" +
          body + "0\r\n\r\n");
    });
    auto reply = c.read_all(30000);
    writer.join();
    CHECK(reply.starts_with("HTTP/1.1 413"));
  }
  SECTION("invalid JSON, wrong types and unknown handlers are 400s") {
    auto r = s.call("POST", "/", "{\"a\": ");
    CHECK(r.status == 400);
    CHECK_THAT(r.body, Catch::Contains("not JSON"));
    r = s.call("POST", "/", R"({"a": {"handler": "tasks", "limit": "many"}})");
    CHECK(json::parse(r.body).at("a").at("error") ==
          "limit: expected an integer");
    r = s.call("POST", "/", R"({"a": {"handler": 42}})");
    CHECK(json::parse(r.body).at("a").at("error") ==
          "handler: expected a string");
    CHECK(s.get("/api/nodes?limit=0").status == 400);
    CHECK(s.get("/api/nodes?level=nope").status == 400);
    CHECK(s.get("/api/jobs/%zz").status == 400);
    CHECK(s.call("PUT", "/api/jobs/j", "\"a string\"").status == 400);
  }
  // Whatever came before, the scheduler still answers and still runs tasks.
  auto before = tick_starts(s);
  CHECK(s.get("/healthz").status == 200);
  CHECK(eventually([&] { return tick_starts(s) >= before + 2; }, 20000));
  CHECK_FALSE(s.proc->wait(0));
}

TEST_CASE("http: a slow client holds only its own connection, then is cut") {
  scheduler_under_test s{tick_jobs};
  raw_client slow{s.port};
  REQUIRE(slow.send("GET /api/jobs HTTP/1.1\r\nHost: x\r\nX-Half: "));
  auto began = steady_ms();
  for (int i = 0; i < 20; ++i) {
    auto t = steady_ms();
    CHECK(s.get("/api/status").status == 200);
    CHECK(steady_ms() - t < 5000);
  }
  auto before = tick_starts(s);
  CHECK(eventually([&] { return tick_starts(s) >= before + 2; }, 20000));
  bool closed = false;
  auto reply = slow.read_all(30000, &closed);
  CHECK(closed);
  CHECK(reply.empty());
  auto after = steady_ms() - began;
  CHECK(after >= 8000);
  CHECK(after < 30000);
}

TEST_CASE("http: 200 concurrent connections are all answered") {
  scheduler_under_test s{tick_jobs};
  std::vector<raw_client> clients;
  for (int i = 0; i < 200; ++i) {
    clients.emplace_back(s.port);
    REQUIRE(clients.back().connected());
  }
  // Every connection is open before any request is sent.
  const char* targets[] = {"/api/status", "/api/jobs", "/metrics",
                           "/api/tasks?limit=2", "/"};
  for (std::size_t i = 0; i < clients.size(); ++i)
    REQUIRE(
        clients[i].send(std::string{"GET "} + targets[i % 5] +
                        " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
  int ok = 0;
  for (auto& c : clients)
    if (c.read_all(30000).starts_with("HTTP/1.1 200")) ++ok;
  CHECK(ok == 200);
  auto before = tick_starts(s);
  CHECK(eventually([&] { return tick_starts(s) >= before + 2; }, 20000));
}

TEST_CASE("http: /metrics is Prometheus text with the scheduler's numbers") {
  scheduler_under_test s;
  REQUIRE(eventually(
      [&] {
        return s.get_json("/api/jobs/simple_job").at("counts") ==
               json::parse(R"({"done": 4})");
      },
      30000));
  CHECK(s.get("/api/workers").status == 200);  // the fixture never asks it
  CHECK(s.get("/api/nope").status == 404);
  auto r = s.get("/metrics");
  REQUIRE(r.status == 200);
  CHECK(r.content_type == "text/plain; version=0.0.4; charset=utf-8");
  const std::regex sample{
      R"(^[a-zA-Z_:][a-zA-Z0-9_:]*(\{[a-zA-Z_][a-zA-Z0-9_]*="([^"\\]|\\.)*")"
      R"((,[a-zA-Z_][a-zA-Z0-9_]*="([^"\\]|\\.)*")*\})? )"
      R"((-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?|\+Inf|NaN)$)"};
  const std::regex comment{R"(^# (HELP|TYPE) [a-zA-Z_:][a-zA-Z0-9_:]* .+$)"};
  std::istringstream lines(r.body);
  std::map<std::string, std::string> values;
  for (std::string line; std::getline(lines, line);) {
    INFO(line);
    CHECK((std::regex_match(line, sample) || std::regex_match(line, comment)));
    if (line[0] != '#') {
      auto space = line.rfind(' ');
      values[line.substr(0, space)] = line.substr(space + 1);
    }
  }
  CHECK(values["bistro_tasks{job=\"simple_job\",status=\"done\"}"] == "4");
  CHECK(values["bistro_running_tasks"] == "0");
  CHECK(values["bistro_workers{health=\"HEALTHY\"}"] == "1");
  CHECK(values["bistro_config_errors"] == "0");
  CHECK(
      values
          ["bistro_http_requests_total{route=\"/api/workers\",code=\"200\"}"] ==
      "1");
  CHECK(values["bistro_http_requests_total{route=\"other\",code=\"404\"}"] ==
        "1");
  CHECK(std::stoi(values["bistro_tasks_started_total"]) >= 4);
  CHECK(std::stoi(values["bistro_tasks_finished_total"]) >= 4);
  CHECK(std::stoi(values["bistro_statuses_persisted_total"]) >= 4);
  CHECK(values["bistro_round_duration_seconds_bucket{le=\"+Inf\"}"] ==
        values["bistro_round_duration_seconds_count"]);
  CHECK(std::stoi(values["bistro_round_duration_seconds_count"]) >= 1);
  CHECK(values.contains("bistro_status_commit_seconds_sum"));
  CHECK_THAT(r.body, Catch::Contains("# TYPE bistro_tasks_started_total "
                                     "counter\n") &&
                         Catch::Contains("# TYPE bistro_round_duration_seconds "
                                         "histogram\n"));
}

TEST_CASE("http: the config file is valid JSON after kill -9 during saves") {
  for (int round = 0; round < 3; ++round) {
    scheduler_under_test s;
    std::atomic<bool> stop{false};
    std::atomic<int> saved{0};
    std::vector<std::thread> savers;
    for (int t = 0; t < 2; ++t)
      savers.emplace_back([&, t] {
        for (int i = 0; !stop; ++i) {
          auto r =
              s.call("PUT",
                     "/api/jobs/saved_" + std::to_string(t) + "_" +
                         std::to_string(i % 20),
                     R"({"owner": "saver", "enabled": false, "priority": )" +
                         std::to_string(i) + "}");
          if (r.status == 200)
            ++saved;
          else if (r.status == 0)
            return;  // the scheduler is gone
        }
      });
    REQUIRE(eventually([&] { return saved >= 5 + 5 * round; }, 30000));
    s.proc->kill(SIGKILL);
    REQUIRE(s.proc->wait(10000));
    stop = true;
    for (auto& t : savers) t.join();
    std::ifstream in(s.config);
    std::stringstream text;
    text << in.rdbuf();
    boost::system::error_code ec;
    auto doc = json::parse(text.str(), ec);
    INFO(text.str());
    REQUIRE_FALSE(ec);
    REQUIRE(doc.is_object());
    CHECK(doc.as_object().contains("bistro_settings"));
    CHECK(doc.as_object().contains("bistro_job->simple_job"));
  }
}
