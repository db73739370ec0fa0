// The task-log writer with a real LMDB store: a batch's streams land in
// their logs and a query sent after a batch sees it; a batch sent before
// `stop` is on disk once the writer has ended; lines past the retention
// are pruned when the writer starts.
#include "actors/workers/task_log_writer.hpp"

#include <caf/all.hpp>
#include <catch2/catch.hpp>

#include "tests/support/e2e_support.hpp"

using namespace bistro;
using namespace bistro::testing;

namespace {

std::unique_ptr<task_log_store> open_store(const std::string& dir) {
  auto opened = task_log_store::open(dir);
  REQUIRE(std::holds_alternative<std::unique_ptr<task_log_store>>(opened));
  return std::move(std::get<std::unique_ptr<task_log_store>>(opened));
}

log_request request_for(log_type type) {
  log_request req;
  req.type = type;
  req.ascending = true;
  return req;
}

log_reply ask(caf::actor_system& sys, const task_log_writer_actor& writer,
              const log_request& req) {
  caf::scoped_actor self{sys};
  log_reply reply;
  self->request(writer, std::chrono::seconds(10), logs_atom_v, req)
      .receive([&](log_reply& r) { reply = std::move(r); },
               [&](caf::error& e) { FAIL(sys.render(e)); });
  return reply;
}

std::vector<std::string> texts(const log_reply& reply) {
  std::vector<std::string> out;
  for (const auto& l : reply.lines) out.push_back(l.line);
  return out;
}

}  // namespace

TEST_CASE(
    "the writer stores each stream of a batch; a query after it sees it") {
  temp_dir dir;
  caf::actor_system_config cfg;
  caf::actor_system sys{cfg};
  auto writer = spawn_task_log_writer(sys, {open_store(dir.file("logs"))});
  auto now = wall_ms_now();
  task_log_batch batch;
  batch.out = {{"j", "n1", now, "out one"}, {"j", "n1", now, "out two"}};
  batch.err = {{"j", "n1", now, "err one"}};
  batch.statuses = {{"j", "n1", now, "started run 1"}};
  caf::anon_send(writer, save_atom_v, std::move(batch));
  CHECK(texts(ask(sys, writer, request_for(log_type::stdout_log))) ==
        std::vector<std::string>{"out one", "out two"});
  CHECK(texts(ask(sys, writer, request_for(log_type::stderr_log))) ==
        std::vector<std::string>{"err one"});
  CHECK(texts(ask(sys, writer, request_for(log_type::statuses))) ==
        std::vector<std::string>{"started run 1"});
  auto bad = request_for(log_type::stdout_log);
  bad.type = static_cast<log_type>(9);  // as a peer could send it
  CHECK(ask(sys, writer, bad).error == "unknown log type 9");
  caf::anon_send(writer, stop_atom_v);
}

TEST_CASE("a batch sent before stop is on disk once the writer has ended") {
  temp_dir dir;
  {
    caf::actor_system_config cfg;
    caf::actor_system sys{cfg};
    auto writer = spawn_task_log_writer(sys, {open_store(dir.file("logs"))});
    task_log_batch batch;
    batch.statuses = {{"j", "n1", wall_ms_now(), "done (exit 0)"}};
    caf::anon_send(writer, save_atom_v, std::move(batch));
    caf::anon_send(writer, stop_atom_v);
    // The system's end waits for the writer: it must end by itself.
  }
  auto store = open_store(dir.file("logs"));
  log_query q;
  q.type = log_type::statuses;
  auto page = store->query(q);
  REQUIRE(std::holds_alternative<log_page>(page));
  REQUIRE(std::get<log_page>(page).lines.size() == 1);
  CHECK(std::get<log_page>(page).lines[0].line == "done (exit 0)");
}

TEST_CASE("lines older than the retention are pruned when the writer starts") {
  temp_dir dir;
  auto now = wall_ms_now();
  {
    auto store = open_store(dir.file("logs"));
    std::vector<log_entry> lines{{"j", "n1", now - 7200 * 1000, "old"},
                                 {"j", "n1", now, "new"}};
    REQUIRE_FALSE(store->append(log_type::stdout_log, lines));
  }
  caf::actor_system_config cfg;
  caf::actor_system sys{cfg};
  auto writer =
      spawn_task_log_writer(sys, {open_store(dir.file("logs")), 3600, 3600});
  // The first prune runs as the writer starts; a query may come first.
  std::vector<std::string> seen;
  auto deadline = steady_ms() + 10000;
  do {
    seen = texts(ask(sys, writer, request_for(log_type::stdout_log)));
  } while (seen.size() > 1 && steady_ms() < deadline);
  CHECK(seen == std::vector<std::string>{"new"});
  caf::anon_send(writer, stop_atom_v);
}
