// A small Chrome DevTools Protocol client for the browser test: headless
// Chromium started with a fresh profile, one page target driven over its
// websocket (Boost.Beast), every call bounded by a timeout.
// Single-threaded test code.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "tests/actors/http/http_client.hpp"
#include "tests/support/e2e_support.hpp"

namespace bistro::testing {

/// The chromium binary, or "" when it is not installed.
inline std::string find_chromium() {
  for (const char* p : {"/usr/bin/chromium", "/usr/bin/chromium-browser",
                        "/usr/bin/google-chrome"})
    if (::access(p, X_OK) == 0) return p;
  return {};
}

class devtools_page {
 public:
  devtools_page(const std::string& chromium, const temp_dir& dir) : ws_(ioc_) {
    auto profile = dir.file("chromium-profile");
    std::filesystem::create_directories(profile);
    browser_.emplace(
        std::vector<std::string>{
            chromium, "--headless", "--no-sandbox", "--disable-gpu",
            "--no-first-run", "--disable-extensions", "--disable-dev-shm-usage",
            "--user-data-dir=" + profile, "--remote-debugging-port=0",
            "--window-size=1400,1100", "about:blank"},
        dir.file("chromium.log"));
    // Chromium writes its port (and browser path) once it listens.
    std::string port_text;
    INFO(browser_->log());
    REQUIRE(eventually(
        [&] {
          std::ifstream in(profile + "/DevToolsActivePort");
          return static_cast<bool>(std::getline(in, port_text)) &&
                 !port_text.empty();
        },
        60000));
    port_ = static_cast<std::uint16_t>(std::stoi(port_text));
    std::string ws_path;
    REQUIRE(eventually(
        [&] {
          auto r = http_call(port_, "GET", "/json/list");
          if (r.status != 200) return false;
          auto targets = boost::json::parse(r.body);
          for (const auto& t : targets.as_array())
            if (t.at("type") == "page") {
              std::string url{t.at("webSocketDebuggerUrl").as_string()};
              ws_path = url.substr(url.find('/', std::string("ws://").size()));
              return true;
            }
          return false;
        },
        30000));
    boost::asio::ip::tcp::endpoint ep{
        boost::asio::ip::make_address("127.0.0.1"), port_};
    run([&](auto done) { ws_.next_layer().async_connect(ep, done); });
    run([&](auto done) {
      ws_.async_handshake("127.0.0.1:" + std::to_string(port_), ws_path, done);
    });
    ws_.read_message_max(64 << 20);  // screenshots
  }

  /// Sends a command and returns its "result" (fails the test on error).
  boost::json::value call(const std::string& method,
                          boost::json::object params = {}) {
    auto id = ++next_id_;
    auto text = boost::json::serialize(boost::json::object{
        {"id", id}, {"method", method}, {"params", std::move(params)}});
    run([&](auto done) {
      ws_.async_write(
          boost::asio::buffer(text),
          [done](boost::beast::error_code ec, std::size_t) { done(ec); });
    });
    for (;;) {
      boost::beast::flat_buffer buffer;
      run([&](auto done) {
        ws_.async_read(buffer, [done](boost::beast::error_code ec,
                                      std::size_t) { done(ec); });
      });
      auto msg =
          boost::json::parse(boost::beast::buffers_to_string(buffer.data()));
      const auto& o = msg.as_object();
      if (!o.contains("id") || o.at("id").to_number<std::int64_t>() != id)
        continue;  // an event, or another answer
      INFO(method << ": " << boost::json::serialize(msg));
      REQUIRE_FALSE(o.contains("error"));
      return o.at("result");
    }
  }

  /// Evaluates `expression` in the page; its value (awaited if a promise).
  boost::json::value eval(const std::string& expression) {
    auto r = call("Runtime.evaluate", {{"expression", expression},
                                       {"returnByValue", true},
                                       {"awaitPromise", true}});
    INFO(expression << " -> " << boost::json::serialize(r));
    REQUIRE_FALSE(r.as_object().contains("exceptionDetails"));
    const auto& result = r.at("result").as_object();
    return result.contains("value") ? result.at("value") : nullptr;
  }

  ~devtools_page() {
    boost::beast::error_code ignored;
    ws_.next_layer().close(ignored);
  }

 private:
  /// Runs one asynchronous operation, at most 30 s.
  template <class Start>
  void run(Start start) {
    boost::beast::error_code result;
    bool finished = false;
    start([&](boost::beast::error_code ec) {
      result = ec;
      finished = true;
    });
    ioc_.restart();
    ioc_.run_for(std::chrono::seconds(30));
    if (!finished) {
      boost::beast::error_code ignored;
      ws_.next_layer().close(ignored);
      ioc_.restart();
      ioc_.run_for(std::chrono::seconds(5));
    }
    REQUIRE(finished);
    INFO(result.message());
    REQUIRE_FALSE(result);
  }

  std::optional<child_process> browser_;
  std::uint16_t port_ = 0;
  boost::asio::io_context ioc_;
  boost::beast::websocket::stream<boost::asio::ip::tcp::socket> ws_;
  std::int64_t next_id_ = 0;
};

}  // namespace bistro::testing
