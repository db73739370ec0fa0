#include "actors/scheduler/worker_session.hpp"

#include <spdlog/spdlog.h>

#include <caf/all.hpp>

#include "actors/workers/worker_secret.hpp"

namespace bistro {

namespace {

struct session_state {
  worker_session_options options;
  /// Messages dropped for a wrong secret or sender, for the log.
  std::uint64_t refused = 0;
  static inline const char* name = "worker_session";
};

using session_ptr = worker_session_full_actor::stateful_pointer<session_state>;

/// Logs the first refusal and then every 1000th: a stranger who keeps
/// trying must not flood the log.
void refuse(session_ptr self, const char* what, const char* why) {
  auto& st = self->state;
  if (st.refused++ % 1000 == 0)
    spdlog::warn(
        "worker {}'s session: dropped a {} that {} ({} dropped so far)",
        st.options.shard, what, why, st.refused);
}

constexpr const char* no_secret = "lacked the worker's secret";
constexpr const char* not_scheduler = "did not come from the scheduler";

bool from_scheduler(session_ptr self) {
  return self->current_sender() ==
         caf::actor_cast<caf::strong_actor_ptr>(self->state.options.scheduler);
}

bool proven(session_ptr self, const std::string& secret) {
  return worker_secret_matches(secret, self->state.options.secret_hash);
}

/// Relays a request to the worker and its answer (or error) back.
template <class Result, class... Ts>
caf::result<Result> relay(session_ptr self, Ts&&... xs) {
  auto rp = self->make_response_promise<Result>();
  self->request(self->state.options.worker, self->state.options.relay_timeout,
                std::forward<Ts>(xs)...)
      .then([rp](Result& answer) mutable { rp.deliver(std::move(answer)); },
            [rp](caf::error& err) mutable { rp.deliver(std::move(err)); });
  return rp;
}

worker_session_full_actor::behavior_type worker_session(
    session_ptr self, worker_session_options options) {
  self->state.options = std::move(options);
  // Whatever else arrives (actor ids can be guessed) is dropped, and
  // counted in the log rather than printed whole.
  self->set_default_handler(
      [self](caf::scheduled_actor*,
             caf::message_view&) -> caf::result<caf::message> {
        refuse(self, "message", "is of a type a session does not take");
        return caf::sec::unexpected_message;
      });
  // A session lives no longer than its scheduler.
  self->monitor(self->state.options.scheduler);
  self->set_down_handler([=](const caf::down_msg& down) {
    if (down.source == self->state.options.scheduler.address())
      self->quit(down.reason);
  });
  return {
      // From the worker.
      [=](heartbeat_atom, const std::string& secret,
          std::vector<running_task_report>& running)
          -> caf::result<heartbeat_reply> {
        if (!proven(self, secret)) {
          refuse(self, "heartbeat", no_secret);
          return heartbeat_reply{false, "this session is not yours"};
        }
        auto rp = self->make_response_promise<heartbeat_reply>();
        const auto& st = self->state;
        self->request(st.options.scheduler, st.options.relay_timeout,
                      heartbeat_atom_v, st.options.shard, st.options.start_ms,
                      std::move(running))
            .then(
                [rp](heartbeat_reply& r) mutable { rp.deliver(std::move(r)); },
                [rp](caf::error& err) mutable { rp.deliver(std::move(err)); });
        return rp;
      },
      [=](result_atom, const std::string& secret,
          task_result& r) -> caf::result<bool> {
        if (!proven(self, secret)) {
          refuse(self, "result", no_secret);
          return caf::sec::invalid_argument;
        }
        r.worker = self->state.options.shard;
        auto rp = self->make_response_promise<bool>();
        // No timeout: the scheduler answers once the status is on disk,
        // and the worker keeps the result (and asks again) until then.
        self->request(self->state.options.scheduler, caf::infinite,
                      result_atom_v, std::move(r), ack_atom_v)
            .then(
                [rp](bool ok) mutable { rp.deliver(ok); },
                [rp](caf::error& err) mutable { rp.deliver(std::move(err)); });
        return rp;
      },
      // From the scheduler, relayed to the worker as our own messages.
      [=](run_atom, task_spec& spec) {
        if (!from_scheduler(self))
          return refuse(self, "run order", not_scheduler);
        self->send(self->state.options.worker, run_atom_v, std::move(spec));
      },
      [=](kill_atom, kill_order& order) {
        if (!from_scheduler(self))
          return refuse(self, "kill order", not_scheduler);
        self->send(self->state.options.worker, kill_atom_v, std::move(order));
      },
      [=](kill_atom, std::int64_t wait_ms) {
        if (!from_scheduler(self))
          return refuse(self, "kill order", not_scheduler);
        self->send(self->state.options.worker, kill_atom_v, wait_ms);
      },
      [=](ping_atom) -> caf::result<bool> {
        if (!from_scheduler(self)) {
          refuse(self, "ping", not_scheduler);
          return caf::sec::request_receiver_down;
        }
        return relay<bool>(self, ping_atom_v);
      },
      [=](list_atom) -> caf::result<std::vector<running_task_report>> {
        if (!from_scheduler(self)) {
          refuse(self, "list request", not_scheduler);
          return caf::sec::request_receiver_down;
        }
        return relay<std::vector<running_task_report>>(self, list_atom_v);
      },
      [=](logs_atom, log_request& req) -> caf::result<log_reply> {
        if (!from_scheduler(self)) {
          refuse(self, "log query", not_scheduler);
          return caf::sec::request_receiver_down;
        }
        return relay<log_reply>(self, logs_atom_v, std::move(req));
      },
      // The worker's own timers; nobody has reason to send them here.
      [=](tick_atom) { refuse(self, "timer tick", not_scheduler); },
      [=](tick_atom, std::uint64_t) {
        refuse(self, "timer tick", not_scheduler);
      },
  };
}

}  // namespace

worker_session_full_actor spawn_worker_session(caf::actor_system& sys,
                                               worker_session_options options) {
  return sys.spawn(worker_session, std::move(options));
}

}  // namespace bistro
