#include "apps/flags_common.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <caf/io/middleman.hpp>
#include <caf/openssl/manager.hpp>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <sstream>
#include <thread>

#include "actors/runtime/affine_sharing.hpp"
#include "apps/log_output.hpp"

namespace bistro {

std::string host_name() {
  char buf[256] = {};
  if (::gethostname(buf, sizeof(buf) - 1) != 0) return "localhost";
  return buf;
}

std::vector<std::string> split_addresses(const std::string& list) {
  std::vector<std::string> out;
  std::size_t pos = 0;
  while (true) {
    auto comma = list.find(',', pos);
    auto part = list.substr(
        pos, comma == std::string::npos ? std::string::npos : comma - pos);
    auto begin = part.find_first_not_of(" \t");
    auto end = part.find_last_not_of(" \t");
    out.push_back(begin == std::string::npos
                      ? std::string{}
                      : part.substr(begin, end - begin + 1));
    if (comma == std::string::npos) break;
    pos = comma + 1;
  }
  return out;
}

bool is_loopback_address(const std::string& address) {
  in_addr v4{};
  if (::inet_pton(AF_INET, address.c_str(), &v4) == 1)
    return (ntohl(v4.s_addr) >> 24) == 127;
  in6_addr v6{};
  if (::inet_pton(AF_INET6, address.c_str(), &v6) != 1) return false;
  if (IN6_IS_ADDR_LOOPBACK(&v6)) return true;
  return IN6_IS_ADDR_V4MAPPED(&v6) && v6.s6_addr[12] == 127;
}

bool set_log_level(const std::string& level) {
  auto parsed = spdlog::level::from_str(level);
  if (parsed == spdlog::level::off && level != "off") return false;
  use_buffered_log_output();
  spdlog::set_level(parsed);
  spdlog::set_pattern("%Y-%m-%d %H:%M:%S.%e %^%l%$ %v");
  return true;
}

void set_thread_count(caf::actor_system_config& cfg) {
  auto cores = std::max(2u, std::thread::hardware_concurrency());
  cfg.set("scheduler.max-threads", static_cast<size_t>(cores));
  // CAF 0.17's work-stealing workers poll their queues when idle: spinning,
  // then sleeping 50 us, then 10 ms. Each wake-up is CPU taken from the
  // tasks on a small machine, and the 10 ms sleep delays every message to
  // an idle system. Work sharing blocks idle threads on a condition
  // variable instead; affine_sharing.hpp keeps a chain of messages between
  // pool actors on one thread.
  cfg.set("scheduler.max-throughput", static_cast<size_t>(64));
  use_affine_sharing(cfg);
}

}  // namespace bistro

namespace bistro {

std::optional<std::string> enable_tls(caf::actor_system_config& cfg,
                                      const tls_files& files) {
  int set = !files.cert.empty() + !files.key.empty() + !files.ca.empty();
  if (set == 0) return std::nullopt;
  if (set != 3)
    return "--tls_cert_file, --tls_key_file and --tls_ca_file go together "
           "(TLS here always authenticates both ends)";
  for (const auto& [flag, path] : {std::pair{"--tls_cert_file", &files.cert},
                                   std::pair{"--tls_key_file", &files.key},
                                   std::pair{"--tls_ca_file", &files.ca}}) {
    if (::access(path->c_str(), R_OK) != 0)
      return std::string{flag} + "=" + *path +
             ": cannot read: " + std::strerror(errno);
  }
  cfg.load<caf::openssl::manager>();
  cfg.openssl_certificate = files.cert;
  cfg.openssl_key = files.key;
  cfg.openssl_cafile = files.ca;
  return std::nullopt;
}

void enable_networking(caf::actor_system_config& cfg) {
  cfg.load<caf::io::middleman>();
  cfg.set("middleman.heartbeat-interval",
          caf::timespan{std::chrono::seconds(1)});
  cfg.set("middleman.connection-timeout",
          caf::timespan{std::chrono::seconds(10)});
  // Deserialize on the multiplexer thread instead of handing each message
  // to a BASP worker thread first: one thread hop less per message; our
  // peers send few, small messages.
  cfg.set("middleman.workers", size_t{0});
}

}  // namespace bistro

namespace bistro {

void handle_stop_signals(std::function<void(int)> on_signal) {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  ::pthread_sigmask(SIG_BLOCK, &set, nullptr);
  std::thread([set, on_signal = std::move(on_signal)] {
    int sig = 0;
    if (::sigwait(&set, &sig) == 0) on_signal(sig);
  }).detach();
}

}  // namespace bistro
