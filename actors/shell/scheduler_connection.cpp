#include "actors/shell/scheduler_connection.hpp"

#include <caf/all.hpp>
#include <caf/io/all.hpp>

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

std::string scheduler_connection::connect() {
  if (front_) return {};
  auto mm = sys_.middleman().actor_handle();
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
            if (err == caf::sec::request_timeout)
              error = where() + " did not complete a CAF handshake within " +
                      seconds_text(options_.connect_timeout) +
                      ": is it a bistro scheduler's --server_port?";
            else if (err == caf::sec::cannot_connect_to_node)
              error = "cannot connect to " + where() +
                      ": nothing accepts connections there (is the "
                      "scheduler running with --server_port=" +
                      std::to_string(options_.port) + "?)";
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
  self_->request(front_, options_.request_timeout, monitor_atom_v, request)
      .receive([&](std::string& reply) { out.reply = std::move(reply); },
               [&](const caf::error& err) {
                 if (err == caf::sec::request_timeout) {
                   out.error = "the scheduler at " + where() +
                               " did not answer within " +
                               seconds_text(options_.request_timeout);
                   return;
                 }
                 out.error = "lost the scheduler at " + where() + " (" +
                             sys_.render(err) +
                             "); the next command reconnects";
                 drop();
               });
  if (!out.ok()) check_down(out.notices);
  return out;
}

}  // namespace bistro::shell
