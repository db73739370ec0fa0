// /metrics text from a metrics answer: exact lines, escaping, histogram.
#include "actors/http/prometheus_text.hpp"

#include <boost/json.hpp>
#include <catch2/catch.hpp>

using namespace bistro::http;

TEST_CASE("http: prometheus_text renders every metric with HELP and TYPE") {
  auto metrics = boost::json::parse(R"({
    "tasks": {"a\"b": {"done": 4, "running": 1}},
    "running": 1, "tasks_started": 5, "tasks_finished": 4, "tasks_errors": 0,
    "round_seconds_buckets": [[0.001, 2], [0.5, 3], ["+Inf", 3]],
    "round_seconds_sum": 0.25, "round_count": 3, "rounds_split": 2,
    "workers": {"HEALTHY": 1}, "config_errors": 0, "statuses_persisted": 9,
    "commit_seconds_sum": 0.5, "commits": 2})");
  request_counts counts;
  counts.add("/api/jobs", 200);
  counts.add("/api/jobs", 200);
  counts.add("other", 404);
  auto text = prometheus_text(metrics, counts.snapshot());
  CHECK(text ==
        "# HELP bistro_tasks Tasks by job and status.\n"
        "# TYPE bistro_tasks gauge\n"
        "bistro_tasks{job=\"a\\\"b\",status=\"done\"} 4\n"
        "bistro_tasks{job=\"a\\\"b\",status=\"running\"} 1\n"
        "# HELP bistro_running_tasks Tasks running now.\n"
        "# TYPE bistro_running_tasks gauge\n"
        "bistro_running_tasks 1\n"
        "# HELP bistro_tasks_started_total Task runs started.\n"
        "# TYPE bistro_tasks_started_total counter\n"
        "bistro_tasks_started_total 5\n"
        "# HELP bistro_tasks_finished_total Task runs finished.\n"
        "# TYPE bistro_tasks_finished_total counter\n"
        "bistro_tasks_finished_total 4\n"
        "# HELP bistro_task_errors_total Task runs that ended in "
        "error_backoff or failed.\n"
        "# TYPE bistro_task_errors_total counter\n"
        "bistro_task_errors_total 0\n"
        "# HELP bistro_rounds_split_total Rounds planned by subtree on "
        "several threads.\n"
        "# TYPE bistro_rounds_split_total counter\n"
        "bistro_rounds_split_total 2\n"
        "# HELP bistro_round_duration_seconds Duration of scheduling rounds.\n"
        "# TYPE bistro_round_duration_seconds histogram\n"
        "bistro_round_duration_seconds_bucket{le=\"0.001\"} 2\n"
        "bistro_round_duration_seconds_bucket{le=\"0.5\"} 3\n"
        "bistro_round_duration_seconds_bucket{le=\"+Inf\"} 3\n"
        "bistro_round_duration_seconds_sum 0.25\n"
        "bistro_round_duration_seconds_count 3\n"
        "# HELP bistro_workers Connected workers by health state.\n"
        "# TYPE bistro_workers gauge\n"
        "bistro_workers{health=\"NEW\"} 0\n"
        "bistro_workers{health=\"HEALTHY\"} 1\n"
        "bistro_workers{health=\"UNHEALTHY\"} 0\n"
        "bistro_workers{health=\"MUST_DIE\"} 0\n"
        "# HELP bistro_config_errors Current errors (config, nodes, jobs, "
        "persistence).\n"
        "# TYPE bistro_config_errors gauge\n"
        "bistro_config_errors 0\n"
        "# HELP bistro_statuses_persisted_total Task statuses written to the "
        "status store.\n"
        "# TYPE bistro_statuses_persisted_total counter\n"
        "bistro_statuses_persisted_total 9\n"
        "# HELP bistro_status_commit_seconds Latency of status store "
        "commits.\n"
        "# TYPE bistro_status_commit_seconds summary\n"
        "bistro_status_commit_seconds_sum 0.5\n"
        "bistro_status_commit_seconds_count 2\n"
        "# HELP bistro_http_requests_total HTTP requests answered, by route "
        "and status code.\n"
        "# TYPE bistro_http_requests_total counter\n"
        "bistro_http_requests_total{route=\"/api/jobs\",code=\"200\"} 2\n"
        "bistro_http_requests_total{route=\"other\",code=\"404\"} 1\n");
}

TEST_CASE("http: label values escape backslash, quote and newline") {
  CHECK(escape_label("a\\b\"c\nd") == "a\\\\b\\\"c\\nd");
}

TEST_CASE("http: a histogram without +Inf gets one equal to its count") {
  auto metrics = boost::json::parse(
      R"({"round_seconds_buckets": [[0.1, 1]], "round_count": 2})");
  auto text = prometheus_text(metrics, {});
  CHECK_THAT(
      text,
      Catch::Contains("bistro_round_duration_seconds_bucket{le=\"+Inf\"} 2\n"));
}

TEST_CASE(
    "http: prometheus_text gives each worker's running tasks' memory and CPU "
    "as gauges") {
  auto metrics = boost::json::parse(R"({"worker_usage": {
    "w1": {"memory_bytes": 12582912, "cpu_seconds": 1.5, "measured_tasks": 2},
    "w\"2": {"memory_bytes": 0, "cpu_seconds": 0, "measured_tasks": 0}}})");
  auto text = prometheus_text(metrics, {});
  CHECK_THAT(text,
             Catch::Contains(
                 "# TYPE bistro_worker_task_memory_bytes gauge\n"
                 "bistro_worker_task_memory_bytes{worker=\"w1\"} 12582912\n"
                 "bistro_worker_task_memory_bytes{worker=\"w\\\"2\"} 0\n"));
  CHECK_THAT(
      text,
      Catch::Contains("# TYPE bistro_worker_task_cpu_seconds gauge\n"
                      "bistro_worker_task_cpu_seconds{worker=\"w1\"} 1.5\n"
                      "bistro_worker_task_cpu_seconds{worker=\"w\\\"2\"} 0\n"));
}
