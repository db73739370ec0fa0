// A job's actor alone, on CAF's deterministic test coordinator, with a
// status store that records what it is sent and commits only when the
// test says so: the round's questions answered from the actor's own row,
// its statuses following their node names into a new tree, and a result's
// acknowledgement waiting for the job's batch to be on disk.
#include "actors/jobs/job_actor.hpp"

#include <caf/all.hpp>
#include <caf/scheduler/test_coordinator.hpp>
#include <catch2/catch.hpp>

#include "actors/rounds/round_scheduler.hpp"
#include "actors/store/status_store.hpp"
#include "tests/support/scheduler_fixtures.hpp"
#include "tests/support/test_coordinator.hpp"

using namespace bistro;
using namespace bistro::testing;

namespace {

/// What the test store was sent, and the acknowledgements it holds back.
struct store_log {
  std::vector<stored_status> kept;
  std::vector<caf::typed_response_promise<bool>> waiting;
};

status_store_actor::behavior_type test_store(status_store_actor::pointer self,
                                             std::shared_ptr<store_log> log) {
  return {
      [=](join_atom, store_report_actor) {},
      [=](persist_atom, status_batch& batch) {
        log->kept.insert(log->kept.end(), batch.begin(), batch.end());
      },
      [=](persist_atom, status_batch& batch, ack_atom) -> caf::result<bool> {
        log->kept.insert(log->kept.end(), batch.begin(), batch.end());
        log->waiting.push_back(self->make_response_promise<bool>());
        return log->waiting.back();
      },
      [=](persist_atom, const std::string&, const std::string&) {},
      [=](prune_atom, const std::vector<std::string>&) {},
      [=](stop_atom) {},
      // The test's commit: every waiting acknowledgement is answered.
      [=](tick_atom) {
        for (auto& rp : log->waiting) rp.deliver(true);
        log->waiting.clear();
      },
      [=](history_atom, const std::string&, const std::string&) {
        return run_history_ptr{};
      },
      [=](history_atom, const std::string&, std::uint64_t) {
        return run_history_ptr{};
      },
  };
}

struct fixture : test_actor_system {
  std::shared_ptr<store_log> store_seen = std::make_shared<store_log>();
  status_store_actor store = sys.spawn(test_store, store_seen);
  job_actor job = spawn_job_actor(self.ptr(), {store});
  std::shared_ptr<const config> config_now;
  std::shared_ptr<const node_tree> tree_now;
  round_scheduler rounds;
  std::mt19937_64 rng{1};

  ~fixture() {
    caf::anon_send_exit(job, caf::exit_reason::user_shutdown);
    caf::anon_send_exit(store, caf::exit_reason::user_shutdown);
    sched.run();
  }

  /// A new (config, tree) for job 0, as the scheduler hands it over.
  void reset(std::shared_ptr<const config> c,
             std::shared_ptr<const node_tree> t,
             std::vector<std::pair<node_id, status_record>> restored = {}) {
    config_now = std::move(c);
    tree_now = std::move(t);
    rounds.reset(config_now, tree_now, rng);
    job_reset r;
    r.cfg = config_now;
    r.tree = tree_now;
    r.facts = rounds.side_facts();
    r.restored = std::move(restored);
    caf::anon_send(job, update_atom_v,
                   std::make_shared<const job_reset>(std::move(r)));
    sched.run();
  }

  template <class Answer, class... Ts>
  Answer ask(Ts&&... xs) {
    Answer out;
    auto answer = self->request(job, caf::infinite, std::forward<Ts>(xs)...);
    sched.run();
    answer.receive([&](std::shared_ptr<Answer>& a) { out = std::move(*a); },
                   [&](caf::error& e) { FAIL(sys.render(e)); });
    return out;
  }

  job_feed feed(std::int64_t now, bool scan, bool report_done) {
    return ask<job_feed>(feed_atom_v, now, scan, report_done, job_events_ptr{});
  }

  job_check check(job_check_question q) {
    return ask<job_check>(check_atom_v,
                          std::make_shared<job_check_question>(std::move(q)));
  }

  void tell(job_event event) {
    caf::anon_send(job, result_atom_v,
                   std::make_shared<const std::vector<job_event>>(
                       std::vector<job_event>{std::move(event)}));
    sched.run();
  }

  node_id node(const std::string& name) const {
    auto n = tree_now->find(name);
    REQUIRE(n);
    return *n;
  }

  std::vector<std::string> names(const std::vector<node_id>& nodes) const {
    std::vector<std::string> out;
    for (auto n : nodes) out.emplace_back(tree_now->name(n));
    std::sort(out.begin(), out.end());
    return out;
  }
};

const std::vector<std::string> all_dbs{"db11", "db12", "db21", "db22"};

}  // namespace

TEST_CASE("a job actor answers a round's questions from its own row") {
  fixture f;
  auto c = make_config(bistro_settings(), job("j"));
  f.reset(c, make_tree(*c, bistro_nodes()));
  // After a reset: no feed, every task a candidate.
  auto fed = f.feed(1000, true, true);
  CHECK(fed.runnable.empty());
  CHECK(fed.done.empty());
  auto scanned = f.check({1000, true, {}, {}});
  CHECK(f.names(scanned.candidates) == all_dbs);

  // The round took slots for two tasks: both start, their "running"
  // statuses go to the store with the runs that start them.
  job_start_order order;
  order.starts.now_ms = 1000;
  order.starts.nodes = {f.node("db11"), f.node("db21")};
  order.runs = {{7, "w1", 1000, 0}, {8, "w1", 1000, 0}};
  auto started = f.ask<job_started>(
      run_atom_v, std::make_shared<const job_start_order>(order));
  CHECK(started.accepted == std::vector<std::uint8_t>{1, 1});
  // Asked again, they are running already: refused.
  auto again = f.ask<job_started>(
      run_atom_v, std::make_shared<const job_start_order>(order));
  CHECK(again.accepted == std::vector<std::uint8_t>{0, 0});
  CHECK(f.feed(1000, false, true).running == 2);

  // Sent to the store as the job answered: no `persist` needed.
  REQUIRE(f.store_seen->kept.size() == 2);
  CHECK(f.store_seen->kept[0].node == "db11");
  CHECK(f.store_seen->kept[0].run_id == 7);
  CHECK(f.store_seen->kept[0].status.label == status_label::running);
  CHECK(f.store_seen->kept[1].worker == "w1");

  // One ends done, one fails with a 10 s backoff: the feed reports the
  // done one to dependents and the backoff's end as the next wake-up.
  f.tell({task_ended{f.node("db11"),
                     {status_label::done, "", ""},
                     2000,
                     {7, "w1", 1000, 2000}}});
  f.tell({task_ended{
      f.node("db21"), {status_label::error_backoff, "", "boom"}, 2000, {}}});
  auto after = f.feed(2000, false, true);
  CHECK(f.names(after.done) == std::vector<std::string>{"db11"});
  CHECK(after.running == 0);
  REQUIRE(after.next_backoff_ms);
  CHECK(*after.next_backoff_ms > 2000);
  // The backed-off task is no candidate yet; the untouched one is.
  auto checked = f.check({2000, false, {}, {f.node("db21"), f.node("db12")}});
  CHECK(f.names(checked.candidates) == std::vector<std::string>{"db12"});
  CHECK(f.names(checked.rest) == std::vector<std::string>{"db21"});
}

TEST_CASE("a job actor's statuses follow their node names into a new tree") {
  fixture f;
  auto c = make_config(bistro_settings(), job("j"));
  f.reset(c, make_tree(*c, bistro_nodes()));
  f.tell({task_ended{f.node("db22"), {status_label::done, "", ""}, 1000, {}}});
  // A new tree where db22 has another id: host0 comes first.
  auto nodes = bistro_nodes();
  nodes.insert(nodes.begin(), {{"host0", ""}, {"db01", "host0"}});
  f.reset(c, make_tree(*c, nodes));
  auto fed = f.feed(2000, true, true);
  CHECK(f.names(fed.done) == std::vector<std::string>{"db22"});
  auto scanned = f.check({2000, true, {}, {}});
  CHECK(f.names(scanned.candidates) ==
        std::vector<std::string>{"db01", "db11", "db12", "db21"});
}

TEST_CASE("a job actor's acknowledgement waits for its batch on disk") {
  fixture f;
  auto c = make_config(bistro_settings(), job("j"));
  f.reset(c, make_tree(*c, bistro_nodes()));
  f.tell({task_ended{f.node("db11"), {status_label::done, "", ""}, 1000, {}}});
  // The worker's side, as the scheduler delegates it: answered once the
  // job's statuses so far are on disk.
  auto acked = std::make_shared<std::optional<bool>>();
  f.sys.spawn([job = f.job, acked](caf::event_based_actor* worker) {
    worker->request(job, caf::infinite, persist_atom_v, ack_atom_v)
        .then([acked](bool ok) { *acked = ok; });
  });
  f.sched.run();
  // The status waits for the next round: its `feed` sends the batch.
  CHECK(f.store_seen->kept.empty());
  CHECK_FALSE(*acked);
  f.feed(2000, false, false);
  REQUIRE(f.store_seen->kept.size() == 1);
  CHECK(f.store_seen->kept[0].status.label == status_label::done);
  // Sent, not yet on disk: no answer until the store commits.
  CHECK_FALSE(*acked);
  caf::anon_send(f.store, tick_atom_v);
  f.sched.run();
  REQUIRE(*acked);
  CHECK(**acked);
}

TEST_CASE("a late result counts only while its task still shows its run") {
  fixture f;
  auto c = make_config(bistro_settings(), job("j"));
  status_record running;
  running.label = status_label::running;
  auto tree = make_tree(*c, bistro_nodes());
  const node_id db11 = *tree->find("db11");
  f.reset(c, tree, {{db11, running}});
  // Restored running: a result that ended while the scheduler was down
  // counts.
  f.tell({late_task_ended{
      task_ended{db11, {status_label::done, "", ""}, 1000, {5, "", 0, 900}},
      true, "j on db11"}});
  CHECK(f.names(f.feed(1000, false, true).done) ==
        std::vector<std::string>{"db11"});
  // A second copy finds it done: ignored (still done, nothing new fed).
  f.tell({late_task_ended{
      task_ended{db11, {status_label::error_backoff, "", ""}, 1100, {}}, true,
      "j on db11"}});
  auto fed = f.feed(1200, false, true);
  CHECK(fed.done.empty());
  CHECK_FALSE(fed.next_backoff_ms);
}

TEST_CASE(
    "a round's feed carries the job's events, applied before it answers") {
  fixture f;
  auto c = make_config(bistro_settings(), job("j"));
  f.reset(c, make_tree(*c, bistro_nodes()));
  f.feed(1000, true, true);
  auto events =
      std::make_shared<const std::vector<job_event>>(std::vector<job_event>{
          {task_ended{f.node("db12"), {status_label::done, "", ""}, 1500, {}}},
          {task_ended{
              f.node("db22"), {status_label::failed, "", "no"}, 1500, {}}}});
  auto fed =
      f.ask<job_feed>(feed_atom_v, std::int64_t{2000}, false, true, events);
  CHECK(f.names(fed.done) == std::vector<std::string>{"db12"});
  // Their statuses went to the store as the job answered.
  REQUIRE(f.store_seen->kept.size() == 2);
  CHECK(f.store_seen->kept[1].status.label == status_label::failed);
}
