#include "actors/jobs/job_status_row.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <vector>

using namespace bistro;

namespace {

constexpr std::int64_t t0 = 1'700'000'000'000;  // ms since the epoch
constexpr std::int64_t sec = 1000;

const backoff_settings fail_after_three{{5, 15, 60}, false};
const backoff_settings repeat_last{{5, 15}, true};

parsed_status status(status_label label, std::string data = {}) {
  return parsed_status{label, std::move(data), {}};
}

// Runs the task and reports `label` at `now`; returns the backoff deadline.
std::optional<std::int64_t> run(job_status_row& row, node_id node,
                                std::int64_t now, status_label label,
                                const backoff_settings& backoff) {
  row.mark_running(node, now);
  row.apply(node, status(label), now, backoff);
  return row.backoff_until_ms(node);
}

std::vector<node_id> sorted(std::vector<node_id> v) {
  std::sort(v.begin(), v.end());
  return v;
}

}  // namespace

TEST_CASE("an entry without data takes at most 32 bytes") {
  STATIC_REQUIRE(job_status_row::entry_bytes <= 32);
  CHECK(job_status_row::entry_bytes == 24);
}

TEST_CASE("new nodes are never_started and runnable") {
  job_status_row row(3);
  CHECK(row.size() == 3);
  CHECK(row.label(2) == status_label::never_started);
  CHECK(row.runnable_at(2, t0));
  CHECK_FALSE(row.backoff_until_ms(2));
  CHECK(row.data(2).empty());
  CHECK(row.count(status_label::never_started) == 3);
}

TEST_CASE("errors wait 5, 15, 60 seconds and the fourth fails the task") {
  job_status_row row(1);
  auto now = t0;
  for (std::int64_t wait : {5, 15, 60}) {
    CHECK(run(row, 0, now, status_label::error_backoff, fail_after_three) ==
          now + wait * sec);
    CHECK(row.label(0) == status_label::error_backoff);
    now += wait * sec;
  }
  CHECK(row.backoff_step(0) == 3);
  CHECK_FALSE(run(row, 0, now, status_label::error_backoff, fail_after_three));
  CHECK(row.label(0) == status_label::failed);
  CHECK_FALSE(row.runnable_at(0, now + 1'000'000 * sec));
}

TEST_CASE("with repeat, errors wait 5, 15, 15, 15 and never fail") {
  job_status_row row(1);
  auto now = t0;
  for (std::int64_t wait : {5, 15, 15, 15, 15, 15}) {
    CHECK(run(row, 0, now, status_label::error_backoff, repeat_last) ==
          now + wait * sec);
    now += wait * sec;
  }
  CHECK(row.label(0) == status_label::error_backoff);
}

TEST_CASE("incomplete resets the backoff step and is runnable at once") {
  job_status_row row(1);
  run(row, 0, t0, status_label::error_backoff, fail_after_three);
  run(row, 0, t0 + 5 * sec, status_label::error_backoff, fail_after_three);
  CHECK(row.backoff_step(0) == 2);
  auto now = t0 + 20 * sec;
  CHECK_FALSE(run(row, 0, now, status_label::incomplete, fail_after_three));
  CHECK(row.backoff_step(0) == 0);
  CHECK(row.runnable_at(0, now));
  CHECK(run(row, 0, now, status_label::error_backoff, fail_after_three) ==
        now + 5 * sec);
}

TEST_CASE("incomplete_backoff waits the current value without advancing") {
  job_status_row row(1);
  // No error yet: the first value.
  CHECK(run(row, 0, t0, status_label::incomplete_backoff, fail_after_three) ==
        t0 + 5 * sec);
  CHECK(row.backoff_step(0) == 0);
  auto now = t0 + 5 * sec;
  run(row, 0, now, status_label::error_backoff, fail_after_three);
  now += 5 * sec;
  run(row, 0, now, status_label::error_backoff, fail_after_three);
  now += 15 * sec;
  for (int i = 0; i < 5; ++i) {
    CHECK(run(row, 0, now, status_label::incomplete_backoff,
              fail_after_three) == now + 15 * sec);
    now += 15 * sec;
  }
  CHECK(row.backoff_step(0) == 2);
  // The next error is still the third one.
  CHECK(run(row, 0, now, status_label::error_backoff, fail_after_three) ==
        now + 60 * sec);
}

TEST_CASE("incomplete_backoff with no waits configured waits 60 seconds") {
  job_status_row row(1);
  backoff_settings fail_at_once{{}, false};
  CHECK(run(row, 0, t0, status_label::incomplete_backoff, fail_at_once) ==
        t0 + 60 * sec);
  run(row, 0, t0 + 60 * sec, status_label::error_backoff, fail_at_once);
  CHECK(row.label(0) == status_label::failed);
}

TEST_CASE("done and failed end the task") {
  job_status_row row(2);
  run(row, 0, t0, status_label::done, fail_after_three);
  run(row, 1, t0, status_label::failed, fail_after_three);
  CHECK(row.label(0) == status_label::done);
  CHECK(row.label(1) == status_label::failed);
  CHECK_FALSE(row.runnable_at(0, t0 + 1'000'000 * sec));
  CHECK_FALSE(row.runnable_at(1, t0 + 1'000'000 * sec));
}

TEST_CASE("a running task is not runnable") {
  job_status_row row(1);
  row.mark_running(0, t0);
  CHECK(row.label(0) == status_label::running);
  CHECK_FALSE(row.runnable_at(0, t0 + 1'000'000 * sec));
}

TEST_CASE("runnable_at is false before the deadline and true from it on") {
  job_status_row row(1);
  run(row, 0, t0, status_label::error_backoff, fail_after_three);
  CHECK_FALSE(row.runnable_at(0, t0));
  CHECK_FALSE(row.runnable_at(0, t0 + 5 * sec - 1));
  CHECK(row.runnable_at(0, t0 + 5 * sec));
  CHECK(row.runnable_at(0, t0 + 50 * sec));
}

TEST_CASE("forgive makes a failed task runnable with a fresh step") {
  job_status_row row(1);
  auto now = t0;
  for (int i = 0; i < 4; ++i) {
    run(row, 0, now, status_label::error_backoff, fail_after_three);
    now += 60 * sec;
  }
  REQUIRE(row.label(0) == status_label::failed);
  row.forgive(0);
  CHECK(row.runnable_at(0, now));
  CHECK(row.backoff_step(0) == 0);
  CHECK(row.count(status_label::failed) == 0);
  CHECK(run(row, 0, now, status_label::error_backoff, fail_after_three) ==
        now + 5 * sec);
}

TEST_CASE("forgive_all ends every backoff and failure but not done") {
  job_status_row row(3);
  run(row, 0, t0, status_label::error_backoff, fail_after_three);
  run(row, 1, t0, status_label::failed, fail_after_three);
  run(row, 2, t0, status_label::done, fail_after_three);
  row.forgive_all();
  CHECK(row.runnable_at(0, t0));
  CHECK_FALSE(row.backoff_until_ms(0));
  CHECK(row.runnable_at(1, t0));
  CHECK_FALSE(row.runnable_at(2, t0));
}

TEST_CASE("a lost worker's task waits the safety backoff, using no retry") {
  job_status_row row(1);
  run(row, 0, t0, status_label::error_backoff, fail_after_three);
  auto now = t0 + 5 * sec;
  row.mark_running(0, now);
  CHECK(row.mark_worker_lost(0, now, 300 * sec, fail_after_three));
  CHECK(row.label(0) == status_label::worker_lost);
  CHECK(row.backoff_until_ms(0) == now + 300 * sec);
  CHECK(row.backoff_step(0) == 1);
  CHECK(row.message(0) == "worker lost");
  CHECK_FALSE(row.runnable_at(0, now + 299 * sec));
  // Forgiving does not cut the safety wait short.
  row.forgive(0);
  CHECK(row.backoff_until_ms(0) == now + 300 * sec);
}

TEST_CASE("a lost worker's task waits the current backoff if that is longer") {
  job_status_row row(1);
  row.mark_running(0, t0);
  CHECK(row.mark_worker_lost(0, t0, 1 * sec, fail_after_three));
  CHECK(row.backoff_until_ms(0) == t0 + 5 * sec);
}

TEST_CASE("a later real status overwrites worker_lost") {
  job_status_row row(1);
  row.mark_running(0, t0);
  row.mark_worker_lost(0, t0, 300 * sec, fail_after_three);
  row.apply(0, status(status_label::incomplete, R"({"k":1})"), t0 + sec,
            fail_after_three);
  CHECK(row.label(0) == status_label::incomplete);
  CHECK(row.runnable_at(0, t0 + sec));
  CHECK(row.data(0) == R"({"k":1})");
  CHECK(row.message(0).empty());
  CHECK(row.count(status_label::worker_lost) == 0);
}

TEST_CASE("worker_lost does not overwrite a status that already arrived") {
  job_status_row row(1);
  run(row, 0, t0, status_label::done, fail_after_three);
  CHECK_FALSE(row.mark_worker_lost(0, t0, 300 * sec, fail_after_three));
  row.apply(0, status(status_label::worker_lost), t0, fail_after_three);
  row.apply(0, status(status_label::was_not_running), t0, fail_after_three);
  CHECK(row.label(0) == status_label::done);
}

TEST_CASE("was_not_running is runnable at once and keeps the data") {
  job_status_row row(1);
  run(row, 0, t0, status_label::incomplete, fail_after_three);
  row.apply(0, status(status_label::incomplete, R"({"a":1})"), t0,
            fail_after_three);
  row.mark_running(0, t0);
  row.apply(0, status(status_label::was_not_running), t0, fail_after_three);
  CHECK(row.label(0) == status_label::was_not_running);
  CHECK(row.runnable_at(0, t0));
  CHECK(row.data(0) == R"({"a":1})");
  CHECK(row.record(0).overwriteable);
}

TEST_CASE("data is kept for the next run and replaced by the next status") {
  job_status_row row(2);
  row.mark_running(0, t0);
  row.apply(0, status(status_label::incomplete, R"({"cursor":7})"), t0,
            fail_after_three);
  CHECK(row.data(0) == R"({"cursor":7})");
  CHECK(row.data(1).empty());
  row.mark_running(0, t0 + sec);
  CHECK(row.data(0) == R"({"cursor":7})");  // still there for prev_status
  row.apply(0, status(status_label::done), t0 + 2 * sec, fail_after_three);
  CHECK(row.data(0).empty());
}

TEST_CASE("a running task's record keeps its status from before the run") {
  job_status_row row(2);
  CHECK_FALSE(row.record(0).before_run);
  row.mark_running(0, t0);
  row.apply(0, parse_status_line("garbage"), t0 + sec, fail_after_three);
  const auto before = row.record(0);
  REQUIRE(before.label == status_label::error_backoff);
  row.mark_running(0, t0 + 5 * sec);
  auto running = row.record(0);
  REQUIRE(running.before_run);
  CHECK(running.before_run->label == status_label::error_backoff);
  CHECK(running.before_run->updated_ms == t0 + sec);
  CHECK(running.before_run->backoff_until_ms == before.backoff_until_ms);
  CHECK(running.before_run->backoff_step == 1);
  CHECK(running.before_run->message == before.message);

  SECTION("restored after a restart, as the store gives it back") {
    job_status_row again(2);
    again.restore(0, running);
    CHECK(again.record(0) == running);
  }
  SECTION("gone once the run ends") {
    row.apply(0, status(status_label::done), t0 + 6 * sec, fail_after_three);
    CHECK_FALSE(row.record(0).before_run);
  }
  SECTION("gone when the worker is lost") {
    CHECK(row.mark_worker_lost(0, t0 + 6 * sec, 0, fail_after_three));
    CHECK_FALSE(row.record(0).before_run);
  }
}

TEST_CASE("an unparseable status line backs off and records the message") {
  job_status_row row(1);
  row.mark_running(0, t0);
  row.apply(0, parse_status_line("garbage"), t0, fail_after_three);
  CHECK(row.label(0) == status_label::error_backoff);
  CHECK(row.message(0) == "cannot parse status: garbage");
  CHECK(row.backoff_until_ms(0) == t0 + 5 * sec);
}

TEST_CASE("a label past the enum backs off as an error, counted in range") {
  job_status_row row(1);
  row.mark_running(0, t0);
  row.apply(0, status(static_cast<status_label>(200)), t0, fail_after_three);
  CHECK(row.label(0) == status_label::error_backoff);
  CHECK(row.message(0) == "unknown status label 200");
  CHECK(row.backoff_until_ms(0) == t0 + 5 * sec);
  CHECK(row.count(status_label::error_backoff) == 1);
  CHECK(row.count(status_label::running) == 0);
}

TEST_CASE("counts per label follow every change") {
  job_status_row row(4);
  row.mark_running(0, t0);
  row.mark_running(1, t0);
  CHECK(row.count(status_label::running) == 2);
  CHECK(row.count(status_label::never_started) == 2);
  row.apply(0, status(status_label::done), t0, fail_after_three);
  row.apply(1, status(status_label::error_backoff), t0, fail_after_three);
  CHECK(row.count(status_label::running) == 0);
  CHECK(row.count(status_label::done) == 1);
  CHECK(row.count(status_label::error_backoff) == 1);
  row.resize(1);
  CHECK(row.count(status_label::done) == 1);
  CHECK(row.count(status_label::error_backoff) == 0);
  CHECK(row.count(status_label::never_started) == 0);
  row.resize(3);
  CHECK(row.count(status_label::never_started) == 2);
}

TEST_CASE("take_newly_runnable reports new nodes once") {
  job_status_row row(3);
  CHECK(sorted(row.take_newly_runnable(t0)) == std::vector<node_id>{0, 1, 2});
  CHECK(row.take_newly_runnable(t0).empty());
}

TEST_CASE("take_newly_runnable reports backoffs as they expire") {
  job_status_row row(3);
  row.take_newly_runnable(t0);
  run(row, 0, t0, status_label::error_backoff, fail_after_three);  // +5 s
  run(row, 1, t0, status_label::incomplete_backoff, repeat_last);  // +5 s
  run(row, 2, t0, status_label::error_backoff, backoff_settings{{30}, true});
  CHECK(row.next_backoff_expiry_ms() == t0 + 5 * sec);
  CHECK(row.take_newly_runnable(t0 + 5 * sec - 1).empty());
  CHECK(sorted(row.take_newly_runnable(t0 + 5 * sec)) ==
        std::vector<node_id>{0, 1});
  CHECK(row.next_backoff_expiry_ms() == t0 + 30 * sec);
  CHECK(row.take_newly_runnable(t0 + 29 * sec).empty());
  CHECK(row.take_newly_runnable(t0 + 31 * sec) == std::vector<node_id>{2});
  CHECK_FALSE(row.next_backoff_expiry_ms());
}

TEST_CASE("take_newly_runnable reports status changes and forgiveness") {
  job_status_row row(3);
  row.take_newly_runnable(t0);
  run(row, 0, t0, status_label::incomplete, fail_after_three);
  run(row, 1, t0, status_label::failed, fail_after_three);
  run(row, 2, t0, status_label::error_backoff, fail_after_three);
  CHECK(row.take_newly_runnable(t0) == std::vector<node_id>{0});
  row.forgive(1);
  row.forgive(2);
  CHECK(sorted(row.take_newly_runnable(t0)) == std::vector<node_id>{1, 2});
  // The forgiven backoff's old deadline is stale: not reported again.
  CHECK_FALSE(row.next_backoff_expiry_ms());
  CHECK(row.take_newly_runnable(t0 + 10 * sec).empty());
}

TEST_CASE("take_newly_runnable skips nodes that started running meanwhile") {
  job_status_row row(2);
  row.take_newly_runnable(t0);
  run(row, 0, t0, status_label::incomplete, fail_after_three);
  run(row, 1, t0, status_label::error_backoff, fail_after_three);
  row.mark_running(0, t0);
  row.forgive(1);
  row.mark_running(1, t0);
  CHECK(row.take_newly_runnable(t0 + 10 * sec).empty());
}

TEST_CASE("a backoff replaced by a later one is reported only at the end") {
  job_status_row row(1);
  row.take_newly_runnable(t0);
  run(row, 0, t0, status_label::error_backoff, fail_after_three);  // t0+5
  // A real status replaces the worker_lost wait, which is longer.
  row.mark_running(0, t0 + 5 * sec);
  row.mark_worker_lost(0, t0 + 5 * sec, 100 * sec, fail_after_three);
  CHECK(row.take_newly_runnable(t0 + 10 * sec).empty());
  CHECK(row.take_newly_runnable(t0 + 105 * sec) == std::vector<node_id>{0});
}

TEST_CASE("the heap of deadlines stays bounded under churn") {
  job_status_row row(10);
  auto now = t0;
  for (int i = 0; i < 100'000; ++i) {
    auto node = static_cast<node_id>(i % 10);
    run(row, node, now, status_label::incomplete_backoff, repeat_last);
    now += 1;
  }
  CHECK(row.memory_bytes() < 100'000);
  CHECK(row.next_backoff_expiry_ms() == now - 10 + 5 * sec);
}

TEST_CASE("a record round-trips through restore") {
  job_status_row row(2);
  row.mark_running(0, t0);
  row.apply(0, parsed_status{status_label::error_backoff, R"({"d":1})", "why"},
            t0, fail_after_three);
  auto r = row.record(0);
  CHECK(r.label == status_label::error_backoff);
  CHECK(r.backoff_step == 1);
  CHECK(r.backoff_until_ms == t0 + 5 * sec);
  CHECK(r.updated_ms == t0);
  CHECK(r.data == R"({"d":1})");
  CHECK(r.message == "why");
  row.restore(1, r);
  CHECK(row.record(1) == r);
  CHECK(row.count(status_label::error_backoff) == 2);
  row.take_newly_runnable(t0);
  CHECK(sorted(row.take_newly_runnable(t0 + 5 * sec)) ==
        std::vector<node_id>{0, 1});
}

TEST_CASE("take_changes reports each changed node once, as it stands") {
  using change = job_status_row::change;
  auto taken = [](job_status_row& row, std::int64_t now) {
    std::vector<std::tuple<node_id, bool, bool>> out;
    for (const change& c : row.take_changes(now))
      out.emplace_back(c.node, c.runnable, c.done);
    std::sort(out.begin(), out.end());
    return out;
  };
  using row_of = std::vector<std::tuple<node_id, bool, bool>>;
  job_status_row row(4);
  CHECK(taken(row, t0) == row_of{{0, true, false},
                                 {1, true, false},
                                 {2, true, false},
                                 {3, true, false}});
  CHECK(taken(row, t0).empty());
  // A start is a change: the task is no longer runnable.
  row.mark_running(0, t0);
  row.mark_running(1, t0);
  row.mark_running(2, t0);
  CHECK(taken(row, t0) ==
        row_of{{0, false, false}, {1, false, false}, {2, false, false}});
  // A result, a loss: changes, reported once even when changed twice.
  row.apply(0, status(status_label::done), t0, fail_after_three);
  row.apply(1, status(status_label::error_backoff), t0, fail_after_three);
  CHECK(row.mark_worker_lost(2, t0, 10 * sec, fail_after_three));
  row.forgive(3);  // never started: nothing to forgive, no change
  CHECK(taken(row, t0) ==
        row_of{{0, false, true}, {1, false, false}, {2, false, false}});
  // Backoffs that end are reported runnable, each at its time.
  CHECK(taken(row, t0 + 5 * sec) == row_of{{1, true, false}});
  CHECK(taken(row, t0 + 10 * sec) == row_of{{2, true, false}});
  // take_newly_runnable is the same feed, runnable ones only.
  row.mark_running(1, t0);
  row.apply(1, status(status_label::incomplete), t0, fail_after_three);
  row.mark_running(2, t0);
  CHECK(row.take_newly_runnable(t0) == std::vector<node_id>{1});
  CHECK(row.take_changes(t0).empty());
}

TEST_CASE("skip_changes drops what changed and the backoffs ended so far") {
  job_status_row row(3);
  run(row, 0, t0, status_label::error_backoff, fail_after_three);  // +5 s
  run(row, 1, t0, status_label::error_backoff, backoff_settings{{30}, true});
  row.skip_changes(t0 + 5 * sec);
  CHECK(row.take_changes(t0 + 5 * sec).empty());
  // A backoff that had not ended yet is still reported when it ends.
  auto later = row.take_changes(t0 + 30 * sec);
  REQUIRE(later.size() == 1);
  CHECK(later[0].node == 1);
  CHECK(later[0].runnable);
}
