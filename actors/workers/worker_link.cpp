#include "actors/workers/worker_link.hpp"

#include <arpa/inet.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <caf/all.hpp>
#include <caf/io/all.hpp>
#include <chrono>
#include <set>

#include "actors/protocol/saturating_add.hpp"
#include "actors/protocol/secure_transport.hpp"
#include "actors/protocol/wall_clock.hpp"
#include "actors/workers/result_queue.hpp"
#include "actors/workers/worker_secret.hpp"

namespace bistro {

namespace {

struct link_state {
  worker_link_options options;
  worker_actor worker;
  front_door_actor front;
  /// Our session at the scheduler: where heartbeats and results go.
  worker_session_actor session;
  /// What proves to the session (and to the scheduler at the next hello)
  /// that we are the worker its welcome was for; "" before the first.
  std::string secret;
  bool registered = false;
  bool connecting = false;
  /// This worker instance: a new one after every suicide.
  std::int64_t start_ms = 0;
  /// When the scheduler last acknowledged us (hello or heartbeat).
  std::optional<std::int64_t> last_ack_ms;
  health_settings health;
  std::int64_t retry_ms = 1000;
  /// Results not yet acknowledged by the scheduler (kept on disk).
  result_queue pending;
  /// Of those, the ones sent on this connection and not yet answered.
  std::set<std::uint64_t> in_flight;
  static inline const char* name = "worker_link";
};

using link_ptr = worker_link_actor::stateful_pointer<link_state>;

std::string where(link_ptr self) {
  return self->state.options.scheduler_host + ":" +
         std::to_string(self->state.options.scheduler_port);
}

/// CAF 0.17 says "no such host" when an IPv6 address refuses (it retries
/// the address over IPv4, where it does not parse): for an address, which
/// needs no lookup, say what it is.
std::string connect_error_text(caf::actor_system& sys, const caf::error& err,
                               const std::string& host) {
  in6_addr v6;
  in_addr v4;
  bool address = ::inet_pton(AF_INET6, host.c_str(), &v6) == 1 ||
                 ::inet_pton(AF_INET, host.c_str(), &v4) == 1;
  if (err == caf::sec::cannot_connect_to_node && address)
    return "connection refused or no route (nothing listens on that "
           "address and port, or it is unreachable)";
  return sys.render(err);
}

void retry_later(link_ptr self, const std::string& why) {
  auto& st = self->state;
  spdlog::error("scheduler {}: {}; retrying in {} ms", where(self), why,
                st.retry_ms);
  st.connecting = false;
  self->delayed_send(self, std::chrono::milliseconds(st.retry_ms), join_atom_v);
  st.retry_ms =
      std::min({st.retry_ms * 2, st.options.max_retry_ms,
                std::max<std::int64_t>(1000, st.options.heartbeat_period_ms)});
}

/// How long the scheduler takes to declare a silent worker lost; past it
/// the worker's tasks must already be dying.
std::int64_t silence_limit_ms(const health_settings& h) {
  // Saturating: the settings are the scheduler's, as its welcome sent them.
  return saturating_add(
      std::min(saturating_add(h.heartbeat_period_ms, h.heartbeat_grace_ms),
               saturating_add(h.healthcheck_period_ms, h.healthcheck_grace_ms)),
      h.lose_unhealthy_worker_after_ms);
}

void suicide(link_ptr self, const std::string& why) {
  auto& st = self->state;
  spdlog::error(
      "lost the scheduler ({}): killing every task and starting "
      "over as a new worker",
      why);
  self->send(st.worker, kill_atom_v, st.health.suicide_task_kill_wait_ms);
  st.registered = false;
  st.last_ack_ms.reset();
  st.start_ms = wall_ms();
  if (!st.connecting) self->send(self, join_atom_v);
}

/// Keeps the secret a welcome handed us, on disk too: the next hello,
/// also after a restart of either side, proves with it who we are.
void keep_secret(link_ptr self, const std::string& secret) {
  auto& st = self->state;
  if (secret == st.secret) return;
  st.secret = secret;
  if (st.options.secret_file.empty()) return;
  auto err = write_worker_secret(st.options.secret_file, secret);
  if (!err.empty())
    spdlog::error("{}; after a restart this worker will join as a new worker",
                  err);
}

/// Sends a kept result to our session; it is dropped once the scheduler
/// answers that its status is on disk, and sent again with the next hello
/// if no answer comes.
void send_result(link_ptr self, std::uint64_t run_id) {
  auto& st = self->state;
  if (!st.registered || !st.session || st.in_flight.count(run_id) ||
      !st.pending.contains(run_id))
    return;
  st.in_flight.insert(run_id);
  auto session = st.session;
  self->request(st.session, st.options.result_ack_timeout, result_atom_v,
                st.secret, st.pending.all().at(run_id))
      .then(
          [=](bool ok) {
            auto& st = self->state;
            if (st.session != session) return;  // a newer hello took over
            st.in_flight.erase(run_id);
            if (ok) st.pending.drop(run_id);
          },
          [=](const caf::error& err) {
            auto& st = self->state;
            if (st.session != session) return;
            st.in_flight.erase(run_id);
            spdlog::warn(
                "the result of run {} was not acknowledged ({}); it is "
                "kept and sent again with the next hello",
                run_id, self->system().render(err));
          });
}

void say_hello(link_ptr self) {
  auto& st = self->state;
  self->request(st.worker, std::chrono::seconds(10), list_atom_v)
      .then(
          [=](std::vector<running_task_report>& running) {
            auto& st = self->state;
            worker_hello hello;
            hello.shard = st.options.shard;
            hello.host = st.options.host;
            hello.pid = static_cast<std::int32_t>(::getpid());
            hello.port = st.options.port;
            hello.start_ms = st.start_ms;
            hello.protocol_version = protocol_version;
            hello.heartbeat_period_ms = st.options.heartbeat_period_ms;
            hello.handle = st.worker;
            hello.running = std::move(running);
            for (const auto& [id, r] : st.pending.all())
              hello.finished.push_back(r);
            hello.secret = st.secret;
            hello.physical = st.options.physical;
            std::vector<std::uint64_t> sent_results;
            for (const auto& r : hello.finished)
              sent_results.push_back(r.run_id);
            self->request(st.front, std::chrono::seconds(10), hello_atom_v,
                          std::move(hello))
                .then(
                    [=](const worker_welcome& welcome) {
                      auto& st = self->state;
                      st.connecting = false;
                      if (!welcome.accepted) {
                        if (welcome.protocol_version != protocol_version) {
                          spdlog::critical("scheduler {} refused us: {}",
                                           where(self), welcome.message);
                          self->quit(caf::exit_reason::user_shutdown);
                          return;
                        }
                        retry_later(self, "refused: " + welcome.message);
                        return;
                      }
                      if (!welcome.session) {
                        retry_later(self, "the welcome holds no session");
                        return;
                      }
                      st.session = welcome.session;
                      self->monitor(st.session);
                      keep_secret(self, welcome.secret);
                      // A welcome comes once the results the hello
                      // carried are on the scheduler's disk.
                      for (auto id : sent_results) st.pending.drop(id);
                      st.in_flight.clear();
                      st.registered = true;
                      // Runs that ended after the hello was built (the
                      // hello listed them as running, and the scheduler
                      // adopted them) go now.
                      std::vector<std::uint64_t> rest;
                      for (const auto& [id, r] : st.pending.all())
                        rest.push_back(id);
                      for (auto id : rest) send_result(self, id);
                      st.retry_ms = 1000;
                      st.health = welcome.health;
                      st.last_ack_ms = wall_ms();
                      spdlog::info("registered with scheduler {} as {}: {}",
                                   where(self), st.options.shard,
                                   welcome.message);
                    },
                    [=](const caf::error& err) {
                      retry_later(
                          self, "hello failed: " + self->system().render(err));
                    });
          },
          [=](const caf::error& err) {
            retry_later(self, "cannot list running tasks: " +
                                  self->system().render(err));
          });
}

void connect(link_ptr self) {
  auto& st = self->state;
  if (st.connecting || st.registered) return;
  st.connecting = true;
  auto mm = connector(self->system());
  self->request(mm, std::chrono::seconds(10), caf::connect_atom::value,
                st.options.scheduler_host, st.options.scheduler_port)
      .then(
          [=](const caf::node_id&, caf::strong_actor_ptr& ptr,
              const std::set<std::string>& ifs) {
            if (!ptr) {
              retry_later(self, "no actor is published on that port");
              return;
            }
            if (ifs != self->system().message_types<front_door_actor>()) {
              retry_later(self,
                          "the peer is not a bistro scheduler speaking "
                          "protocol version " +
                              std::to_string(protocol_version));
              return;
            }
            self->state.front = caf::actor_cast<front_door_actor>(ptr);
            self->monitor(self->state.front);
            say_hello(self);
          },
          [=](const caf::error& err) {
            retry_later(self, "cannot connect: " +
                                  connect_error_text(
                                      self->system(), err,
                                      self->state.options.scheduler_host));
          });
}

void heartbeat(link_ptr self) {
  auto& st = self->state;
  self->delayed_send(self,
                     std::chrono::milliseconds(st.options.heartbeat_period_ms),
                     tick_atom_v);
  if (!st.registered || !st.session) return;
  auto sent = wall_ms();
  auto period = std::chrono::milliseconds(st.options.heartbeat_period_ms);
  auto beat = [=](std::vector<running_task_report> running) {
    auto& st = self->state;
    if (!st.registered || !st.session) return;
    self->request(st.session, period, heartbeat_atom_v, st.secret,
                  std::move(running))
        .then(
            [=](const heartbeat_reply& reply) {
              if (reply.known)
                self->state.last_ack_ms = sent;
              else if (self->state.registered)
                suicide(self, "the scheduler says: " + reply.message);
            },
            [=](const caf::error&) {
              // Missed heartbeats count through the deadline check.
            });
  };
  // Each heartbeat carries our runs and what their cgroups use now; a
  // worker too busy to answer at once still heartbeats, without them.
  self->request(st.worker, period / 2, list_atom_v)
      .then(
          [=](std::vector<running_task_report>& running) {
            beat(std::move(running));
          },
          [=](const caf::error&) { beat({}); });
}

void check_deadline(link_ptr self) {
  auto& st = self->state;
  self->delayed_send(self, std::chrono::milliseconds(250), check_atom_v);
  if (!st.last_ack_ms) return;
  auto silent = wall_ms() - *st.last_ack_ms;
  if (silent > silence_limit_ms(st.health))
    suicide(self,
            "no heartbeat acknowledged for " + std::to_string(silent) + " ms");
}

worker_link_actor::behavior_type worker_link(link_ptr self,
                                             worker_link_options options) {
  self->state.options = std::move(options);
  self->state.start_ms = wall_ms();
  if (auto kept = read_worker_secret(self->state.options.secret_file))
    self->state.secret = std::move(*kept);
  self->state.pending = result_queue{self->state.options.results_dir};
  if (auto err = self->state.pending.load(); !err.empty())
    spdlog::error("worker results: {}", err);
  if (!self->state.pending.all().empty())
    spdlog::info(
        "{} result(s) of runs that ended before this start wait for "
        "the scheduler",
        self->state.pending.all().size());
  self->set_down_handler([=](const caf::down_msg& down) {
    auto& st = self->state;
    if (down.source != st.front.address() &&
        down.source != st.session.address())
      return;
    spdlog::warn(
        "{} scheduler {} lost",
        down.source == st.front.address() ? "connection to" : "our session at",
        where(self));
    st.front = nullptr;
    st.session = nullptr;
    st.registered = false;
    st.in_flight.clear();
    if (!st.connecting) self->send(self, join_atom_v);
  });
  return {
      [=](result_atom, task_result& r) {
        auto& st = self->state;
        auto id = r.run_id;
        auto err = st.pending.add(r);
        if (!err.empty()) spdlog::error("{}", err);
        send_result(self, id);
      },
      [=](join_atom, worker_actor worker) {
        self->state.worker = std::move(worker);
        connect(self);
        heartbeat(self);
        check_deadline(self);
      },
      [=](join_atom) { connect(self); },
      [=](tick_atom) { heartbeat(self); },
      [=](check_atom) { check_deadline(self); },
  };
}

}  // namespace

worker_link_actor spawn_worker_link(caf::actor_system& sys,
                                    worker_link_options options) {
  return sys.spawn(worker_link, std::move(options));
}

}  // namespace bistro
