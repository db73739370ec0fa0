#include "apps/shell/scheduler_connection.hpp"

#include <caf/all.hpp>
#include <caf/io/all.hpp>

#include "actors/protocol/secure_transport.hpp"
#include "apps/shell/tcp_probe.hpp"

namespace bistro::shell {

namespace {

std::string seconds_text(std::chrono::milliseconds d) {
  auto ms = d.count();
  if (ms % 1000 == 0) return std::to_string(ms / 1000) + " s";
  return std::to_string(ms) + " ms";
}

}  // namespace

scheduler_connection::scheduler_connection(caf::actor_system& sys,
                                           connection_options options)
    : sys_(sys), options_(std::move(options)), self_(sys) {}

std::string scheduler_connection::where() const {
  return options_.host + ":" + std::to_string(options_.port);
}

void scheduler_connection::drop() {
  if (front_) self_->demonitor(front_.address());
  front_ = nullptr;
}

void scheduler_connection::check_down(std::vector<std::string>& notices) {
  for (bool more = true; more;) {
    self_->receive(
        [&](caf::down_msg& down) {
          if (!front_ || down.source != front_.address()) return;
          notices.push_back("lost the scheduler at " + where() + " (" +
                            sys_.render(down.reason) + "); reconnecting");
          front_ = nullptr;
        },
        caf::after(std::chrono::seconds(0)) >> [&] { more = false; });
  }
}

std::string scheduler_connection::cannot_connect_text() const {
  // CAF's own words mislead ("no such host" for a refused IPv6 address):
  // ask the system what happens.
  auto probe = probe_tcp(
      options_.host, options_.port,
      std::min(options_.connect_timeout, std::chrono::milliseconds(3000)));
  auto port = std::to_string(options_.port);
  switch (probe.outcome) {
    case probe_outcome::no_such_host:
      return "cannot connect to " + where() + ": no such host \"" +
             options_.host + "\" (" + probe.detail + ")";
    case probe_outcome::refused:
      return "cannot connect to " + where() +
             ": connection refused, nothing listens there (is the scheduler "
             "running with --server_port=" +
             port + "?)";
    case probe_outcome::unreachable:
      return "cannot connect to " + where() + ": " + probe.detail +
             " (is the host up, and the port open to this machine?)";
    case probe_outcome::connected:
      break;
  }
  return "cannot connect to " + where() +
         ": the port accepts connections, but CAF could not connect (is it "
         "a bistro scheduler's --server_port?)";
}

std::string scheduler_connection::connect() {
  if (front_) return {};
  auto mm = connector(sys_);
  std::string error;
  self_
      ->request(mm, options_.connect_timeout, caf::connect_atom::value,
                options_.host, options_.port)
      .receive(
          [&](const caf::node_id&, caf::strong_actor_ptr& ptr,
              const std::set<std::string>& ifs) {
            if (!ptr) {
              error = "no actor is published on " + where();
              return;
            }
            if (ifs != sys_.message_types<front_door_actor>()) {
              error = where() +
                      " is a CAF node but not the front door of a bistro "
                      "scheduler speaking protocol version " +
                      std::to_string(protocol_version);
              return;
            }
            front_ = caf::actor_cast<front_door_actor>(ptr);
            self_->monitor(front_);
          },
          [&](const caf::error& err) {
            // With BASP heartbeats on, CAF itself gives up on a silent
            // peer after a heartbeat or so (connection_timeout).
            if (err == caf::sec::request_timeout ||
                err == caf::sec::connection_timeout)
              error = where() +
                      " accepted the connection but did not complete a CAF "
                      "handshake: is it a bistro scheduler's --server_port?";
            else if (err == caf::sec::cannot_connect_to_node)
              error = cannot_connect_text();
            else if (err == caf::sec::disconnect_during_handshake ||
                     err == caf::sec::malformed_basp_message ||
                     err == caf::sec::incompatible_versions ||
                     err == caf::sec::incompatible_application_ids)
              error =
                  where() + " is not a bistro scheduler: " + sys_.render(err);
            else
              error = "cannot connect to " + where() + ": " + sys_.render(err);
          });
  return error;
}

request_outcome scheduler_connection::ask(const std::string& request) {
  request_outcome out;
  check_down(out.notices);
  if (auto err = connect(); !err.empty()) {
    out.error = err;
    return out;
  }
  // CAF 0.17 never answers a request whose remote receiver went away, and
  // a blocking response wait ignores down messages: an event-based asker
  // watches both and reports here, tagged with the request's number.
  auto seq = ++requests_;
  auto client = caf::actor_cast<caf::actor>(self_.ptr());
  sys_.spawn(
      [front = front_, request, seq, client, token = options_.token,
       timeout = options_.request_timeout](caf::event_based_actor* self) {
        self->monitor(front);
        self->set_down_handler([=](const caf::down_msg& down) {
          self->send(client, seq,
                     down.reason
                         ? down.reason
                         : caf::make_error(caf::sec::request_receiver_down));
          self->quit();
        });
        self->request(front, timeout, monitor_atom_v, request, token)
            .then(
                [=](std::string& reply) {
                  self->send(client, seq, std::move(reply));
                  self->quit();
                },
                [=](caf::error& err) {
                  self->send(client, seq, std::move(err));
                  self->quit();
                });
      });
  auto fail = [&](const caf::error& err) {
    if (err == caf::sec::request_timeout) {
      out.error = "the scheduler at " + where() + " did not answer within " +
                  seconds_text(options_.request_timeout);
      return;
    }
    out.error = "lost the scheduler at " + where() + " (" + sys_.render(err) +
                "); the next command reconnects";
    drop();
  };
  for (bool waiting = true; waiting;) {
    self_->receive(
        [&](std::uint64_t tag, std::string& reply) {
          if (tag != seq) return;  // a late answer to an earlier request
          out.reply = std::move(reply);
          waiting = false;
        },
        [&](std::uint64_t tag, caf::error& err) {
          if (tag != seq) return;
          fail(err);
          waiting = false;
        },
        // The asker always reports; this only guards against a lost one.
        caf::after(options_.request_timeout + std::chrono::seconds(2)) >>
            [&] {
              fail(caf::sec::request_timeout);
              waiting = false;
            });
  }
  check_down(out.notices);
  return out;
}

}  // namespace bistro::shell
