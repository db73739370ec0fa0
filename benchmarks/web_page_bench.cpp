// The web page at 300,000 nodes x 5 jobs (benchmarks/configs/
// db_scraping_300k.json) while the scheduler works (--benchmark_run, 5 s
// fake tasks, 1% failing): how big and how fast each HTTP answer the page
// asks for is, and, in headless Chromium when it is installed, how long the
// page takes to load and to refresh in each view (overview, job, task,
// workers, events). One JSON line per figure on stdout; progress on
// stderr. A benchmark, not a test: nothing is asserted.
//
// Usage: web_page_bench [WORK_DIR]   (env: WEB_BENCH_REFRESHES=N, default 7)
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/json.hpp>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <thread>
#include <vector>

#include "benchmarks/bench_common.hpp"
#include "config/json_text.hpp"

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace json = boost::json;
using bistro::bench::stopwatch;

extern "C" char** environ;

namespace {

/// A child process, killed at destruction.
struct child {
  pid_t pid = -1;
  child(const std::vector<std::string>& argv, const std::string& log) {
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, log.c_str(),
                                     O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_adddup2(&fa, 1, 2);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    if (posix_spawn(&pid, args[0], &fa, nullptr, args.data(), environ) != 0) {
      std::cerr << "web_page_bench: cannot start " << argv[0] << "\n";
      std::exit(1);
    }
    posix_spawn_file_actions_destroy(&fa);
  }
  ~child() {
    if (pid <= 0) return;
    ::kill(pid, SIGTERM);
    for (int i = 0; i < 100; ++i) {
      if (::waitpid(pid, nullptr, WNOHANG) == pid) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    ::kill(pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
  }
};

std::uint16_t free_port() {
  asio::io_context ioc;
  asio::ip::tcp::acceptor a(ioc, {asio::ip::make_address("127.0.0.1"), 0});
  return a.local_endpoint().port();
}

struct http_result {
  unsigned status = 0;
  std::string body;
};

/// GET on a fresh connection, at most 60 s.
http_result http_get(std::uint16_t port, const std::string& target) {
  asio::io_context ioc;
  beast::tcp_stream stream(ioc);
  http_result out;
  beast::error_code ec;
  stream.expires_after(std::chrono::seconds(60));
  stream.connect({asio::ip::make_address("127.0.0.1"), port}, ec);
  if (ec) return out;
  beast::http::request<beast::http::empty_body> req{beast::http::verb::get,
                                                    target, 11};
  req.set(beast::http::field::host, "127.0.0.1");
  beast::http::write(stream, req, ec);
  if (ec) return out;
  beast::flat_buffer buffer;
  beast::http::response_parser<beast::http::string_body> parser;
  parser.body_limit(1u << 30);
  beast::http::read(stream, buffer, parser, ec);
  if (ec) return out;
  out.status = parser.get().result_int();
  out.body = std::move(parser.get().body());
  return out;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

/// Milliseconds to 0.01 ms: finer is noise.
double ms2(double ms) { return std::round(ms * 100) / 100; }

/// Chrome's DevTools protocol over one page target's websocket.
class devtools {
 public:
  devtools(std::uint16_t port, const std::string& path) : ws_(ioc_) {
    asio::ip::tcp::endpoint ep{asio::ip::make_address("127.0.0.1"), port};
    run([&](auto done) { ws_.next_layer().async_connect(ep, done); });
    run([&](auto done) {
      ws_.async_handshake("127.0.0.1:" + std::to_string(port), path, done);
    });
    ws_.read_message_max(64 << 20);
  }

  json::value call(const std::string& method, json::object params = {}) {
    auto id = ++next_id_;
    auto text = json::serialize(
        json::object{{"id", id}, {"method", method}, {"params", params}});
    run([&](auto done) {
      ws_.async_write(asio::buffer(text),
                      [done](beast::error_code ec, std::size_t) { done(ec); });
    });
    for (;;) {
      beast::flat_buffer buffer;
      run([&](auto done) {
        ws_.async_read(buffer,
                       [done](beast::error_code ec, std::size_t) { done(ec); });
      });
      auto msg = json::parse(beast::buffers_to_string(buffer.data()));
      const auto& o = msg.as_object();
      if (!o.contains("id") || o.at("id").to_number<std::int64_t>() != id)
        continue;
      if (o.contains("error"))
        throw std::runtime_error(method + ": " +
                                 json::serialize(o.at("error")));
      return o.at("result");
    }
  }

  json::value eval(const std::string& expression) {
    auto r = call("Runtime.evaluate", {{"expression", expression},
                                       {"returnByValue", true},
                                       {"awaitPromise", true}});
    if (r.as_object().contains("exceptionDetails"))
      throw std::runtime_error(expression + ": " + json::serialize(r));
    const auto& result = r.at("result").as_object();
    return result.contains("value") ? result.at("value") : nullptr;
  }

  /// Polls `expression` every 10 ms until true; the seconds it took, or
  /// nothing after `timeout_s`.
  std::optional<double> until(const std::string& expression,
                              double timeout_s = 120) {
    stopwatch w;
    while (w.seconds() < timeout_s) {
      if (eval(expression) == true) return w.seconds();
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return std::nullopt;
  }

 private:
  template <class Start>
  void run(Start start) {
    beast::error_code result;
    bool finished = false;
    start([&](beast::error_code ec) {
      result = ec;
      finished = true;
    });
    ioc_.restart();
    ioc_.run_for(std::chrono::seconds(120));
    if (!finished) throw std::runtime_error("devtools: no answer in 120 s");
    if (result) throw std::runtime_error("devtools: " + result.message());
  }

  asio::io_context ioc_;
  beast::websocket::stream<asio::ip::tcp::socket> ws_;
  std::int64_t next_id_ = 0;
};

std::string chromium_path() {
  for (const char* p : {"/usr/bin/chromium", "/usr/bin/chromium-browser",
                        "/usr/bin/google-chrome"})
    if (::access(p, X_OK) == 0) return p;
  return {};
}

void print(json::object o) {
  o["nodes"] = 300000;
  o["jobs"] = 5;
  o["cores"] = std::thread::hardware_concurrency();
  std::cout << bistro::json_text(o) << std::endl;
}

/// The page's refresh, timed in the page: `refresh()` once no refresh is
/// under way, `n` times; the median and the slowest, in ms.
std::pair<double, double> time_refreshes(devtools& page, int n) {
  std::vector<double> ms;
  for (int i = 0; i < n; ++i)
    ms.push_back(page.eval("(async () => { while (refreshing) await new "
                           "Promise(r => setTimeout(r, 5)); const t = "
                           "performance.now(); await refresh(); return "
                           "performance.now() - t; })()")
                     .to_number<double>());
  return {median(ms), *std::max_element(ms.begin(), ms.end())};
}

/// The benchmark; its children (scheduler, browser) end with it, also when
/// it throws.
int run(const std::string& dir) {
  int refreshes = 7;
  if (const char* r = std::getenv("WEB_BENCH_REFRESHES"))
    refreshes = std::atoi(r);
  auto port = free_port();
  std::cerr << "web_page_bench: scheduler on port " << port << ", 300k nodes x "
            << "5 jobs, work dir " << dir << "\n";
  child scheduler(
      {BISTRO_SCHEDULER_BIN, "--config_file=" BISTRO_BENCH_CONFIG,
       "--benchmark_run", "--test_task_duration=5000",
       "--test_failure_rate=0.01", "--instance_node_name=inst",
       "--data_dir=" + dir + "/data", "--clean_statuses",
       "--http_server_port=" + std::to_string(port), "--log_level=warning",
       "--seed=1", "--activity_sample_ms=1000", "--worker_check_interval=1"},
      dir + "/scheduler.log");
  // Up, with every node and tasks running.
  stopwatch up;
  for (;;) {
    auto r = http_get(port, "/api/status");
    if (r.status == 200) {
      auto s = json::parse(r.body);
      if (s.at("nodes").to_number<std::int64_t>() > 300000 &&
          s.at("running").to_number<std::int64_t>() > 0)
        break;
    }
    if (up.seconds() > 180) {
      std::cerr << "web_page_bench: the scheduler did not come up; see " << dir
                << "/scheduler.log\n";
      return 1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  std::cerr << "web_page_bench: up in " << up.seconds()
            << " s; 10 s of samples for the plots\n";
  std::this_thread::sleep_for(std::chrono::seconds(10));

  // Each answer the page asks for: size and time (the HTTP cache is 250 ms;
  // requests are 300 ms apart so that every one reaches the scheduler).
  const std::vector<std::string> routes{"/",
                                        "/api/status",
                                        "/api/jobs",
                                        "/api/running",
                                        "/api/tasks?state=running&limit=100",
                                        "/api/workers",
                                        "/api/events?after=0&limit=1000",
                                        "/api/tasks?job=scrape1&limit=2000",
                                        "/api/timeseries",
                                        "/api/timeseries?jobs=scrape1",
                                        "/api/jobs/scrape1/config",
                                        "/api/tasks/scrape1/host0.db0",
                                        "/api/config"};
  for (const auto& route : routes) {
    std::vector<double> ms;
    std::size_t bytes = 0;
    unsigned status = 0;
    for (int i = 0; i < 5; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(300));
      stopwatch w;
      auto r = http_get(port, route);
      ms.push_back(w.seconds() * 1000);
      bytes = r.body.size();
      status = r.status;
    }
    print({{"bench", "web_page_http"},
           {"route", route},
           {"status", status},
           {"bytes", bytes},
           {"median_ms", ms2(median(ms))},
           {"max_ms", ms2(*std::max_element(ms.begin(), ms.end()))}});
  }

  auto chromium = chromium_path();
  if (chromium.empty()) {
    std::cerr << "web_page_bench: no chromium: only the HTTP figures\n";
    return 0;
  }
  auto profile = dir + "/chromium-profile";
  std::filesystem::create_directories(profile);
  child browser(
      {chromium, "--headless", "--no-sandbox", "--disable-gpu",
       "--no-first-run", "--disable-extensions", "--disable-dev-shm-usage",
       "--user-data-dir=" + profile, "--remote-debugging-port=0",
       "--window-size=1400,1100", "about:blank"},
      dir + "/chromium.log");
  std::uint16_t cdp_port = 0;
  std::string ws_path;
  stopwatch started;
  while (ws_path.empty() && started.seconds() < 60) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    std::ifstream in(profile + "/DevToolsActivePort");
    std::string line;
    if (!cdp_port && std::getline(in, line) && !line.empty())
      cdp_port = static_cast<std::uint16_t>(std::stoi(line));
    if (!cdp_port) continue;
    auto r = http_get(cdp_port, "/json/list");
    if (r.status != 200) continue;
    auto targets = json::parse(r.body);
    for (const auto& t : targets.as_array())
      if (t.at("type") == "page") {
        std::string url{t.at("webSocketDebuggerUrl").as_string()};
        ws_path = url.substr(url.find('/', std::string("ws://").size()));
      }
  }
  if (ws_path.empty()) {
    std::cerr << "web_page_bench: chromium did not start; see " << dir
              << "/chromium.log\n";
    return 1;
  }
  devtools page(cdp_port, ws_path);
  page.call("Page.enable");
  page.call("Runtime.enable");
  const std::string base = "http://127.0.0.1:" + std::to_string(port) + "/";

  // Each view: load (navigation to the first complete refresh, with its
  // cells or rows drawn), then `refreshes` timed refreshes.
  struct view {
    std::string name, fragment, ready;
  };
  const std::vector<view> views{
      {"overview", "",
       "document.body && Number(document.body.dataset.refreshes || 0) >= 1 "
       "&& document.querySelectorAll('#grid .cell').length === 2000"},
      {"job", "#/job/scrape1",
       "document.body && Number(document.body.dataset.refreshes || 0) >= 1 "
       "&& document.querySelectorAll('#job-grid .cell').length === 2000"},
      {"task", "#/task/scrape1/host0.db0",
       "document.body && Number(document.body.dataset.refreshes || 0) >= 1 "
       "&& document.querySelectorAll('#task-fields tr').length > 0"},
      {"workers", "#/workers",
       "document.body && Number(document.body.dataset.refreshes || 0) >= 1 "
       "&& document.querySelectorAll('#workers-full tr[data-shard]').length "
       "> 0"},
      {"events", "#/events",
       "document.body && Number(document.body.dataset.refreshes || 0) >= 1 "
       "&& document.querySelectorAll('#events-table tbody tr').length > 0"},
  };
  for (const auto& v : views) {
    page.call("Page.navigate", {{"url", "about:blank"}});
    page.until("document.readyState === 'complete'", 30);
    stopwatch w;
    page.call("Page.navigate", {{"url", base + v.fragment}});
    auto loaded = page.until(v.ready);
    if (!loaded) {
      std::cerr << "web_page_bench: view " << v.name
                << " did not load in 120 s\n";
      return 1;
    }
    double load_ms = w.seconds() * 1000;
    auto [refresh_median, refresh_max] = time_refreshes(page, refreshes);
    auto heap =
        page.eval("performance.memory ? performance.memory.usedJSHeapSize : 0");
    auto nodes = page.eval("document.getElementsByTagName('*').length");
    print({{"bench", "web_page_chromium"},
           {"view", v.name},
           {"load_ms", ms2(load_ms)},
           {"refresh_median_ms", ms2(refresh_median)},
           {"refresh_max_ms", ms2(refresh_max)},
           {"refreshes", refreshes},
           {"dom_elements", nodes},
           {"js_heap_bytes", heap}});
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  bistro::bench::require_release_build("web_page_bench");
  auto dir = bistro::bench::work_dir(argc, argv, "web_page_bench");
  int rc = 1;
  try {
    rc = run(dir);
  } catch (const std::exception& e) {
    std::cerr << "web_page_bench: " << e.what() << "; logs in " << dir << "\n";
    return 1;
  }
  // Made here and all went well: nothing in it is worth keeping.
  if (rc == 0 && argc < 2) std::filesystem::remove_all(dir);
  return rc;
}
