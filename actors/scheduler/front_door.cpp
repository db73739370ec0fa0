#include "actors/scheduler/front_door.hpp"

#include <spdlog/spdlog.h>

#include <boost/json.hpp>
#include <caf/all.hpp>
#include <memory>

#include "actors/monitor/monitor_table.hpp"
#include "actors/protocol/access_token.hpp"

namespace bistro {

namespace {

// Longer than anything the scheduler takes to answer: a monitor request
// may wait for every worker's task logs.
constexpr auto answer_timeout = std::chrono::seconds(60);

/// Asks the scheduler and answers the peer ourselves: a delegated request
/// would be answered by the scheduler, and the answer would carry its
/// handle to the peer.
template <class Result, class... Ts>
caf::result<Result> ask(front_door_actor::pointer self,
                        const scheduler_actor& scheduler, Ts&&... xs) {
  auto rp = self->make_response_promise<Result>();
  self->request(scheduler, answer_timeout, std::forward<Ts>(xs)...)
      .then([rp](Result& answer) mutable { rp.deliver(std::move(answer)); },
            [rp](caf::error& err) mutable { rp.deliver(std::move(err)); });
  return rp;
}

/// The monitor's whole-request error shape ({"error": why}), naming what
/// was refused and how to send the token.
std::string token_refusal(const std::vector<std::string>& handlers,
                          bool no_token) {
  std::string names;
  for (const auto& h : handlers) names += (names.empty() ? "" : ", ") + h;
  boost::json::object reply{
      {"error", "refused: " + names +
                    " changes the scheduler and needs its token (the "
                    "scheduler's --http_auth_token_file); " +
                    (no_token ? "none was sent" : "the token sent is wrong") +
                    ": give bistro_shell --auth_token_file=FILE"}};
  return boost::json::serialize(reply);
}

front_door_actor::behavior_type front_door(front_door_actor::pointer self,
                                           scheduler_actor scheduler,
                                           std::string required_token) {
  // Anything else a peer sends is dropped and counted, not printed whole:
  // a stranger must not be able to flood the output.
  auto dropped = std::make_shared<std::uint64_t>(0);
  self->set_default_handler(
      [dropped](caf::scheduled_actor*,
                caf::message_view& x) -> caf::result<caf::message> {
        if ((*dropped)++ % 1000 == 0)
          spdlog::warn(
              "front door: dropped a message it does not take ({} so far; "
              "this one had {} element(s))",
              *dropped, x.content().size());
        return caf::sec::unexpected_message;
      });
  return {
      [=](hello_atom, worker_hello& hello) {
        return ask<worker_welcome>(self, scheduler, hello_atom_v,
                                   std::move(hello));
      },
      [=](monitor_atom, std::string& request,
          const std::string& token) -> caf::result<std::string> {
        if (!required_token.empty() && !same_token(token, required_token)) {
          auto refused = mutating_handlers_in(request, monitor_roles);
          if (!refused.empty()) return token_refusal(refused, token.empty());
        }
        return ask<std::string>(self, scheduler, monitor_atom_v,
                                std::move(request));
      },
  };
}

}  // namespace

front_door_actor spawn_front_door(caf::actor_system& sys,
                                  scheduler_actor scheduler,
                                  std::string required_token) {
  return sys.spawn(front_door, std::move(scheduler), std::move(required_token));
}

}  // namespace bistro
