#include "actors/scheduler/front_door.hpp"

#include <boost/json.hpp>
#include <caf/all.hpp>

#include "actors/protocol/access_token.hpp"
#include "actors/protocol/monitor_roles.hpp"

namespace bistro {

namespace {

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
  return {
      [=](hello_atom atom, worker_hello& hello) {
        return self->delegate(scheduler, atom, std::move(hello));
      },
      [=](heartbeat_atom atom, std::string& shard, std::int64_t start_ms) {
        return self->delegate(scheduler, atom, std::move(shard), start_ms);
      },
      [=](monitor_atom atom, std::string& request,
          const std::string& token) -> caf::result<std::string> {
        if (!required_token.empty() && !same_token(token, required_token)) {
          auto refused = mutating_handlers_in(request);
          if (!refused.empty()) return token_refusal(refused, token.empty());
        }
        return self->delegate(scheduler, atom, std::move(request));
      },
      [=](result_atom atom, task_result& r) {
        self->send(scheduler, atom, std::move(r));
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
