// A blocking HTTP/1.1 client for the HTTP tests (Boost.Beast), every call
// bounded by a timeout. Single-threaded per
// object; the free functions are safe from any thread.
#pragma once

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <map>
#include <optional>
#include <string>

#include "tests/support/e2e_support.hpp"

namespace bistro::testing {

struct http_response {
  /// 0 when the request failed at the transport (see `error`).
  unsigned status = 0;
  std::string body;
  std::string content_type;
  std::string allow;
  bool keep_alive = false;
  std::string error;
};

/// One connection that can carry several requests (keep-alive).
class http_connection {
 public:
  explicit http_connection(
      std::uint16_t port,
      std::chrono::milliseconds timeout = std::chrono::seconds(30))
      : stream_(ioc_), timeout_(timeout) {
    boost::asio::ip::tcp::endpoint ep{
        boost::asio::ip::make_address("127.0.0.1"), port};
    // Async operations with the stream's deadline: Beast's timeouts bound
    // only asynchronous calls.
    stream_.expires_after(timeout_);
    stream_.async_connect(ep,
                          [this](boost::beast::error_code ec) { ec_ = ec; });
    run();
  }

  http_response request(const std::string& method, const std::string& target,
                        const std::string& body = "",
                        const std::map<std::string, std::string>& headers = {},
                        bool keep_alive = true) {
    namespace bhttp = boost::beast::http;
    http_response out;
    if (ec_) {
      out.error = "connect: " + ec_.message();
      return out;
    }
    bhttp::request<bhttp::string_body> req{bhttp::string_to_verb(method),
                                           target, 11};
    req.set(bhttp::field::host, "127.0.0.1");
    for (const auto& [k, v] : headers) req.set(k, v);
    req.keep_alive(keep_alive);
    req.body() = body;
    req.prepare_payload();
    boost::beast::error_code ec;
    stream_.expires_after(timeout_);
    bhttp::async_write(
        stream_, req,
        [&ec](boost::beast::error_code e, std::size_t) { ec = e; });
    run();
    if (ec) {
      out.error = "write: " + ec.message();
      return out;
    }
    bhttp::response_parser<bhttp::string_body> parser;
    parser.body_limit(64 << 20);
    if (method == "HEAD") parser.skip(true);
    stream_.expires_after(timeout_);
    bhttp::async_read(
        stream_, buffer_, parser,
        [&ec](boost::beast::error_code e, std::size_t) { ec = e; });
    run();
    if (ec) {
      out.error = "read: " + ec.message();
      return out;
    }
    auto res = parser.release();
    out.status = res.result_int();
    out.body = res.body();
    out.content_type = std::string{res[bhttp::field::content_type]};
    out.allow = std::string{res[bhttp::field::allow]};
    out.keep_alive = res.keep_alive();
    return out;
  }

  boost::beast::tcp_stream& stream() { return stream_; }

 private:
  void run() {
    ioc_.restart();
    ioc_.run();
  }

  boost::asio::io_context ioc_;
  boost::beast::tcp_stream stream_;
  boost::beast::flat_buffer buffer_;
  std::chrono::milliseconds timeout_;
  boost::beast::error_code ec_;
};

/// One request on a fresh connection.
inline http_response http_call(
    std::uint16_t port, const std::string& method, const std::string& target,
    const std::string& body = "",
    const std::map<std::string, std::string>& headers = {}) {
  http_connection c{port};
  return c.request(method, target, body, headers, false);
}

}  // namespace bistro::testing
