#include "actors/http/http_server.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>
#include <vector>

#include "actors/http/http_routes.hpp"
#include "actors/protocol/access_token.hpp"
#include "actors/protocol/utf8.hpp"

namespace bistro::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

namespace {

/// A failed accept (above all EMFILE or ENFILE: the listening socket stays
/// readable while the connection waits in the backlog, so accepting again
/// at once fails again at once, in a loop) pauses accepting: 100 ms, then
/// twice as long after each further failure, up to 1 s; the first success
/// ends the pause. The pending connections wait in the backlog meanwhile.
/// One warning per report interval, with the failures since the last one.
/// Only the accept chain touches it: one accept or one wait at a time.
class accept_backoff {
 public:
  static constexpr std::chrono::milliseconds first_pause{100};
  static constexpr std::chrono::milliseconds longest_pause{1000};
  static constexpr std::chrono::seconds report_interval{5};

  /// Counts a failure, reports it when a report is due; the pause to take.
  std::chrono::milliseconds failed(const beast::error_code& ec) {
    pause_ =
        pause_.count() == 0 ? first_pause : std::min(pause_ * 2, longest_pause);
    ++failures_;
    ++unreported_;
    auto now = std::chrono::steady_clock::now();
    if (!last_report_ || now - *last_report_ >= report_interval) {
      spdlog::warn(
          "http: accept: {}; {} failed accept(s) since the last report, "
          "pausing {} ms before each retry",
          ec.message(), unreported_, pause_.count());
      last_report_ = now;
      unreported_ = 0;
    }
    return pause_;
  }

  /// An accept worked: ends the pause, reports the run of failures.
  void succeeded() {
    if (failures_ == 0) return;
    spdlog::info("http: accepting again after {} failed accept(s)", failures_);
    pause_ = std::chrono::milliseconds{0};
    failures_ = 0;
    unreported_ = 0;
    last_report_.reset();
  }

 private:
  std::chrono::milliseconds pause_{0};
  std::uint64_t failures_ = 0;
  std::uint64_t unreported_ = 0;
  std::optional<std::chrono::steady_clock::time_point> last_report_;
};

}  // namespace

/// Whether replies from the scheduler may still be posted to the server's
/// context, and the connections waiting for one. Shared with the
/// callbacks handed to `monitor`, which may run after the server is gone.
struct reply_gate {
  std::mutex mutex;
  bool open = true;
  /// Connections waiting for the scheduler, each owned here while it
  /// waits: no asio handler holds it then.
  std::unordered_map<const void*, std::shared_ptr<void>> waiting;
};

// Nothing the context runs owns the state (a handler that did would keep
// the context, and so itself, alive for good): sessions and handlers point
// at it; `stop` joins the threads and then destroys the context, and with
// it every handler and session still queued.
struct http_server::state {
  http_server_options options;
  monitor_function monitor;
  std::optional<asio::io_context> ioc{std::in_place};
  std::optional<tcp::acceptor> acceptor{std::in_place, *ioc};
  /// Paces accepting after a failed accept; the accept chain's alone.
  std::optional<asio::steady_timer> accept_timer{std::in_place, *ioc};
  accept_backoff accept_pacing;
  std::shared_ptr<reply_gate> gate = std::make_shared<reply_gate>();
  std::vector<std::thread> threads;
  request_counts counts;
  std::uint16_t port = 0;
  bool stopped = false;
};

namespace {

using state_ptr = http_server::state*;

constexpr auto write_timeout = std::chrono::seconds(30);
/// After refusing a body, how long unread bytes are drained so that the
/// client can read the refusal instead of a reset connection.
constexpr auto drain_timeout = std::chrono::seconds(2);

/// One connection: read a request, answer it, repeat while kept alive.
class session : public std::enable_shared_from_this<session> {
 public:
  session(tcp::socket socket, state_ptr server)
      : stream_(std::move(socket)), server_(server) {}

  void run() {
    asio::dispatch(stream_.get_executor(),
                   [self = shared_from_this()] { self->read_head(); });
  }

 private:
  void read_head() {
    parser_.emplace();
    parser_->header_limit(16 * 1024);
    parser_->body_limit(server_->options.body_limit);
    stream_.expires_after(server_->options.header_timeout);
    bhttp::async_read_header(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, std::size_t) {
          self->on_head(ec);
        });
  }

  void on_head(beast::error_code ec) {
    if (ec == bhttp::error::body_limit)
      return refuse(413, "request body larger than " +
                             std::to_string(server_->options.body_limit) +
                             " bytes");
    if (ec == bhttp::error::end_of_stream || ec == beast::error::timeout ||
        ec == asio::error::operation_aborted)
      return close();
    if (ec) return refuse(400, "bad request: " + ec.message());
    if (beast::iequals(parser_->get()[bhttp::field::expect], "100-continue")) {
      // curl waits a second for this before it sends a large body.
      continue_ = {bhttp::status::continue_, parser_->get().version()};
      stream_.expires_after(write_timeout);
      return bhttp::async_write(
          stream_, continue_,
          [self = shared_from_this()](beast::error_code ec, std::size_t) {
            if (ec) return self->close();
            self->read_body();
          });
    }
    read_body();
  }

  void read_body() {
    stream_.expires_after(server_->options.body_timeout);
    bhttp::async_read(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, std::size_t) {
          self->on_body(ec);
        });
  }

  void on_body(beast::error_code ec) {
    if (ec == bhttp::error::body_limit)
      return refuse(413, "request body larger than " +
                             std::to_string(server_->options.body_limit) +
                             " bytes");
    if (ec == beast::error::timeout || ec == bhttp::error::end_of_stream ||
        ec == asio::error::operation_aborted)
      return close();
    if (ec) return refuse(400, "bad request: " + ec.message());
    handle(parser_->release());
  }

  void handle(bhttp::request<bhttp::string_body> req) {
    version_ = req.version();
    keep_alive_ = req.keep_alive();
    head_ = req.method() == bhttp::verb::head;
    auto plan = plan_route(req.method_string(), req.target(), req.body(),
                           server_->counts);
    route_ = plan.route;
    if (plan.immediate) return respond(std::move(*plan.immediate));
    const auto& token = server_->options.token;
    if (plan.mutating && !token.empty()) {
      auto auth = req[bhttp::field::authorization];
      constexpr std::string_view bearer = "Bearer ";
      if (!auth.starts_with(bearer) ||
          !same_token(auth.substr(bearer.size()), token)) {
        auto reply = json_error(401,
                                "this request needs the token: "
                                "Authorization: Bearer <token>");
        return respond(std::move(reply));
      }
    }
    auto finish = std::move(plan.finish);
    auto gate = server_->gate;
    {
      std::lock_guard lock{gate->mutex};
      gate->waiting.emplace(this, shared_from_this());
    }
    server_->monitor(
        std::move(plan.monitor_request),
        [gate, weak = weak_from_this(), finish](monitor_answer answer) {
          // Called on a CAF thread: build the reply here, write it on
          // the connection's strand.
          http_reply reply;
          if (answer.result == monitor_answer::outcome::ok) {
            try {
              reply = finish(answer.text);
            } catch (const std::exception& e) {
              reply = json_error(500, std::string{"internal: "} + e.what());
            }
          } else if (answer.result == monitor_answer::outcome::timeout) {
            reply = json_error(504, "the scheduler did not answer in time");
          } else {
            reply = json_error(503, "scheduler: " + answer.text);
          }
          std::lock_guard lock{gate->mutex};
          if (!gate->open) return;  // the server stopped: nobody to tell
          if (auto self = weak.lock())
            asio::post(self->stream_.get_executor(),
                       [self, reply = std::move(reply)]() mutable {
                         self->stop_waiting();
                         self->respond(std::move(reply));
                       });
        });
  }

  void stop_waiting() {
    std::lock_guard lock{server_->gate->mutex};
    server_->gate->waiting.erase(this);
  }

  void respond(http_reply reply) {
    server_->counts.add(route_, reply.status);
    res_ = {};
    res_.version(version_);
    res_.result(reply.status);
    res_.set(bhttp::field::server, "bistro-caf");
    res_.set(bhttp::field::content_type, reply.content_type);
    res_.set(bhttp::field::cache_control, "no-store");
    if (!reply.allow.empty()) res_.set(bhttp::field::allow, reply.allow);
    res_.keep_alive(keep_alive_);
    // The last guard: JSON text is UTF-8. Names are checked where they are
    // made (actors/nodes/node_name.hpp); a raw byte that got past that
    // still must not make the whole answer unreadable.
    if (reply.content_type.rfind("application/json", 0) == 0)
      reply.body = utf8_repaired(std::move(reply.body));
    res_.body() = std::move(reply.body);
    res_.prepare_payload();
    if (head_) res_.body().clear();  // Content-Length stays the GET one
    stream_.expires_after(write_timeout);
    bhttp::async_write(
        stream_, res_,
        [self = shared_from_this()](beast::error_code ec, std::size_t) {
          if (ec || !self->keep_alive_) return self->close();
          self->read_head();
        });
  }

  /// Answers `status` and ends the connection; the unread rest of the
  /// request is drained (and dropped) for a moment, never buffered.
  void refuse(unsigned status, std::string message) {
    server_->counts.add("other", status);
    res_ = {};
    res_.version(11);
    res_.result(status);
    res_.set(bhttp::field::server, "bistro-caf");
    res_.set(bhttp::field::content_type, "application/json");
    res_.keep_alive(false);
    res_.body() = json_error(status, message).body;
    res_.prepare_payload();
    stream_.expires_after(write_timeout);
    bhttp::async_write(
        stream_, res_,
        [self = shared_from_this()](beast::error_code ec, std::size_t) {
          if (ec) return self->close();
          beast::error_code ignored;
          self->stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
          self->stream_.expires_after(drain_timeout);
          self->drain();
        });
  }

  void drain() {
    stream_.async_read_some(
        asio::buffer(drain_buffer_),
        [self = shared_from_this()](beast::error_code ec, std::size_t) {
          if (ec) return self->close();
          self->drain();
        });
  }

  void close() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream_.socket().close(ignored);
  }

  beast::tcp_stream stream_;
  state_ptr server_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  bhttp::response<bhttp::string_body> res_;
  bhttp::response<bhttp::empty_body> continue_;
  std::array<char, 16384> drain_buffer_{};
  std::string route_ = "other";
  unsigned version_ = 11;
  bool keep_alive_ = false;
  bool head_ = false;
};

void accept_next(state_ptr server) {
  server->acceptor->async_accept(
      asio::make_strand(*server->ioc),
      [server](beast::error_code ec, tcp::socket socket) {
        if (ec == asio::error::operation_aborted ||
            !server->acceptor->is_open())
          return;
        if (!ec) {
          server->accept_pacing.succeeded();
          std::make_shared<session>(std::move(socket), server)->run();
          return accept_next(server);
        }
        server->accept_timer->expires_after(server->accept_pacing.failed(ec));
        server->accept_timer->async_wait([server](beast::error_code wait_ec) {
          if (wait_ec == asio::error::operation_aborted ||
              !server->acceptor->is_open())
            return;
          accept_next(server);
        });
      });
}

}  // namespace

std::variant<std::unique_ptr<http_server>, std::string> http_server::start(
    http_server_options options, monitor_function monitor) {
  auto listening = listen(std::move(options));
  if (auto* server = std::get_if<std::unique_ptr<http_server>>(&listening))
    (*server)->serve(std::move(monitor));
  return listening;
}

std::variant<std::unique_ptr<http_server>, std::string> http_server::listen(
    http_server_options options) {
  auto s = std::make_shared<state>();
  s->options = std::move(options);
  const auto where = s->options.address + ":" + std::to_string(s->options.port);
  beast::error_code ec;
  auto address = asio::ip::make_address(s->options.address, ec);
  if (ec)
    return "http: bad address " + s->options.address + ": " + ec.message();
  tcp::endpoint endpoint{address, s->options.port};
  auto fail = [&](const char* what) {
    return "http: cannot " + std::string{what} + " " + where + ": " +
           ec.message();
  };
  auto& acceptor = *s->acceptor;
  acceptor.open(endpoint.protocol(), ec);
  if (ec) return fail("open");
  acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (ec) return fail("configure");
  acceptor.bind(endpoint, ec);
  if (ec) return fail("listen on");
  acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return fail("listen on");
  s->port = acceptor.local_endpoint().port();
  return std::unique_ptr<http_server>(new http_server(s));
}

void http_server::serve(monitor_function monitor) {
  auto* s = state_.get();
  if (s->stopped || !s->threads.empty()) return;
  s->monitor = std::move(monitor);
  accept_next(s);
  for (int i = 0; i < std::max(1, s->options.threads); ++i)
    s->threads.emplace_back([s] { s->ioc->run(); });
}

http_server::http_server(std::shared_ptr<state> s) : state_(std::move(s)) {}

http_server::~http_server() { stop(); }

std::uint16_t http_server::port() const { return state_->port; }

void http_server::stop() {
  if (state_->stopped) return;
  state_->stopped = true;
  // Replies still on their way from the scheduler are dropped from now on;
  // then the threads end, and the connections still open close: those
  // waiting for the scheduler, then (with the context) every other.
  {
    std::lock_guard lock{state_->gate->mutex};
    state_->gate->open = false;
  }
  state_->ioc->stop();
  for (auto& t : state_->threads) t.join();
  state_->threads.clear();
  state_->accept_timer.reset();
  state_->acceptor.reset();
  std::unordered_map<const void*, std::shared_ptr<void>> waiting;
  {
    std::lock_guard lock{state_->gate->mutex};
    waiting.swap(state_->gate->waiting);
  }
  waiting.clear();
  state_->ioc.reset();
}

}  // namespace bistro::http
