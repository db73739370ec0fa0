// bistro_shell's link to a scheduler's front door (--server_port). It
// connects as worker_link does: a request to the middleman actor with a
// timeout (CAF 0.17's blocking remote_actor can wait forever on a peer that
// accepts and says nothing), then checks that the peer publishes
// front_door_actor. Every monitor request has a timeout too, and is made by
// a short-lived event-based actor that also watches the front door: CAF
// 0.17 never answers a request whose remote receiver died, so without it a
// scheduler dying mid-request would cost the whole timeout. When the
// scheduler goes away the connection says so once and connects again on
// the next request.
//
// Thread contract: one thread (the shell's main thread, never a CAF
// worker thread) calls every member; the calls block for at most the
// timeouts.
#pragma once

#include <caf/actor_system.hpp>
#include <caf/scoped_actor.hpp>
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "actors/protocol/protocol.hpp"
#include "apps/shell/request_target.hpp"

namespace bistro::shell {

struct connection_options {
  std::string host;
  std::uint16_t port = 0;
  std::chrono::milliseconds connect_timeout{5000};
  std::chrono::milliseconds request_timeout{10000};
  /// Sent with every monitor request ("" = none): the scheduler refuses
  /// mutating requests without it when it has one.
  std::string token;
};

class scheduler_connection : public request_target {
 public:
  scheduler_connection(caf::actor_system& sys, connection_options options);
  scheduler_connection(const scheduler_connection&) = delete;
  scheduler_connection& operator=(const scheduler_connection&) = delete;

  /// Sends one monitor request, connecting first when not connected.
  request_outcome ask(const std::string& request) override;

  /// Connects now if not connected; "" or why it failed.
  std::string connect();

  bool connected() const { return static_cast<bool>(front_); }

  /// "host:port".
  std::string where() const override;

 private:
  /// Notices a front door that went down since the last call.
  void check_down(std::vector<std::string>& notices);
  void drop();
  /// Why CAF could not connect, probed (tcp_probe.hpp).
  std::string cannot_connect_text() const;

  caf::actor_system& sys_;
  connection_options options_;
  caf::scoped_actor self_;
  front_door_actor front_;
  /// Numbers requests, so that a late answer is never taken for a new one.
  std::uint64_t requests_ = 0;
};

}  // namespace bistro::shell
