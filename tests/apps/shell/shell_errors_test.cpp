// bistro_shell against ports that are not a working scheduler: a clear
// error within a few seconds, never a hang.
#include <catch2/catch.hpp>
#include <random>

#include "tests/apps/shell/shell_test_support.hpp"

using namespace bistro::testing;

namespace {

shell_run status_at(int port, const temp_dir& dir) {
  return run_shell({shell_bin, "--scheduler_host=::",
                    "--scheduler_port=" + std::to_string(port), "-c", "status"},
                   dir);
}

}  // namespace

TEST_CASE("shell: nothing listening on the port: an error at once") {
  temp_dir dir;
  auto port = free_port();
  auto r = status_at(port, dir);
  CHECK(r.exit_code == 3);
  CHECK(r.out.empty());
  CHECK(r.err == "error: cannot connect to ::1:" + std::to_string(port) +
                     ": connection refused, nothing listens there (is the "
                     "scheduler running with --server_port=" +
                     std::to_string(port) + "?)\n");
  CHECK(r.ms < 3000);
  // An IPv4 address and a name that resolves say the same; CAF alone says
  // "no such host" for some of them.
  for (std::string host : {"127.0.0.1", "localhost"}) {
    auto named =
        run_shell({shell_bin, "--scheduler_host=" + host,
                   "--scheduler_port=" + std::to_string(port), "-c", "status"},
                  dir);
    INFO(named.err);
    CHECK(named.exit_code == 3);
    CHECK(contains(named.err, "connection refused, nothing listens there"));
    CHECK_FALSE(contains(named.err, "no such host"));
  }
}

TEST_CASE("shell: a host name that does not resolve is no such host") {
  temp_dir dir;
  auto r = run_shell({shell_bin, "--scheduler_host=no-such-host.invalid",
                      "--scheduler_port=6789", "-c", "status"},
                     dir);
  CHECK(r.exit_code == 3);
  CHECK(contains(r.err,
                 "error: cannot connect to no-such-host.invalid:6789: "
                 "no such host \"no-such-host.invalid\""));
}

TEST_CASE(
    "shell: a port that accepts and says nothing: an error within seconds") {
  temp_dir dir;
  fake_server silent("");
  auto r = status_at(silent.port(), dir);
  CHECK(r.exit_code == 3);
  CHECK(r.err == "error: ::1:" + std::to_string(silent.port()) +
                     " accepted the connection but did not complete a CAF "
                     "handshake: is it a bistro scheduler's --server_port?\n");
  CHECK(silent.accepted() >= 1);
  CHECK(r.ms < 9000);
}

TEST_CASE("shell: a port that sends random bytes: an error, never a hang") {
  temp_dir dir;
  std::mt19937 rng(7);
  std::string noise;
  for (int i = 0; i < 512; ++i) noise += static_cast<char>(rng());
  fake_server random_bytes(noise);
  auto r = status_at(random_bytes.port(), dir);
  CHECK(r.exit_code == 3);
  CHECK(contains(r.err, "::1:" + std::to_string(random_bytes.port())));
  CHECK(r.ms < 9000);
}

TEST_CASE("shell: an HTTP server is no scheduler: an error at once") {
  temp_dir dir;
  fake_server http(
      "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n"
      "Connection: keep-alive\r\n\r\n");
  auto r = status_at(http.port(), dir);
  CHECK(r.exit_code == 3);
  CHECK(contains(r.err, "::1:" + std::to_string(http.port()) +
                            " is not a bistro scheduler"));
  CHECK(r.ms < 3000);
}

TEST_CASE("shell: a missing --scheduler_port is a usage error") {
  temp_dir dir;
  auto r = run_shell({shell_bin, "-c", "status"}, dir);
  CHECK(r.exit_code == 2);
  CHECK(contains(r.err, "--scheduler_port is required"));
}
