// Target `status_line`: the bytes are what a task wrote to its status pipe.
// parse_status_line never fails: it must return a label a task may report,
// `data` that is JSON (the next run gets it as `prev_status`), and a
// message only for an error. The status then goes where the scheduler puts
// it: a running task's status row, and its JSON rendering for the APIs.
//
// task_process::status() (the one-line rule: blank lines skipped, two lines
// an error) is a private member of a live process, so each non-blank line
// is fed to parse_status_line here the way it splits them.
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <cmath>
#include <string_view>
#include <system_error>

#include "actors/jobs/job_status_row.hpp"
#include "actors/jobs/task_status.hpp"
#include "tests/fuzz/fuzz_targets.hpp"

namespace bistro::fuzz {

namespace {

constexpr std::int64_t fuzz_now_ms = 1'700'000'000'000;

/// `a` and `b` are the same JSON, but for doubles a few units in the last
/// place apart: Boost.JSON 1.81 reads some long or far-exponent numbers a
/// few ulps off the nearest double, so re-reading a written number may move
/// it (6.666666666666667E85 reads back as ...668E85); nothing else may
/// change.
bool same_json(const boost::json::value& a, const boost::json::value& b) {
  if (a.is_double() && b.is_double()) {
    double x = a.get_double(), y = b.get_double();
    return x == y || std::fabs(x - y) <= 1e-14 * std::fabs(x);
  }
  if (a.kind() != b.kind()) return false;
  if (a.is_array()) {
    const auto &xs = a.get_array(), &ys = b.get_array();
    if (xs.size() != ys.size()) return false;
    for (std::size_t i = 0; i < xs.size(); ++i)
      if (!same_json(xs[i], ys[i])) return false;
    return true;
  }
  if (a.is_object()) {
    const auto &xs = a.get_object(), &ys = b.get_object();
    if (xs.size() != ys.size()) return false;
    auto x = xs.begin(), y = ys.begin();
    for (; x != xs.end(); ++x, ++y)
      if (x->key() != y->key() || !same_json(x->value(), y->value()))
        return false;
    return true;
  }
  return a == b;
}

void check_parsed(const parsed_status& s) {
  fuzz_check(is_task_reported(s.label), "status: not a task's own label");
  if (!s.message.empty())
    fuzz_check(s.label == status_label::error_backoff,
               "status: a message on a well-formed status");
  if (!s.data.empty()) {
    std::error_code ec;
    auto data = boost::json::parse(s.data, ec);
    fuzz_check(!ec, "status: data is not JSON");
    auto again = boost::json::parse(boost::json::serialize(data), ec);
    fuzz_check(!ec && same_json(again, data),
               "status: data does not round-trip");
  }
}

void feed_row(const parsed_status& s) {
  job_status_row row(2);
  const auto backoff = backoff_settings::bistro_default();
  row.mark_running(1, fuzz_now_ms);
  row.apply(1, s, fuzz_now_ms + 1, backoff);
  fuzz_check(row.label(1) != status_label::running, "row: still running");
  fuzz_check(row.count(row.label(1)) == 1, "row: label count off");
  auto record = row.record(1);
  auto json = status_to_json(record);
  (void)boost::json::serialize(json);
  (void)row.take_newly_runnable(fuzz_now_ms + 1);
  (void)row.next_backoff_expiry_ms();
}

}  // namespace

int fuzz_status_line(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto whole = parse_status_line(text);
  check_parsed(whole);
  fuzz_check(parse_status_line(text) == whole, "status: parse not stable");
  feed_row(whole);
  while (!text.empty()) {
    auto nl = text.find('\n');
    auto line = text.substr(0, nl);
    if (line.find_first_not_of(" \t\r") != std::string_view::npos)
      check_parsed(parse_status_line(line));
    if (nl == std::string_view::npos) break;
    text.remove_prefix(nl + 1);
  }
  return 0;
}

}  // namespace bistro::fuzz
