// The scheduler's CAF port (--server_port) against a hostile client: a raw
// TCP client sends what no CAF node would (BASP headers without the
// payload they need, headers announcing gigabytes, connections that never
// say hello, too many connections) to a real bistro_scheduler, which must
// stay up, keep its memory, close those connections and keep serving a
// real bistro_worker. Each case fails against Debian's unpatched CAF
// 0.17.6 (patches/caf/ fix them).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>

#include <array>
#include <catch2/catch.hpp>
#include <cstdint>
#include <cstring>
#include <limits>

#include "tests/faults/faults_support.hpp"
#include "tests/support/tls_material.hpp"

using namespace bistro::testing;

namespace {

const std::string scheduler_bin = BISTRO_SCHEDULER_BIN;
const std::string worker_bin = BISTRO_WORKER_BIN;

/// BASP's fixed 32-byte header, big-endian: operation, flags, 2 bytes
/// padding, payload length (32 bits), operation data, source and
/// destination actor (64 bits each).
constexpr std::size_t basp_header_size = 32;

std::array<char, basp_header_size> basp_header(std::uint8_t operation,
                                               std::uint32_t payload_len,
                                               std::uint64_t operation_data) {
  std::array<char, basp_header_size> out{};
  out[0] = static_cast<char>(operation);
  for (int i = 0; i < 4; ++i)
    out[4 + i] = static_cast<char>(payload_len >> (8 * (3 - i)));
  for (int i = 0; i < 8; ++i)
    out[8 + i] = static_cast<char>(operation_data >> (8 * (7 - i)));
  return out;
}

/// A raw TCP connection to 127.0.0.1:`port` (closed when destroyed).
class raw_connection {
 public:
  explicit raw_connection(int port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE(fd_ >= 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<std::uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    INFO("connect to 127.0.0.1:" << port << ": " << std::strerror(errno));
    REQUIRE(::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) ==
            0);
  }
  raw_connection(const raw_connection&) = delete;
  raw_connection& operator=(const raw_connection&) = delete;
  ~raw_connection() { ::close(fd_); }

  /// Sends all of `data`; false once the peer has closed or reset.
  bool send(const char* data, std::size_t size) {
    while (size > 0) {
      auto n = ::send(fd_, data, size, MSG_NOSIGNAL);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return false;
      data += n;
      size -= static_cast<std::size_t>(n);
    }
    return true;
  }

  /// Reads the server's handshake (a BASP header and the payload it
  /// announces) within `timeout_ms`; false if the connection ends first.
  bool read_server_handshake(std::int64_t timeout_ms = 10000) {
    std::string header;
    if (!read_exactly(header, basp_header_size, timeout_ms)) return false;
    std::uint32_t payload_len = 0;
    for (int i = 0; i < 4; ++i)
      payload_len =
          (payload_len << 8) | static_cast<unsigned char>(header[4 + i]);
    std::string payload;
    return header[0] == 0 /* server_handshake */ &&
           read_exactly(payload, payload_len, timeout_ms);
  }

  /// Waits up to `timeout_ms` for the server to close the connection,
  /// reading (and dropping) whatever it sends before; true if it did.
  bool closed_by_server(std::int64_t timeout_ms) {
    auto deadline = steady_ms() + timeout_ms;
    char buf[4096];
    for (;;) {
      auto left = deadline - steady_ms();
      if (left <= 0) return false;
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left)) <= 0) continue;
      auto n = ::recv(fd_, buf, sizeof(buf), MSG_DONTWAIT);
      if (n == 0) return true;
      if (n < 0 && errno != EAGAIN && errno != EINTR) return true;
    }
  }

 private:
  bool read_exactly(std::string& out, std::size_t size,
                    std::int64_t timeout_ms) {
    auto deadline = steady_ms() + timeout_ms;
    out.resize(size);
    std::size_t have = 0;
    while (have < size) {
      auto left = deadline - steady_ms();
      if (left <= 0) return false;
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left)) <= 0) continue;
      auto n = ::recv(fd_, out.data() + have, size - have, MSG_DONTWAIT);
      if (n == 0) return false;
      if (n < 0) {
        if (errno == EAGAIN || errno == EINTR) continue;
        return false;
      }
      have += static_cast<std::size_t>(n);
    }
    return true;
  }

  int fd_ = -1;
};

/// Resident set (VmRSS) or its peak (VmHWM) of a live process, in KiB.
std::int64_t proc_status_kib(pid_t pid, const std::string& field) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(in, line);)
    if (line.rfind(field + ":", 0) == 0)
      return std::atoll(line.c_str() + field.size() + 1);
  return -1;
}

/// A scheduler with --server_port on loopback and the HTTP API, plus the
/// workers a test starts.
struct caf_port_cluster {
  temp_dir dir;
  int port = free_port();
  int http_port = free_port();
  std::unique_ptr<child_process> scheduler;
  std::vector<std::unique_ptr<child_process>> workers;
  /// Extra flags of every worker (TLS).
  std::vector<std::string> worker_extra;

  explicit caf_port_cluster(std::vector<std::string> extra = {}) {
    auto config = dir.write("config", R"({"bistro_settings": {"nodes":
        {"levels": ["level1", "level2"], "node_source": "manual",
         "node_source_prefs": {"a": ["a1"]}},
        "enabled": true, "idle_wait": 0.2, "working_wait": 0.05}})");
    std::vector<std::string> argv{
        scheduler_bin,
        "--server_port=" + std::to_string(port),
        "--server_address=127.0.0.1",
        "--http_server_port=" + std::to_string(http_port),
        "--http_cache_ms=0",
        "--config_file=" + config,
        "--clean_statuses",
        "--instance_node_name=scheduler",
        "--data_dir=" + dir.file("sched_data")};
    argv.insert(argv.end(), extra.begin(), extra.end());
    scheduler = std::make_unique<child_process>(argv, dir.file("sched.log"));
    INFO(scheduler->log_tail());
    REQUIRE(eventually(
        [&] {
          return scheduler->log_has("workers connect on port") &&
                 scheduler->log_has("HTTP API");
        },
        15000));
  }

  /// Starts a worker and waits until it has registered.
  child_process& registered_worker(const std::string& shard) {
    auto task = dir.script("task.sh", "echo done > \"$2\"");
    std::vector<std::string> argv{worker_bin,
                                  "--scheduler_host=127.0.0.1",
                                  "--scheduler_port=" + std::to_string(port),
                                  "--worker_command=" + task,
                                  "--data_dir=" + dir.file("w_" + shard),
                                  "--shard_id=" + shard};
    argv.insert(argv.end(), worker_extra.begin(), worker_extra.end());
    workers.push_back(std::make_unique<child_process>(
        argv, dir.file("worker_" + shard + ".log")));
    auto& w = *workers.back();
    INFO("worker: " << w.log_tail()
                    << "\nscheduler: " << scheduler->log_tail());
    REQUIRE(eventually([&] { return w.log_has("registered with scheduler"); },
                       20000));
    return w;
  }

  /// The scheduler runs and its HTTP API answers /api/status.
  bool serving() const {
    return process_alive(scheduler->pid()) &&
           http_request(http_port, "GET", "/api/status").code == 200;
  }
};

}  // namespace

TEST_CASE(
    "a BASP handshake header without payload closes that connection, not "
    "the scheduler") {
  caf_port_cluster c;
  // Unpatched CAF dereferenced the missing payload: SIGSEGV in
  // caf::io::basp::instance::handle from one 32-byte packet.
  struct variant {
    std::uint8_t operation;  // 0: server_handshake, 1: client_handshake
    std::uint64_t operation_data;
    bool read_handshake_first;
  };
  const std::uint64_t max64 = std::numeric_limits<std::uint64_t>::max();
  for (auto v : {variant{1, 3, true}, variant{1, 3, false}, variant{0, 3, true},
                 variant{0, 3, false}, variant{1, max64, true},
                 variant{0, max64, false}}) {
    INFO("operation " << int{v.operation} << ", operation data "
                      << v.operation_data << ", server handshake read first: "
                      << v.read_handshake_first
                      << "\nscheduler: " << c.scheduler->log_tail());
    raw_connection conn(c.port);
    if (v.read_handshake_first) REQUIRE(conn.read_server_handshake());
    auto header = basp_header(v.operation, 0, v.operation_data);
    REQUIRE(conn.send(header.data(), header.size()));
    CHECK(conn.closed_by_server(5000));
    REQUIRE(c.serving());
  }
  // Real workers still get in.
  c.registered_worker("w1");
  CHECK(c.serving());
}

TEST_CASE(
    "a BASP header announcing gigabytes closes the connection without "
    "allocating them") {
  caf_port_cluster c;
  auto& worker = c.registered_worker("w1");
  const auto pid = c.scheduler->pid();
  // A few MiB after the header: unpatched CAF had set up a read of the
  // announced size and grew its buffer with them (RSS 13 MB -> 1.1-3.5 GB).
  const std::string filler(8 << 20, 'x');
  for (std::uint32_t announced : {std::uint32_t{1} << 31, ~std::uint32_t{0}}) {
    auto before = proc_status_kib(pid, "VmHWM");
    REQUIRE(before > 0);
    raw_connection conn(c.port);
    REQUIRE(conn.read_server_handshake());
    // A client handshake (valid header: no actors, a payload) of 2 or 4 GiB.
    auto header = basp_header(1, announced, 0);
    REQUIRE(conn.send(header.data(), header.size()));
    conn.send(filler.data(), filler.size());  // may fail: closed meanwhile
    INFO("announced " << announced
                      << " bytes; scheduler: " << c.scheduler->log_tail());
    CHECK(conn.closed_by_server(5000));
    REQUIRE(process_alive(pid));
    auto after = proc_status_kib(pid, "VmHWM");
    INFO("VmHWM before " << before << " KiB, after " << after << " KiB, VmRSS "
                         << proc_status_kib(pid, "VmRSS") << " KiB");
    CHECK(after - before < 64 * 1024);
  }
  CHECK(c.serving());
  CHECK_FALSE(worker.log_has("connection to scheduler"));
}

TEST_CASE(
    "beyond --max_server_connections a new connection is closed at once, "
    "a registered worker stays") {
  caf_port_cluster c({"--max_server_connections=4"});
  auto& worker = c.registered_worker("w1");
  // The worker holds one of the 4; raw connections take the others, each
  // greeted with the server's handshake, until one is closed at once.
  std::vector<std::unique_ptr<raw_connection>> held;
  bool refused = false;
  for (int i = 0; i < 5 && !refused; ++i) {
    auto conn = std::make_unique<raw_connection>(c.port);
    if (conn->read_server_handshake(3000)) {
      held.push_back(std::move(conn));
    } else {
      refused = true;
      CHECK(conn->closed_by_server(1000));
    }
  }
  INFO("raw connections kept open: " << held.size() << "\nscheduler: "
                                     << c.scheduler->log_tail());
  CHECK(refused);
  CHECK(held.size() <= 3);
  // The scheduler's output reaches its log file on its own time.
  CHECK(eventually(
      [&] { return c.scheduler->log_has("middleman.max-connections"); }, 2000));
  // The worker was never disturbed, and the scheduler still knows it.
  CHECK(c.serving());
  CHECK_FALSE(worker.log_has("connection to scheduler"));
  auto workers = http_request(c.http_port, "GET", "/api/workers");
  CHECK(workers.code == 200);
  CHECK(workers.body.find("w1") != std::string::npos);
  // Once the raw connections are gone, there is room again.
  held.clear();
  CHECK(eventually(
      [&] {
        raw_connection conn(c.port);
        return conn.read_server_handshake(1000);
      },
      5000));
}

TEST_CASE(
    "a connection that never completes the BASP handshake is closed after "
    "--server_handshake_timeout_ms") {
  caf_port_cluster c({"--server_handshake_timeout_ms=500"});
  // A real worker completes its handshake in time and stays.
  auto& worker = c.registered_worker("w1");
  raw_connection silent(c.port);
  REQUIRE(silent.read_server_handshake());
  auto start = steady_ms();
  INFO("scheduler: " << c.scheduler->log_tail());
  CHECK(silent.closed_by_server(5000));
  CHECK(steady_ms() - start >= 300);
  CHECK(eventually([&] { return c.scheduler->log_has("no BASP handshake"); },
                   2000));
  CHECK_FALSE(worker.log_has("connection to scheduler"));
  CHECK(c.serving());
}

TEST_CASE(
    "under TLS no byte of a stranger reaches BASP: the crashing and the "
    "gigabyte headers are refused by the TLS handshake") {
  temp_dir certs;
  tls_material tls(certs);
  caf_port_cluster c(tls.flags("sched"));
  c.worker_extra = tls.flags("worker");
  auto& worker = c.registered_worker("w1");
  const auto pid = c.scheduler->pid();
  const auto before = proc_status_kib(pid, "VmHWM");
  const std::string filler(8 << 20, 'x');
  for (std::uint32_t announced :
       {std::uint32_t{0}, std::uint32_t{1} << 31, ~std::uint32_t{0}}) {
    INFO("announced " << announced
                      << " bytes; scheduler: " << c.scheduler->log_tail());
    raw_connection conn(c.port);
    // A BASP server would greet first; a TLS server waits for a hello.
    CHECK_FALSE(conn.read_server_handshake(500));
    for (std::uint64_t data : {std::uint64_t{3}, ~std::uint64_t{0}}) {
      auto header = basp_header(1, announced, data);
      conn.send(header.data(), header.size());  // may fail: closed
    }
    if (announced > 0) conn.send(filler.data(), filler.size());
    CHECK(conn.closed_by_server(5000));
    REQUIRE(process_alive(pid));
  }
  auto after = proc_status_kib(pid, "VmHWM");
  INFO("VmHWM before " << before << " KiB, after " << after << " KiB");
  CHECK(after - before < 64 * 1024);
  CHECK(c.serving());
  CHECK_FALSE(worker.log_has("connection to scheduler"));
}
