// The statuses log's lines are Bistro's JSON events.
#include "actors/workers/task_status_event.hpp"

#include <boost/json.hpp>
#include <catch2/catch.hpp>

using namespace bistro;
namespace json = boost::json;

namespace {

const task_event_context run{1'700'000'123'456, 42, "worker-host"};

json::object parsed(const std::string& line) {
  return json::parse(line).as_object();
}

}  // namespace

TEST_CASE("every event names its run and the worker's host") {
  auto e = parsed(running_event(
      run, {"/bin/task", "node1", "/dev/fd/3", R"({"config": {}})"}));
  CHECK(e.at("event") == "running");
  CHECK(e.at("command") == json::parse(R"(["/bin/task", "node1",
                                           "/dev/fd/3", "{\"config\": {}}"])"));
  CHECK(e.at("invocation_start_time") == 1'700'000'123);
  CHECK(e.at("run_id") == "42");
  CHECK(e.at("worker_host") == "worker-host");
  CHECK_FALSE(e.contains("raw_status"));
}

TEST_CASE("got_status carries Bistro's status: result_bits and data") {
  auto done = parsed(got_status_event(
      run, parsed_status{status_label::done, R"({"n": 1})", ""},
      "{\"result\": \"done\", \"data\": {\"n\": 1}}\n"));
  CHECK(done.at("event") == "got_status");
  CHECK(done.at("status") == json::parse(R"({"result_bits": 4,
                                               "data": {"n": 1}})"));
  CHECK(done.at("raw_status") == R"({"result": "done", "data": {"n": 1}})");

  // Our reason for an error goes where Bistro puts its own: data.exception.
  auto error = parsed(got_status_event(
      run,
      parsed_status{status_label::error_backoff, "", "task wrote no status"},
      ""));
  CHECK(error.at("status") == json::parse(R"({"result_bits": 96,
                        "data": {"exception": "task wrote no status"}})"));
  CHECK_FALSE(error.contains("raw_status"));

  auto backoff = parsed(got_status_event(
      run, parsed_status{status_label::incomplete_backoff, "", ""},
      "incomplete_backoff"));
  CHECK(backoff.at("status") == json::parse(R"({"result_bits": 584})"));
}

TEST_CASE("process_exited says how the process ended, in folly's words") {
  CHECK(parsed(process_exited_event(run, 3, "")).at("message") ==
        "exited with status 3");
  CHECK(parsed(process_exited_event(run, -9, "")).at("message") ==
        "killed by signal 9");
  CHECK(parsed(process_exited_event(run, std::nullopt, "")).at("message") ==
        "unknown exit");
  CHECK(parsed(process_exited_event(run, 0, "done\n")).at("raw_status") ==
        "done");
}

TEST_CASE("a task that cannot start is logged with its error status") {
  auto e = parsed(failed_to_start_event(run, "cannot exec /nope: ENOENT"));
  CHECK(e.at("event") == "task_failed_to_start");
  CHECK(e.at("status") == json::parse(R"({"result_bits": 96,
                        "data": {"exception": "cannot exec /nope: ENOENT"}})"));
}

TEST_CASE("bytes that are not UTF-8 never break an event's JSON") {
  auto e = parsed(process_exited_event(run, 0,
                                       "d\xff"
                                       "one"));
  CHECK(e.at("raw_status") ==
        "d\xef\xbf\xbd"
        "one");
}
