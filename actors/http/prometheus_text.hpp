// /metrics: the scheduler's `metrics` monitor answer and the HTTP server's
// own request counts, in Prometheus' text exposition format (0.0.4).
//
// `request_counts` is shared by the server's I/O threads (a mutex inside);
// `prometheus_text` is a pure function.
#pragma once

#include <boost/json/value.hpp>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <utility>

namespace bistro::http {

/// HTTP requests answered, by (route pattern, status code).
class request_counts {
 public:
  void add(const std::string& route, unsigned code);
  std::map<std::pair<std::string, unsigned>, std::uint64_t> snapshot() const;

 private:
  mutable std::mutex mutex_;
  std::map<std::pair<std::string, unsigned>, std::uint64_t> counts_;
};

/// Escapes a label value: backslash, double quote and newline.
std::string escape_label(std::string_view value);

/// The exposition text of `metrics` (the monitor's `metrics` data) and
/// `http` (request counts). Missing fields are skipped, never an error.
std::string prometheus_text(
    const boost::json::value& metrics,
    const std::map<std::pair<std::string, unsigned>, std::uint64_t>& http);

}  // namespace bistro::http
