// Node names that cannot be names, end to end: a bistro_scheduler process
// whose script node source prints a name with a byte that is not UTF-8 and
// one with a NUL among good names. The bad nodes are refused with an error
// in /api/errors, the good ones run, and every JSON answer stays UTF-8.
#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <map>
#include <memory>
#include <set>

#include "tests/faults/faults_support.hpp"

using namespace bistro::testing;

namespace {

const std::string scheduler_bin = BISTRO_SCHEDULER_BIN;

/// Parses `body` as JSON; Boost.JSON's parser refuses text that is not
/// well-formed UTF-8, so this is the check that it is.
boost::json::value parse_utf8_json(const std::string& what,
                                   const std::string& body) {
  boost::system::error_code ec;
  auto v = boost::json::parse(body, ec);
  INFO(what << ": " << body.substr(0, 500));
  REQUIRE_FALSE(ec);
  return v;
}

}  // namespace

TEST_CASE(
    "nodes named with invalid UTF-8 or a NUL are refused with an error while "
    "the other nodes run, and /api/nodes, /api/tasks and POST / stay valid "
    "UTF-8 JSON",
    "[misbehaving]") {
  temp_dir dir;
  // printf's octal escapes: \377 is the byte 0xff, \000 a NUL; the last
  // name is valid UTF-8 (U+00E9) and must work.
  auto script =
      dir.script("nodes.sh", R"(printf 'good1\nbad\377name\nnul\000name\n')"
                             "\nprintf 'caf\\303\\251\\n'\n");
  auto records = dir.file("records");
  auto task = dir.script("task.sh", run_prelude(records) +
                                        "record start\necho done > \"$2\"\n"
                                        "record end done\n");
  auto config = dir.write("config", R"({"bistro_settings": {
      "nodes": {"levels": ["host"], "node_source": "script",
                "node_source_prefs": {"script": ")" +
                                        script + R"(",
                                      "parent_level": "instance"}},
      "enabled": true, "idle_wait": 0.2, "working_wait": 0.05,
      "backoff": ["fail"]},
      "bistro_job->j": {"owner": "t"}})");
  int http_port = free_port();
  fault_process scheduler(
      {scheduler_bin, "--config_file=" + config, "--worker_command=" + task,
       "--data_dir=" + dir.file("data"), "--instance_node_name=scheduler",
       "--clean_statuses", "--http_server_port=" + std::to_string(http_port),
       "--http_cache_ms=0"},
      dir.file("scheduler.log"));
  auto ended = [&](const std::string& node) {
    return scheduler.log_has("j on " + node + " ended: done");
  };
  REQUIRE(eventually([&] { return ended("good1") && ended("caf\xc3\xa9"); },
                     20000));

  const std::string bad_named =
      "node \"bad\\xffname\" (level 1, under \"scheduler\") refused: its name "
      "is not valid UTF-8: byte 0xff at offset 3";
  const std::string nul_named =
      "node \"nul\\x00name\" (level 1, under \"scheduler\") refused: its name "
      "holds a NUL byte at offset 3";

  auto errors = http_request(http_port, "GET", "/api/errors");
  REQUIRE(errors.code == 200);
  auto errors_json = parse_utf8_json("/api/errors", errors.body);
  const auto* nodes_error = errors_json.as_object().if_contains("nodes");
  REQUIRE(nodes_error);
  std::string message{nodes_error->as_string()};
  CHECK_THAT(message, Catch::Contains(bad_named));
  CHECK_THAT(message, Catch::Contains(nul_named));

  auto nodes = http_request(http_port, "GET", "/api/nodes?level=host");
  REQUIRE(nodes.code == 200);
  auto nodes_text =
      boost::json::serialize(parse_utf8_json("/api/nodes", nodes.body));
  CHECK_THAT(nodes_text, Catch::Contains("\"good1\""));
  CHECK_THAT(nodes_text, Catch::Contains("\"caf\xc3\xa9\""));
  CHECK_THAT(nodes_text, !Catch::Contains("bad"));
  CHECK_THAT(nodes_text, !Catch::Contains("\\u0000"));

  auto tasks = http_request(http_port, "GET", "/api/tasks?job=j");
  REQUIRE(tasks.code == 200);
  parse_utf8_json("/api/tasks", tasks.body);

  auto monitor =
      http_request(http_port, "POST", "/",
                   R"({"n": {"handler": "nodes"}, "e": {"handler": "errors"},
                       "t": {"handler": "sorted_node_names"}})");
  REQUIRE(monitor.code == 200);
  auto answer = parse_utf8_json("POST /", monitor.body).as_object();
  auto answer_text = boost::json::serialize(answer.at("n"));
  CHECK_THAT(answer_text, Catch::Contains("\"good1\""));
  CHECK_THAT(answer_text, !Catch::Contains("bad"));
  CHECK_THAT(answer_text, !Catch::Contains("\\u0000"));
  CHECK_THAT(std::string{answer.at("e").at("data").at("nodes").as_string()},
             Catch::Contains(bad_named));

  // Only the good nodes ever ran.
  std::set<std::string> ran;
  for (const auto& r : read_records(records)) ran.insert(r.node);
  CHECK(ran == std::set<std::string>{"good1", "caf\xc3\xa9"});
}

TEST_CASE(
    "a 600-byte node name runs, keeps its status and its logs across a "
    "restart; a name past nodes.max_name_bytes is refused alone",
    "[misbehaving]") {
  temp_dir dir;
  const std::string long_name(600, 'L');  // past LMDB's 511-byte keys
  const std::string too_long(5000, 'T');  // past the default cap of 4096
  auto script = dir.script(
      "nodes.sh", "printf 'short\\n" + long_name + "\\n" + too_long + "\\n'\n");
  auto records = dir.file("records");
  auto task = dir.script("task.sh", run_prelude(records) +
                                        "record start\necho hello from $1\n"
                                        "echo done > \"$2\"\n"
                                        "record end done\n");
  auto config = dir.write("config", R"({"bistro_settings": {
      "nodes": {"levels": ["host"], "node_source": "script",
                "node_source_prefs": {"script": ")" +
                                        script + R"(",
                                      "parent_level": "instance"}},
      "enabled": true, "idle_wait": 0.2, "working_wait": 0.05,
      "backoff": ["fail"]},
      "bistro_job->j": {"owner": "t"}})");
  const std::string data_dir = dir.file("data");
  auto start = [&](int http_port) {
    return std::make_unique<fault_process>(
        std::vector<std::string>{
            scheduler_bin, "--config_file=" + config,
            "--worker_command=" + task, "--data_dir=" + data_dir,
            "--instance_node_name=scheduler",
            "--http_server_port=" + std::to_string(http_port),
            "--http_cache_ms=0"},
        dir.file("scheduler.log"));
  };
  int http_port = free_port();
  auto scheduler = start(http_port);
  REQUIRE(eventually(
      [&] {
        return scheduler->log_has("j on short ended: done") &&
               scheduler->log_has("j on " + long_name + " ended: done");
      },
      20000));
  // The store took the long name: the scheduler never said it could not
  // write, and the task's stdout line is in the task logs under its name.
  CHECK_FALSE(scheduler->log_has("status store: cannot"));
  CHECK_FALSE(scheduler->log_has("task log store"));
  auto logs =
      http_request(http_port, "POST", "/",
                   R"({"l": {"handler": "task_logs", "log_type": "stdout",
                "jobs": ["j"], "nodes": [")" +
                       long_name + R"("]}})");
  REQUIRE(logs.code == 200);
  CHECK_THAT(logs.body, Catch::Contains("hello from " + long_name));

  auto errors = http_request(http_port, "GET", "/api/errors");
  REQUIRE(errors.code == 200);
  CHECK_THAT(errors.body,
             Catch::Contains("is 5000 bytes long, over nodes.max_name_bytes "
                             "= 4096"));
  scheduler->kill(SIGTERM);
  REQUIRE(scheduler->wait(20000) == 0);

  // After a restart the statuses come back from the store: both tasks are
  // done, so a scheduler told to exit when done exits without running any.
  fault_process again({scheduler_bin, "--config_file=" + config,
                       "--worker_command=" + task, "--data_dir=" + data_dir,
                       "--instance_node_name=scheduler", "--exit_when_done"},
                      dir.file("scheduler.log"));
  const auto code = again.wait(30000);
  INFO(again.log_tail());
  CHECK(code == 0);
  std::map<std::string, int> starts;
  for (const auto& r : read_records(records))
    if (r.event == "start") ++starts[r.node];
  CHECK(starts == std::map<std::string, int>{{"short", 1}, {long_name, 1}});
}
