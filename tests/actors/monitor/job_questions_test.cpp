// One job's answer to what the monitor asks of its status row, straight
// from answer_job_question over rows the test sets: no handler, no view.
#include "actors/monitor/job_questions.hpp"

#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include "tests/actors/monitor/view_fixture.hpp"

using namespace bistro;
using namespace bistro::testing;
namespace json = boost::json;

namespace {

/// Bistro's fixture with db22 disabled; job j runs everywhere, job w only
/// on db11 (its filter avoids the rest).
struct with_exclusions : view_fixture {
  with_exclusions()
      : view_fixture{
            job("j") + ", " +
            job("w", R"("filters": {"db": {"whitelist": ["db11"]}})")} {
    tree = make_tree(*cfg, {{"host1", ""},
                            {"db11", "host1"},
                            {"db12", "host1"},
                            {"host2", ""},
                            {"db21", "host2"},
                            {"db22", "host2", false}});
    reset_rows();
  }

  node_id node(const std::string& name) const {
    auto n = tree->find(name);
    REQUIRE(n);
    return *n;
  }

  job_answer answer(const job_question& q) {
    return answer_job_question(*rows.at(q.job), facts(), q);
  }
};

/// A question to job `j` that asks nothing yet.
job_question about(std::size_t j) {
  job_question q;
  q.job = j;
  return q;
}

job_question counts_of(std::size_t j) {
  auto q = about(j);
  q.counts = true;
  return q;
}

job_question failed_of(std::size_t j, std::size_t limit) {
  auto q = about(j);
  q.failed_limit = limit;
  return q;
}

/// A page of job `j`'s tasks.
job_question page_of(std::size_t j, std::size_t limit,
                     std::optional<node_id> after = std::nullopt,
                     std::optional<task_status_filter> only = std::nullopt) {
  auto q = about(j);
  q.page = task_page_question{};
  q.page->after = after;
  q.page->only = std::move(only);
  q.page->limit = limit;
  return q;
}

using strings = std::vector<std::string>;

/// The node names of a page, in its order.
strings names(const std::vector<listed_task>& page) {
  strings out;
  for (const auto& t : page) out.push_back(t.node);
  return out;
}

}  // namespace

TEST_CASE("job questions: an answer has only the parts asked for") {
  with_exclusions f;
  auto a = f.answer(about(1));
  CHECK(a.job == 1);
  CHECK_FALSE(a.counts);
  CHECK_FALSE(a.histogram);
  CHECK_FALSE(a.failed);
  CHECK(a.page.empty());
  CHECK(a.records.empty());
}

TEST_CASE("job questions: counts are of the job's own level, by shown status") {
  with_exclusions f;
  f.set("j", "db11", status_label::done);
  f.set("j", "db12", status_label::failed);
  auto j = f.answer(counts_of(0));
  REQUIRE(j.counts);
  // Host nodes are not tasks; db22 is disabled, so its task is not pending.
  CHECK(*j.counts == json::parse(R"({"done": 1, "failed": 1,
                                     "never_started": 1, "disabled": 1})"));
  auto w = f.answer(counts_of(1));
  REQUIRE(w.counts);
  CHECK(*w.counts == json::parse(R"({"never_started": 1, "avoided": 2,
                                     "disabled": 1})"));
  // A task that ran on an excluded node shows its own status.
  f.set("w", "db12", status_label::done);
  CHECK(*f.answer(counts_of(1)).counts ==
        json::parse(R"({"done": 1, "never_started": 1, "avoided": 1,
                        "disabled": 1})"));
}

TEST_CASE("job questions: the histogram is Bistro's at the facts' time") {
  with_exclusions f;
  status_record waiting;
  waiting.label = status_label::error_backoff;
  waiting.backoff_until_ms = 150000;
  f.rows[0]->restore(f.node("db11"), waiting);
  f.now_ms = 100000;
  auto q = about(0);
  q.histogram_samples = 1;
  auto during = f.answer(q);
  REQUIRE(during.histogram);
  auto bistro =
      make_bistro_histogram(*f.cfg, *f.tree, 0, *f.rows[0],
                            f.exclusions.get(f.cfg, f.tree), 100000, 1);
  CHECK(during.histogram->counts == bistro.counts);
  CHECK(during.histogram->samples == bistro.samples);
  CHECK_FALSE(during.histogram->samples.empty());
  // Once the backoff is over the task is no longer shown waiting; no
  // samples when none are asked for.
  f.now_ms = 200000;
  q.histogram_samples = 0;
  auto after = f.answer(q);
  REQUIRE(after.histogram);
  CHECK(after.histogram->counts != during.histogram->counts);
  CHECK(after.histogram->samples.empty());
}

TEST_CASE("job questions: failed nodes up to the limit, and how many more") {
  with_exclusions f;
  auto clean = f.answer(failed_of(0, 2));
  REQUIRE(clean.failed);
  CHECK(clean.failed->names.empty());
  CHECK(clean.failed->more == 0);
  for (auto n : {"db11", "db12", "db21"}) f.set("j", n, status_label::failed);
  auto two = f.answer(failed_of(0, 2));
  REQUIRE(two.failed);
  CHECK(two.failed->names == strings{"db11", "db12"});
  CHECK(two.failed->more == 1);
  auto none = f.answer(failed_of(0, 0));
  REQUIRE(none.failed);
  CHECK(none.failed->names.empty());
  CHECK(none.failed->more == 3);
}

TEST_CASE("job questions: a page of tasks in tree order, from a cursor") {
  with_exclusions f;
  f.set("j", "db11", status_label::done);
  f.set("j", "db12", status_label::running);
  auto all = f.answer(page_of(0, 10));
  CHECK(names(all.page) == strings{"db11", "db12", "db21", "db22"});
  CHECK(all.page[0].label == status_label::done);
  CHECK(all.page[0].status ==
        status_to_json(f.rows[0]->record(f.node("db11"))));
  CHECK(all.page[1].label == status_label::running);
  CHECK(all.page[2].status.at("label") == "never_started");
  // A never-started task on a disabled node is shown as such.
  CHECK(all.page[3].label == status_label::never_started);
  CHECK(all.page[3].status.at("label") == "disabled");
  CHECK(names(f.answer(page_of(0, 2)).page) == strings{"db11", "db12"});
  CHECK(names(f.answer(page_of(0, 10, f.node("db12"))).page) ==
        strings{"db21", "db22"});
  CHECK(names(f.answer(page_of(0, 1, f.node("db12"))).page) == strings{"db21"});
  // A cursor off the job's level starts after it in tree order.
  CHECK(names(f.answer(page_of(0, 10, f.node("host2"))).page) ==
        strings{"db21", "db22"});
}

TEST_CASE("job questions: a page keeps the tasks of one shown status") {
  with_exclusions f;
  f.set("w", "db11", status_label::failed);
  auto only = [&](status_label label, std::string shown, std::size_t limit) {
    return f.answer(page_of(1, limit, std::nullopt,
                            task_status_filter{label, std::move(shown)}));
  };
  CHECK(names(only(status_label::failed, "failed", 10).page) ==
        strings{"db11"});
  // Never started is split by why: pending, avoided by the job's filter,
  // or on a disabled node.
  CHECK(only(status_label::never_started, "never_started", 10).page.empty());
  CHECK(names(only(status_label::never_started, "avoided", 10).page) ==
        strings{"db12", "db21"});
  auto one = only(status_label::never_started, "avoided", 1);
  CHECK(names(one.page) == strings{"db12"});
  CHECK(one.page[0].status.at("label") == "avoided");
  CHECK(names(only(status_label::never_started, "disabled", 10).page) ==
        strings{"db22"});
  CHECK(only(status_label::running, "running", 10).page.empty());
}

TEST_CASE("job questions: the records of the nodes asked, in their order") {
  with_exclusions f;
  f.set("j", "db21", status_label::failed);
  auto q = about(0);
  q.records_of = {f.node("db21"), f.node("db11")};
  auto a = f.answer(q);
  REQUIRE(a.records.size() == 2);
  CHECK(a.records[0] == f.rows[0]->record(f.node("db21")));
  CHECK(a.records[0].label == status_label::failed);
  CHECK(a.records[1].label == status_label::never_started);
}
