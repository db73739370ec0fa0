// How fast the worker's task-log store takes and serves lines: lines appended
// per second in batches of 100 (one transaction, one fdatasync each, as the
// worker does once per poll), then lines read per second by paged queries
// (one job and node, one job across its nodes, every job through the time
// index) and lines pruned per second. Prints one JSON line. Takes an
// optional directory to put the store in (default: a fresh one in /tmp).
#include <stdlib.h>

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "actors/store/task_log_store.hpp"
#include "benchmarks/bench_common.hpp"

namespace {

// Not "x" + std::to_string(i): GCC 12 -Wrestrict misfires on it.
std::string numbered(const char* prefix, long long i) {
  std::string out(prefix);
  out += std::to_string(i);
  return out;
}

constexpr int num_jobs = 50;
constexpr int nodes_per_job = 40;
constexpr std::size_t num_lines = 200'000;
constexpr std::size_t batch_lines = 100;
constexpr std::size_t page_lines = 1000;
constexpr std::int64_t t0 = 1'700'000'000'000;

// Reads every page of `q`; returns lines read (-1 on error).
long long read_all(const bistro::task_log_store& store, bistro::log_query q) {
  long long lines = 0;
  for (;;) {
    auto result = store.query(q);
    if (auto* error = std::get_if<std::string>(&result)) {
      std::fprintf(stderr, "task_log_bench: %s\n", error->c_str());
      return -1;
    }
    auto& page = std::get<bistro::log_page>(result);
    lines += static_cast<long long>(page.lines.size());
    if (!page.next_line_id) return lines;
    q.start_line_id = page.next_line_id;
  }
}

}  // namespace

int main(int argc, char** argv) {
  bistro::bench::require_release_build(argv[0]);
  const std::string dir = bistro::bench::work_dir(argc, argv, "task_log_bench");
  auto opened = bistro::task_log_store::open(dir + "/task_logs");
  if (auto* error = std::get_if<std::string>(&opened)) {
    std::fprintf(stderr, "task_log_bench: %s\n", error->c_str());
    return 1;
  }
  auto& store = *std::get<std::unique_ptr<bistro::task_log_store>>(opened);

  const std::string text(100, 'x');
  std::vector<bistro::log_entry> batch(batch_lines);
  bistro::bench::stopwatch append_watch;
  for (std::size_t i = 0; i < num_lines; i += batch_lines) {
    for (std::size_t k = 0; k < batch_lines; ++k) {
      std::size_t n = i + k;
      auto& e = batch[k];
      e.job = numbered("job", n % num_jobs);
      e.node = numbered("node", (n / num_jobs) % nodes_per_job);
      e.time_ms = t0 + static_cast<std::int64_t>(n) * 10;
      e.line = text;
    }
    if (auto error = store.append(bistro::log_type::stdout_log, batch)) {
      std::fprintf(stderr, "task_log_bench: %s\n", error->c_str());
      return 1;
    }
  }
  double append_s = append_watch.seconds();

  auto timed = [&](const bistro::log_query& q, long long* lines) {
    bistro::bench::stopwatch watch;
    *lines = read_all(store, q);
    return watch.seconds();
  };
  long long one_lines = 0, job_lines = 0, all_lines = 0, regex_lines = 0;
  // Query every (job, node) once: 100 lines each.
  bistro::bench::stopwatch one_watch;
  for (int j = 0; j < num_jobs; ++j) {
    for (int n = 0; n < nodes_per_job; ++n) {
      long long got = 0;
      timed({.jobs = {numbered("job", j)},
             .nodes = {numbered("node", n)},
             .limit = page_lines},
            &got);
      one_lines += got;
    }
  }
  double one_s = one_watch.seconds();
  double job_s = timed({.jobs = {"job7"}, .limit = page_lines}, &job_lines);
  double all_s = timed({.ascending = false, .limit = page_lines}, &all_lines);
  double regex_s = timed(
      {.limit = page_lines, .regex_filter = "never matches$"}, &regex_lines);

  bistro::bench::stopwatch prune_watch;
  auto pruned = store.prune_older_than(t0 + num_lines * 10 / 2);
  double prune_s = prune_watch.seconds();
  std::size_t pruned_lines = std::holds_alternative<std::size_t>(pruned)
                                 ? std::get<std::size_t>(pruned)
                                 : 0;

  std::printf(
      "{\"bench\":\"task_log_store\",\"lines\":%zu,\"line_bytes\":%zu,"
      "\"batch_lines\":%zu,\"append_lines_per_s\":%.0f,"
      "\"query_job_node_lines_per_s\":%.0f,\"query_job_node_queries_per_s\":"
      "%.0f,\"query_one_job_lines_per_s\":%.0f,"
      "\"query_all_desc_lines_per_s\":%.0f,\"regex_scan_lines_per_s\":%.0f,"
      "\"prune_lines_per_s\":%.0f,\"pruned\":%zu,\"map_bytes\":%zu}\n",
      num_lines, text.size(), batch_lines, num_lines / append_s,
      one_lines / one_s, num_jobs * nodes_per_job / one_s, job_lines / job_s,
      all_lines / all_s, num_lines / regex_s, pruned_lines / prune_s,
      pruned_lines, store.map_bytes());
  if (argc <= 1) {
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
  return one_lines == static_cast<long long>(num_lines) &&
                 all_lines == static_cast<long long>(num_lines) &&
                 regex_lines == 0
             ? 0
             : 1;
}
