// The handlers that ask other actors, as the two plain functions each is:
// the question made of the request and a view the test builds, and the
// entry's answer made of answers the test hands in. No scheduler actor, no
// worker, no status store.
#include "actors/monitor/ask_handlers.hpp"

#include <catch2/catch.hpp>

#include "actors/store/task_log_store.hpp"
#include "tests/actors/monitor/view_fixture.hpp"

using namespace bistro;
using namespace bistro::testing;
namespace json = boost::json;

namespace {

/// The error code a question refuses `text` with ("" when it asks).
template <class Question>
std::string refusal(Question question, const monitor_view& view,
                    std::string_view text) {
  auto q = question(view, entry(text));
  return q ? "" : std::string{to_string(q.error().code)};
}

log_reply_line line(std::string job, std::string node, std::int64_t id) {
  return {std::move(job), std::move(node), id * 1000,
          "line " + std::to_string(id), id};
}

worker_log_page page_of(std::string shard, std::vector<log_reply_line> lines,
                        std::int64_t next = -1) {
  worker_log_page w;
  w.shard = std::move(shard);
  w.page.lines = std::move(lines);
  w.page.next_line_id = next;
  return w;
}

worker_log_page silent(std::string shard, std::string why) {
  worker_log_page w;
  w.shard = std::move(shard);
  w.no_answer = std::move(why);
  return w;
}

/// The ids of a task_logs answer's lines, in its order.
std::vector<std::string> ids(const json::value& data) {
  std::vector<std::string> out;
  for (const auto& l : data.as_object().at("lines").as_array())
    out.emplace_back(l.as_array()[4].as_string());
  return out;
}

monitor_question logs_question(const monitor_view& view,
                               std::string_view text) {
  auto q = task_logs_question_of(view, entry(text));
  REQUIRE(q);
  return *q;
}

history_answer store_page(std::vector<job_run_entry> runs,
                          std::string error = "") {
  auto page = std::make_shared<run_history_page>();
  page->runs = std::move(runs);
  page->error = std::move(error);
  return {page, ""};
}

job_run_entry run_on(std::string node, std::uint64_t id) {
  run_history_entry r;
  r.run_id = id;
  r.label = status_label::done;
  r.start_ms = 1000;
  r.end_ms = 2000;
  r.worker = "w1";
  r.message = "ok";
  return {std::move(node), r};
}

}  // namespace

TEST_CASE("task_logs: the question to every worker is read from the entry") {
  view_fixture f;
  auto q = logs_question(f.view(), R"({"handler": "task_logs",
      "log_type": "stderr", "jobs": ["j"], "nodes": ["db11"], "sort": "asc",
      "line_id": "42", "limit": 5, "regex_filter": "x+"})");
  const auto* logs = std::get_if<task_logs_question>(&q);
  REQUIRE(logs);
  const auto& lr = logs->request;
  CHECK(lr.type == log_type::stderr_log);
  CHECK(lr.jobs == std::vector<std::string>{"j"});
  CHECK(lr.nodes == std::vector<std::string>{"db11"});
  CHECK(lr.ascending);
  CHECK(lr.line_id == 42);
  CHECK(lr.time_ms == -1);
  CHECK(lr.limit == 5);
  CHECK(lr.regex_filter == "x+");

  auto by_time =
      logs_question(f.view(), R"({"log_type": "statuses", "time": 7})");
  CHECK(std::get<task_logs_question>(by_time).request.time_ms == 7000);
  CHECK(std::get<task_logs_question>(by_time).request.limit == 1000);
  CHECK_FALSE(std::get<task_logs_question>(by_time).request.ascending);
}

TEST_CASE("task_logs: a malformed entry is refused before anyone is asked") {
  view_fixture f;
  auto v = f.view();
  auto refused = [&](std::string_view text) {
    return refusal(task_logs_question_of, v, text);
  };
  CHECK(refused(R"({"log_type": "stdout"})") == "");
  CHECK(refused(R"({"log_type": "stdout", "columns": []})") == "bad_request");
  CHECK(refused(R"({})") == "bad_request");  // no log_type
  CHECK(refused(R"({"log_type": "stdlog"})") == "bad_request");
  CHECK(refused(R"({"log_type": "stdout", "sort": "up"})") == "bad_request");
  CHECK(refused(R"({"log_type": "stdout", "time": 1, "line_id": 2})") ==
        "bad_request");
  CHECK(refused(R"({"log_type": "stdout", "limit": 0})") == "bad_request");
  CHECK(refused(R"({"log_type": "stdout", "limit": 100001})") == "bad_request");
  CHECK(refused(R"({"log_type": "stdout", "jobs": "j"})") == "bad_request");
  auto q = task_logs_question_of(v, entry(R"({"log_type": "stdlog"})"));
  REQUIRE_FALSE(q);
  CHECK(q.error().message == "log_type: expected stdout, stderr or statuses");
}

TEST_CASE("task_logs: the workers' pages merge into one, newest first") {
  view_fixture f;
  auto v = f.view();
  auto q = logs_question(v, R"({"log_type": "stdout", "limit": 3})");
  // w1 has more than it sent (its page ends at 6); w2 sent all it has.
  task_logs_answers answers{
      page_of("w1", {line("j", "db11", 9), line("j", "db11", 7)}, 6),
      page_of("w2", {line("j", "db21", 8), line("j", "db21", 5)})};
  auto reply = task_logs_reply(v, q, answers);
  REQUIRE(reply);
  // 5 lies past w1's page end, so it waits for the next page.
  CHECK(ids(*reply) == std::vector<std::string>{"9", "8", "7"});
  CHECK(reply->as_object().at("next_line_id") == "6");
  CHECK_FALSE(reply->as_object().contains("unanswered"));
  const auto& first = reply->as_object().at("lines").as_array()[0].as_array();
  CHECK(first == json::array{"j", "db11", 9, "line 9", "9"});

  // Over the limit: the next page starts at the first line left out.
  auto q2 = logs_question(v, R"({"log_type": "stdout", "limit": 2})");
  auto reply2 = task_logs_reply(v, q2, answers);
  REQUIRE(reply2);
  CHECK(ids(*reply2) == std::vector<std::string>{"9", "8"});
  CHECK(reply2->as_object().at("next_line_id") == "7");
}

TEST_CASE("task_logs: ascending pages cut at the smallest page end") {
  view_fixture f;
  auto v = f.view();
  auto q = logs_question(v, R"({"log_type": "stdout", "sort": "asc"})");
  task_logs_answers answers{
      page_of("w1", {line("j", "db11", 1), line("j", "db11", 3)}, 4),
      page_of("w2", {line("j", "db21", 2), line("j", "db21", 5)})};
  auto reply = task_logs_reply(v, q, answers);
  REQUIRE(reply);
  CHECK(ids(*reply) == std::vector<std::string>{"1", "2", "3"});
  CHECK(reply->as_object().at("next_line_id") == "4");
}

TEST_CASE("task_logs: a worker that gave no page is named, not hidden") {
  view_fixture f;
  auto v = f.view();
  auto q = logs_question(v, R"({"log_type": "stdout"})");
  worker_log_page bad_regex = page_of("w3", {});
  bad_regex.page.error = "regex_filter: bad regex";
  task_logs_answers answers{page_of("w1", {line("j", "db11", 9)}),
                            silent("w2", "no answer within 3000 ms"),
                            bad_regex};
  auto reply = task_logs_reply(v, q, answers);
  REQUIRE(reply);
  CHECK(ids(*reply) == std::vector<std::string>{"9"});
  CHECK(reply->as_object().at("next_line_id") == "-1");
  CHECK(
      reply->as_object().at("unanswered") ==
      json::array{
          json::object{{"worker", "w2"}, {"why", "no answer within 3000 ms"}},
          json::object{{"worker", "w3"}, {"why", "regex_filter: bad regex"}}});

  // None answered: the entry is unavailable, naming each and why.
  auto none = task_logs_reply(
      v, q,
      task_logs_answers{silent("w2", "no answer within 3000 ms"), bad_regex});
  REQUIRE_FALSE(none);
  CHECK(none.error().code == monitor_errc::unavailable);
  CHECK(none.error().message ==
        "w2: no answer within 3000 ms; w3: regex_filter: bad regex");

  // No worker at all: an empty page, not an error.
  auto empty = task_logs_reply(v, q, task_logs_answers{});
  REQUIRE(empty);
  CHECK(ids(*empty).empty());
  CHECK(empty->as_object().at("next_line_id") == "-1");
}

TEST_CASE(
    "ask handlers: answers of another kind than the question are an "
    "internal error") {
  view_fixture f;
  auto v = f.view();
  auto logs = logs_question(v, R"({"log_type": "stdout"})");
  auto r = task_logs_reply(v, logs, store_page({}));
  REQUIRE_FALSE(r);
  CHECK(r.error().code == monitor_errc::internal);
  CHECK(r.error().message ==
        "task_logs: the answers are not of the question's kind");
  auto h = task_history_reply(v, logs, task_logs_answers{});
  REQUIRE_FALSE(h);
  CHECK(h.error().code == monitor_errc::internal);
}

TEST_CASE("task_history: the question to the status store") {
  view_fixture f;
  auto q = task_history_question_of(
      f.view(), entry(R"({"job_id": "j", "node_id": "db11"})"));
  REQUIRE(q);
  const auto* h = std::get_if<history_question>(&*q);
  REQUIRE(h);
  CHECK(h->job == "j");
  CHECK(h->node == std::optional<std::string>{"db11"});

  auto v = f.view();
  CHECK(refusal(task_history_question_of, v, R"({"node_id": "db11"})") ==
        "bad_request");
  CHECK(refusal(task_history_question_of, v, R"({"job_id": "j"})") ==
        "bad_request");
  CHECK(refusal(task_history_question_of, v,
                R"({"job_id": "", "node_id": "db11"})") == "bad_request");
  // Unknown names are for the answer to judge: the store may remember them.
  CHECK(refusal(task_history_question_of, v,
                R"({"job_id": "gone", "node_id": "db11"})") == "");

  f.keeps_history = false;
  auto refused = task_history_question_of(
      f.view(), entry(R"({"job_id": "j", "node_id": "db11"})"));
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code == monitor_errc::bad_request);
  CHECK(refused.error().message.starts_with("no run history"));
}

TEST_CASE("task_history: the store's runs, or why there are none") {
  view_fixture f;
  auto v = f.view();
  auto ask = [&](std::string_view text) {
    auto q = task_history_question_of(v, entry(text));
    REQUIRE(q);
    return *q;
  };
  auto q = ask(R"({"job_id": "j", "node_id": "db11"})");
  auto reply = task_history_reply(v, q, store_page({run_on("db11", 7)}));
  REQUIRE(reply);
  CHECK(*reply == json::object{{"job", "j"},
                               {"node", "db11"},
                               {"history",
                                json::array{json::object{{"run_id", "7"},
                                                         {"label", "done"},
                                                         {"start_ms", 1000},
                                                         {"end_ms", 2000},
                                                         {"worker", "w1"},
                                                         {"message", "ok"}}}}});

  auto empty = task_history_reply(v, q, store_page({}));
  REQUIRE(empty);
  CHECK(empty->as_object().at("history").as_array().empty());

  // Typos are not_found, unless the store remembers runs of the name.
  auto unknown_job = ask(R"({"job_id": "gone", "node_id": "db11"})");
  auto r1 = task_history_reply(v, unknown_job, store_page({}));
  REQUIRE_FALSE(r1);
  CHECK(r1.error().code == monitor_errc::not_found);
  CHECK(r1.error().message == "Unknown job gone");
  auto unknown_node = ask(R"({"job_id": "j", "node_id": "db99"})");
  auto r2 = task_history_reply(v, unknown_node, store_page({}));
  REQUIRE_FALSE(r2);
  CHECK(r2.error().message == "Unknown node db99");
  CHECK(task_history_reply(v, unknown_job, store_page({run_on("db11", 1)})));
  // Before the first config nothing can be judged a typo.
  CHECK(
      task_history_reply(f.view_without_config(), unknown_job, store_page({})));

  auto failed = task_history_reply(v, q, store_page({}, "mdb_get: EIO"));
  REQUIRE_FALSE(failed);
  CHECK(failed.error().code == monitor_errc::unavailable);
  CHECK(failed.error().message == "mdb_get: EIO");
  auto silent_store =
      task_history_reply(v, q, history_answer{nullptr, "request_timeout"});
  REQUIRE_FALSE(silent_store);
  CHECK(silent_store.error().code == monitor_errc::unavailable);
  CHECK(silent_store.error().message ==
        "status store: no answer (request_timeout)");
}

TEST_CASE("job_history: the question to the status store, with its limit") {
  view_fixture f;
  auto v = f.view();
  auto limit_of = [&](std::string_view text) {
    auto q = job_history_question_of(v, entry(text));
    REQUIRE(q);
    const auto& h = std::get<history_question>(*q);
    CHECK(h.job == "j");
    CHECK_FALSE(h.node);
    return h.limit;
  };
  CHECK(limit_of(R"({"job_id": "j"})") == 100);
  CHECK(limit_of(R"({"job_id": "j", "limit": null})") == 100);
  CHECK(limit_of(R"({"job_id": "j", "limit": 5})") == 5);
  CHECK(limit_of(R"({"job_id": "j", "limit": "10000"})") == 10000);
  for (auto bad :
       {R"({"job_id": "j", "limit": 0})", R"({"job_id": "j", "limit": 10001})",
        R"({"job_id": "j", "limit": 18446744073709551615})",
        R"({"job_id": "j", "limit": "many"})",
        R"({"job_id": "j", "limit": 1.5})", R"({"limit": 5})"}) {
    INFO(bad);
    CHECK(refusal(job_history_question_of, v, bad) == "bad_request");
  }
  f.keeps_history = false;
  CHECK(refusal(job_history_question_of, f.view(), R"({"job_id": "j"})") ==
        "bad_request");
}

TEST_CASE("job_history: the store's runs with their nodes") {
  view_fixture f;
  auto v = f.view();
  auto q = job_history_question_of(v, entry(R"({"job_id": "j", "limit": 2})"));
  REQUIRE(q);
  auto runs = job_history_reply(
      v, *q, store_page({run_on("db12", 9), run_on("db11", 8)}));
  REQUIRE(runs);
  const auto& o = runs->as_object();
  CHECK(o.at("job") == "j");
  CHECK(o.at("limit") == 2);
  const auto& list = o.at("runs").as_array();
  REQUIRE(list.size() == 2);
  CHECK(list[0].as_object().at("node") == "db12");
  CHECK(list[0].as_object().at("run_id") == "9");
  CHECK(list[1].as_object().at("node") == "db11");

  auto gone = job_history_question_of(v, entry(R"({"job_id": "gone"})"));
  REQUIRE(gone);
  auto r = job_history_reply(v, *gone, store_page({}));
  REQUIRE_FALSE(r);
  CHECK(r.error().code == monitor_errc::not_found);
  CHECK(r.error().message == "Unknown job gone");
  CHECK(job_history_reply(v, *gone, store_page({run_on("db11", 1)})));
  auto failed =
      job_history_reply(v, *q, history_answer{nullptr, "the store is down"});
  REQUIRE_FALSE(failed);
  CHECK(failed.error().message ==
        "status store: no answer (the store is down)");
}
