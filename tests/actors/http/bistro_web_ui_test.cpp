// Bistro's web UI (its PHP app) against the real bistro_scheduler over a
// real socket. The requests are the ones the UI's fetcher builds (written
// here from a reading of its code): one POST to "/" with the body as a
// form post, entries `histograms`, `jobs`, `running_tasks`, `runtimes`,
// `refresh_time`, `errors` and `nodes`; and its task-log page's request,
// one entry per stream. The UI drops a scheduler whose answer lacks any
// entry's data or has an error in one, so every entry is checked, and
// then every key the UI reads from it.
#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <ctime>
#include <map>
#include <set>
#include <string_view>

#include "tests/actors/http/scheduler_under_test.hpp"

using namespace bistro::testing;
namespace json = boost::json;

namespace {

/// The jobs: one done on every node, one whose filter keeps only node11,
/// where it runs for a long time (so its other nodes are avoided).
const char* ui_jobs = R"(
  "bistro_job->simple_job": {"owner": "alice"},
  "bistro_job->slow_job": {"owner": "bob", "priority": 2,
    "depends_on": ["simple_job"],
    "filters": {"level2": {"whitelist": ["node11"]}}})";

/// The job-list request of the UI's fetcher for these jobs, with its
/// default preferences: 2 sample nodes, node names fetched.
json::object job_list_request(const std::vector<std::string>& job_ids) {
  json::array ids;
  for (const auto& j : job_ids) ids.emplace_back(j);
  json::object request{{"histograms", {{"handler", "histogram"}}},
                       {"jobs", {{"handler", "jobs"}}},
                       {"running_tasks", {{"handler", "running_tasks"}}},
                       {"runtimes", {{"handler", "job_node_runtime"}}},
                       {"refresh_time", {{"handler", "refresh_time"}}},
                       {"errors", {{"handler", "errors"}}}};
  if (!ids.empty())
    for (auto key : {"histograms", "jobs", "running_tasks", "runtimes"})
      request[key].as_object()["jobs"] = ids;
  request["histograms"].as_object()["num_samples"] = 2;
  request["nodes"] = json::object{{"handler", "sorted_node_names"}};
  return request;
}

/// POSTs `request` as the UI's curl does (a form post of the JSON text)
/// and checks what the UI's response parser checks: every requested key
/// answers a non-empty object with data and without error. Returns the
/// data by key.
json::object post_as_the_ui(const scheduler_under_test& s,
                            const json::object& request) {
  auto body = json::serialize(request);
  auto r = s.call("POST", "/", body,
                  {{"Content-Type", "application/x-www-form-urlencoded"},
                   {"Accept-Encoding", "deflate, gzip"}});
  INFO(body << " -> " << r.status << " " << r.body);
  REQUIRE(r.status == 200);
  auto reply = json::parse(r.body);
  REQUIRE(reply.is_object());
  json::object data;
  for (const auto& [key, ignored] : request) {
    INFO("entry " << key);
    const auto* value = reply.as_object().if_contains(key);
    REQUIRE(value);
    REQUIRE(value->is_object());
    REQUIRE_FALSE(value->as_object().empty());
    CHECK_FALSE(value->as_object().contains("error"));
    const auto* d = value->as_object().if_contains("data");
    REQUIRE(d);
    REQUIRE_FALSE(d->is_null());
    data[key] = *d;
  }
  return data;
}

/// The UI's decoding of a histogram key.
int decode_bits(std::string_view key) {
  constexpr std::string_view code =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  REQUIRE((key.size() == 1 || key.size() == 2));
  auto low = code.find(key[0]);
  REQUIRE(low != std::string_view::npos);
  int bits = static_cast<int>(low);
  if (key.size() == 2) {
    auto high = code.find(key[1]);
    REQUIRE(high != std::string_view::npos);
    bits |= static_cast<int>(high) << 6;
  }
  return bits;
}

constexpr int running_bit = 0x2, done_bit = 0x4, avoided_bit = 0x80;

/// level -> {bits -> count} of one job's histograms.
std::map<std::string, std::map<int, std::int64_t>> decoded(
    const json::value& histograms, const std::string& job) {
  std::map<std::string, std::map<int, std::int64_t>> out;
  for (const auto& [level, by_key] : histograms.at(job).as_object())
    for (const auto& [key, count] : by_key.as_object())
      out[level][decode_bits(key)] += count.to_number<std::int64_t>();
  return out;
}

}  // namespace

TEST_CASE("Bistro's web UI: the job list request gets every entry it reads") {
  scheduler_under_test s{ui_jobs};
  REQUIRE(eventually(
      [&] {
        return s.get_json("/api/running").as_object().contains("slow_job");
      },
      30000));

  // The UI first asks with no job ids (to learn them), then with them.
  auto all = post_as_the_ui(s, job_list_request({}));
  std::set<std::string> job_ids;
  for (const auto& [job, ignored] : all.at("jobs").as_object())
    job_ids.insert(std::string{job});
  CHECK(job_ids == std::set<std::string>{"simple_job", "slow_job"});
  auto d = post_as_the_ui(s, job_list_request({"simple_job", "slow_job"}));

  // jobs: what the fetcher and the health checker read of each job.
  for (const auto& job : job_ids) {
    INFO(job);
    const auto& j = d.at("jobs").at(job).as_object();
    CHECK(j.at("enabled") == true);  // compared with === true
    CHECK(j.at("owner").is_string());
    CHECK(j.at("priority").is_number());
    CHECK(j.at("level_for_tasks") == "level2");
    CHECK_FALSE(j.contains("errors"));
    CHECK(j.at("backoff").is_array());
    CHECK(j.at("task_subprocess").is_object());
    CHECK(j.at("kill_subprocess").is_object());
  }
  CHECK(d.at("jobs").at("slow_job").at("depends_on") ==
        json::parse(R"(["simple_job"])"));
  CHECK(d.at("jobs").at("slow_job").at("priority") == 2.0);

  // running_tasks and the older runtimes: start time and seconds run.
  auto now = static_cast<std::int64_t>(std::time(nullptr));
  const auto& run = d.at("running_tasks").at("slow_job").at("node11");
  auto start = run.at("start_time").to_number<std::int64_t>();
  CHECK(start <= now);
  CHECK(start > now - 60);
  auto runtime =
      d.at("runtimes").at("slow_job").at("node11").to_number<std::int64_t>();
  CHECK(runtime >= 0);
  CHECK(runtime <= now - start + 1);

  // refresh_time: seconds; the UI warns past 600 s of staleness.
  auto refresh = d.at("refresh_time").to_number<std::int64_t>();
  CHECK(refresh > now - 600);
  CHECK(refresh <= now + 1);
  CHECK(d.at("errors").as_object().empty());

  // nodes: level -> names, the counts the UI checks histograms against.
  const auto& nodes = d.at("nodes").as_object();
  CHECK(nodes.at("level2") ==
        json::parse(R"(["node11", "node12", "node21", "node22"])"));
  CHECK(nodes.at("level1") == json::parse(R"(["node1", "node2"])"));

  // histograms: per job, per level up to the instance, bits -> count.
  const auto& h = d.at("histograms");
  const auto& histograms = h.at("histograms");
  for (const auto& job : job_ids) {
    INFO(job);
    auto by_level = decoded(histograms, job);
    for (const auto& [level, names] : nodes) {
      if (level == "worker") continue;
      std::int64_t sum = 0;
      for (const auto& [bits, count] : by_level[std::string{level}])
        sum += count;
      INFO(level);
      CHECK(sum == static_cast<std::int64_t>(names.as_array().size()));
    }
    // Samples: at most 2 names per key, each a node of that level.
    for (const auto& [level, by_key] : h.at("samples").at(job).as_object()) {
      for (const auto& [key, names] : by_key.as_object()) {
        CHECK(names.as_array().size() <= 2);
        CHECK(histograms.at(job).at(level).as_object().contains(key));
      }
    }
  }
  auto simple = decoded(histograms, "simple_job");
  CHECK(simple["level2"] == std::map<int, std::int64_t>{{done_bit, 4}});
  CHECK(simple["level1"] == std::map<int, std::int64_t>{{done_bit, 2}});
  CHECK(simple["instance"] == std::map<int, std::int64_t>{{done_bit, 1}});
  // slow_job: node11 runs, the filter avoids the other three, and the
  // groups above OR their tasks' bits. No running task is on an avoided
  // node (the UI would warn "job avoids node").
  auto slow = decoded(histograms, "slow_job");
  CHECK(slow["level2"] ==
        std::map<int, std::int64_t>{{running_bit, 1}, {avoided_bit, 3}});
  CHECK(slow["level1"] ==
        std::map<int, std::int64_t>{{running_bit | avoided_bit, 1},
                                    {avoided_bit, 1}});
  CHECK(slow["instance"] ==
        std::map<int, std::int64_t>{{running_bit | avoided_bit, 1}});
  CHECK(h.at("samples").at("slow_job").at("level2").at("AC") ==
        json::parse(R"(["node12", "node21"])"));
}

TEST_CASE("Bistro's web UI: the task log page's request gets every stream") {
  scheduler_under_test s{ui_jobs};
  REQUIRE(eventually(
      [&] {
        return s.get_json("/api/jobs/simple_job").at("counts") ==
               json::parse(R"({"done": 4})");
      },
      30000));
  json::object request;
  for (auto stream : {"stdout", "stderr", "statuses"})
    request[stream] = json::object{{"handler", "task_logs"},
                                   {"log_type", stream},
                                   {"sort", "asc"},
                                   {"jobs", json::array{"simple_job"}},
                                   {"nodes", json::array{"node21"}}};
  auto d = post_as_the_ui(s, request);
  for (auto stream : {"stdout", "stderr", "statuses"}) {
    INFO(stream);
    const auto& page = d.at(stream).as_object();
    CHECK(page.at("next_line_id").is_string());
    REQUIRE_FALSE(page.at("lines").as_array().empty());
    for (const auto& line : page.at("lines").as_array()) {
      const auto& l = line.as_array();
      REQUIRE(l.size() == 5);
      CHECK(l[0] == "simple_job");
      CHECK(l[1] == "node21");
      CHECK(l[2].is_number());
      CHECK(l[3].is_string());
      CHECK(l[4].is_string());  // a line id: JS has no int64
    }
  }
  // The statuses are Bistro's JSON events, in order.
  std::vector<std::string> events;
  json::value got_status;
  for (const auto& line : d.at("statuses").at("lines").as_array()) {
    auto event = json::parse(line.as_array()[3].as_string());
    events.emplace_back(event.at("event").as_string());
    if (events.back() == "got_status") got_status = event;
  }
  CHECK(events ==
        std::vector<std::string>{"running", "process_exited", "got_status"});
  CHECK(got_status.at("status").at("result_bits") == done_bit);
  CHECK(got_status.at("raw_status") == "done");
}

TEST_CASE("avoided nodes are shown as avoided in the JSON API and the page") {
  scheduler_under_test s{ui_jobs};
  REQUIRE(eventually(
      [&] {
        return s.get_json("/api/running").as_object().contains("slow_job");
      },
      30000));
  CHECK(s.get_json("/api/jobs/slow_job").at("counts") ==
        json::parse(R"({"running": 1, "avoided": 3})"));
  auto avoided = s.get_json("/api/tasks?job=slow_job&state=avoided");
  std::vector<std::string> names;
  for (const auto& t : avoided.at("tasks").as_array()) {
    names.emplace_back(t.at("node").as_string());
    CHECK(t.at("status").at("label") == "avoided");
  }
  CHECK(names == std::vector<std::string>{"node12", "node21", "node22"});
  CHECK(s.get_json("/api/tasks?job=slow_job&state=never_started")
            .at("tasks")
            .as_array()
            .empty());
  // The page knows the state and colours it.
  auto page = s.get("/");
  CHECK_THAT(page.body, Catch::Contains("<option>avoided</option>") &&
                            Catch::Contains(".s-avoided"));
}
