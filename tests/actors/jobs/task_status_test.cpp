#include "actors/jobs/task_status.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <catch2/catch.hpp>
#include <string>

using namespace bistro;

TEST_CASE("every bare label a task may report is parsed, whitespace trimmed") {
  CHECK(parse_status_line("done").label == status_label::done);
  CHECK(parse_status_line("incomplete\n").label == status_label::incomplete);
  CHECK(parse_status_line("  incomplete_backoff \r\n").label ==
        status_label::incomplete_backoff);
  CHECK(parse_status_line("error_backoff").label ==
        status_label::error_backoff);
  CHECK(parse_status_line("backoff").label == status_label::error_backoff);
  CHECK(parse_status_line("\tfailed\n").label == status_label::failed);
  auto done = parse_status_line("done\n");
  CHECK(done.data.empty());
  CHECK(done.message.empty());
}

TEST_CASE("a JSON status with a result label is parsed and keeps its data") {
  auto s = parse_status_line(
      R"({"result": "incomplete", "data": {"cursor": 42, "k": ["a"]}})");
  CHECK(s.label == status_label::incomplete);
  CHECK(s.data == R"({"cursor":42,"k":["a"]})");
  CHECK(s.message.empty());

  CHECK(parse_status_line(R"({"result": "backoff"})").label ==
        status_label::error_backoff);
  CHECK(parse_status_line(R"({"result":"failed","data":{}})").data.empty());
  CHECK(parse_status_line(R"({"result":"done","data":null})").data.empty());
  CHECK(parse_status_line(R"({"result":"done","other":1})").label ==
        status_label::done);
}

TEST_CASE("result_bits use Bistro's bit values and win over result") {
  CHECK(parse_status_line(R"({"result_bits": 4})").label == status_label::done);
  CHECK(parse_status_line(R"({"result_bits": 8})").label ==
        status_label::incomplete);
  CHECK(parse_status_line(R"({"result_bits": 584})").label ==
        status_label::incomplete_backoff);  // 8 | 64 | 512
  CHECK(parse_status_line(R"({"result_bits": 16})").label ==
        status_label::failed);
  CHECK(parse_status_line(R"({"result_bits": 96})").label ==
        status_label::error_backoff);  // 32 | 64
  CHECK(parse_status_line(R"({"result_bits": 1028})").label ==
        status_label::done);  // overwriteable is ignored
  auto s = parse_status_line(
      R"({"result_bits": 4, "result": "failed", "data": {"x": 1}})");
  CHECK(s.label == status_label::done);
  CHECK(s.data == R"({"x":1})");
}

TEST_CASE("invalid result_bits are a parse error") {
  for (const char* line :
       {R"({"result_bits": 2})", R"({"result_bits": 6})",
        R"({"result_bits": 72})", R"({"result_bits": 128})",
        R"({"result_bits": 2052})", R"({"result_bits": "4"})",
        R"({"result_bits": -1})", R"({"result_bits": 4.0})"}) {
    auto s = parse_status_line(line);
    CHECK(s.label == status_label::error_backoff);
    CHECK(s.message == std::string{"cannot parse status: "} + line);
  }
}

TEST_CASE("garbage becomes error_backoff with the exact message") {
  auto s = parse_status_line("I am not a status\n");
  CHECK(s.label == status_label::error_backoff);
  CHECK(s.message == "cannot parse status: I am not a status");
  CHECK(s.data.empty());

  CHECK(parse_status_line("").message == "cannot parse status: ");
  CHECK(parse_status_line("DONE").message == "cannot parse status: DONE");
  CHECK(parse_status_line("done\ndone").message ==
        "cannot parse status: done\ndone");
  CHECK(parse_status_line(R"({"result": "bogus"})").message ==
        R"(cannot parse status: {"result": "bogus"})");
  CHECK(parse_status_line(R"({"result": 4})").label ==
        status_label::error_backoff);
  CHECK(parse_status_line(R"({"data": {}})").label ==
        status_label::error_backoff);
  CHECK(parse_status_line(R"(["done"])").label == status_label::error_backoff);
  CHECK(parse_status_line(R"({"result": "done")").label ==
        status_label::error_backoff);
}

TEST_CASE("data with a number past the double range is an error naming it") {
  // Boost.JSON reads 1e400 as infinity and would write it as `Infinity`,
  // which no JSON reader takes back (the next run's prev_status).
  auto s = parse_status_line(R"({"result": "done", "data": {"n": [1e400]}})");
  CHECK(s.label == status_label::error_backoff);
  CHECK(s.message ==
        "cannot parse status: a number in its data is out of the double "
        R"(range: {"result": "done", "data": {"n": [1e400]}})");
  CHECK(s.data.empty());
  CHECK(
      parse_status_line(R"({"result": "done", "data": {"n": -1e999}})").label ==
      status_label::error_backoff);
  // The largest finite double is fine.
  auto max = parse_status_line(R"({"result": "done", "data": 1.7e308})");
  CHECK(max.label == status_label::done);
  CHECK(max.data == "1.7E308");
}

TEST_CASE("system labels cannot be reported by a task") {
  for (const char* line :
       {"running", "never_started", "was_not_running", "worker_lost",
        R"({"result": "running"})", R"({"result": "worker_lost"})"}) {
    CHECK(parse_status_line(line).label == status_label::error_backoff);
  }
}

TEST_CASE("the error message quotes only the first 200 bytes of a long line") {
  std::string line(1 << 20, 'x');
  auto s = parse_status_line(line);
  CHECK(s.label == status_label::error_backoff);
  CHECK(s.message == "cannot parse status: " + std::string(200, 'x'));
}

TEST_CASE("the quoted prefix never splits a UTF-8 character") {
  std::string line(199, 'x');
  line += "\xC3\xA9 and more";  // é straddles byte 200
  auto s = parse_status_line(line);
  CHECK(s.message == "cannot parse status: " + std::string(199, 'x'));
}

TEST_CASE("a 1 MB JSON status keeps all its data") {
  std::string blob(1 << 20, 'y');
  auto s = parse_status_line(R"({"result": "done", "data": {"blob": ")" + blob +
                             "\"}}\n");
  CHECK(s.label == status_label::done);
  CHECK(s.data == R"({"blob":")" + blob + "\"}");
}

TEST_CASE("labels convert to strings and back") {
  for (std::size_t i = 0; i < num_status_labels; ++i) {
    auto label = static_cast<status_label>(i);
    CHECK(status_label_from_string(to_string(label)) == label);
  }
  CHECK(to_string(status_label::error_backoff) == "error_backoff");
  CHECK(status_label_from_string("backoff") == status_label::error_backoff);
  CHECK_FALSE(status_label_from_string("Done"));
}

TEST_CASE("persisted label values never change") {
  CHECK(static_cast<int>(status_label::never_started) == 0);
  CHECK(static_cast<int>(status_label::running) == 1);
  CHECK(static_cast<int>(status_label::done) == 2);
  CHECK(static_cast<int>(status_label::incomplete) == 3);
  CHECK(static_cast<int>(status_label::incomplete_backoff) == 4);
  CHECK(static_cast<int>(status_label::error_backoff) == 5);
  CHECK(static_cast<int>(status_label::failed) == 6);
  CHECK(static_cast<int>(status_label::was_not_running) == 7);
  CHECK(static_cast<int>(status_label::worker_lost) == 8);
}

TEST_CASE("a status renders as JSON with its data embedded") {
  status_record r;
  r.label = status_label::error_backoff;
  r.backoff_step = 2;
  r.backoff_until_ms = 5000;
  r.updated_ms = 1000;
  r.data = R"({"k":1})";
  r.message = "boom";
  CHECK(boost::json::serialize(status_to_json(r)) ==
        R"({"label":"error_backoff","time_ms":1000,"data":{"k":1},)"
        R"("message":"boom","backoff_step":2,"backoff_until_ms":5000})");

  status_record plain;
  CHECK(boost::json::serialize(status_to_json(plain)) ==
        R"({"label":"never_started"})");
}

TEST_CASE("prev_status is Bistro's whole status object, absent at first") {
  status_record first;
  CHECK(bistro_prev_status(first).empty());

  status_record r;
  r.label = status_label::incomplete;
  r.updated_ms = 1'700'000'000'500;
  r.data = R"({"cursor":7})";
  CHECK(boost::json::parse(bistro_prev_status(r)) ==
        boost::json::parse(
            R"({"result_bits":8,"data":{"cursor":7},"time":1700000000})"));

  SECTION("a running record hands on the status before its run") {
    status_record running = r;
    running.label = status_label::running;
    running.updated_ms = 1'700'000'100'000;
    running.before_run =
        prior_status{status_label::error_backoff, 2,     1'700'000'060'000,
                     1'700'000'000'000,           false, "exit code 3"};
    running.data.clear();
    CHECK(boost::json::parse(bistro_prev_status(running)) ==
          boost::json::parse(R"({"result_bits":96,
              "data":{"exception":"exit code 3"},
              "time":1700000000,"backoff_duration":60})"));
    running.before_run.reset();  // a run of unknown history: nothing known
    CHECK(bistro_prev_status(running).empty());
  }
  SECTION("Bistro's bits for every label") {
    CHECK(bistro_status_bits(status_label::never_started, false) == 1);
    CHECK(bistro_status_bits(status_label::done, false) == 4);
    CHECK(bistro_status_bits(status_label::incomplete_backoff, false) == 584);
    CHECK(bistro_status_bits(status_label::failed, false) == 16);
    CHECK(bistro_status_bits(status_label::was_not_running, false) == 1056);
    CHECK(bistro_status_bits(status_label::worker_lost, false) == 3168);
    CHECK(bistro_status_bits(status_label::error_backoff, true) == 1120);
  }
}
