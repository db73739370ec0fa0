// The monitor's Bistro-format answers over a 1M-node tree (40,000 hosts x
// 25 dbs), 10 jobs, half of them with a regex filter that avoids the dbs
// of 4 hosts in 5, a third of each job's tasks done. Prints one JSON line per
// case:
//   exclusions      which nodes each job does not run on, built once per
//                   (config, tree) from the round's task_eligibility: the
//                   first monitor request after a change
//   exclusions_alone  the same without the round's eligibility (every
//                   filter evaluated again: the regexes dominate)
//   histogram_all   Bistro's histograms of all 10 jobs, 2 samples a key: the
//                   web UI's job-list request (target < 1 s, a round's)
//   counts_all      every job's counts with avoided nodes taken out (the
//                   /api/jobs and /metrics cost past the O(1) counters)
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "actors/jobs/job_status_row.hpp"
#include "actors/monitor/bistro_monitor_format.hpp"
#include "actors/policies/builtin_policies.hpp"
#include "actors/rounds/task_eligibility.hpp"
#include "actors/rounds/task_exclusions.hpp"
#include "benchmarks/bench_common.hpp"

using namespace bistro;

namespace {

constexpr int num_jobs = 10;
constexpr int hosts = 40'000;

std::shared_ptr<const config> bench_config() {
  std::string text =
      R"({"bistro_settings": {"enabled": true,)"
      R"( "nodes": {"levels": ["host", "db"], "node_source": "manual",)"
      R"( "node_source_prefs": {}}})";
  for (int j = 0; j < num_jobs; ++j) {
    text +=
        ", \"bistro_job->job" + std::to_string(j) + "\": {\"owner\": \"bench\"";
    if (j % 2 == 1)
      text += R"(, "filters": {"db": {"whitelist_regex": "[05]\\.db"}})";
    text += "}";
  }
  auto result = parse_config(text + "}", builtin_policy_catalog());
  if (!result.ok() || !result.value->jobs[1].errors.empty()) {
    std::fprintf(stderr, "bad config\n");
    std::exit(1);
  }
  return result.value;
}

std::shared_ptr<const node_tree> bench_tree(const config& cfg) {
  node_tree_builder builder("instance",
                            static_cast<level_id>(cfg.levels.size()));
  for (int h = 0; h < hosts; ++h) {
    std::string host = "host" + std::to_string(h);
    node_id parent = builder.add(host, 1, 0);
    for (int d = 0; d < 25; ++d)
      builder.add(host + ".db" + std::to_string(d), 2, parent);
  }
  return builder.build();
}

void print(const char* name, double seconds, double target, long long n) {
  std::printf(
      "{\"bench\": \"monitor_bench\", \"case\": \"%s\", \"nodes\": %zu, "
      "\"jobs\": %d, \"seconds\": %.6f, \"target_seconds\": %.3f, "
      "\"result\": %lld}\n",
      name, static_cast<std::size_t>(hosts) * 26 + 1, num_jobs, seconds, target,
      n);
}

}  // namespace

int main(int, char** argv) {
  bench::require_release_build(argv[0]);
  auto cfg = bench_config();
  auto tree = bench_tree(*cfg);
  std::vector<std::unique_ptr<job_status_row>> rows;
  for (int j = 0; j < num_jobs; ++j) {
    rows.push_back(std::make_unique<job_status_row>(tree->size()));
    auto dbs = tree->nodes_at_level(2);
    for (std::size_t i = 0; i < dbs.size(); i += 3)
      rows.back()->apply(dbs[i], parsed_status{status_label::done, "", ""}, 1,
                         cfg->backoff);
  }

  bench::stopwatch alone;
  long long excluded_alone =
      static_cast<long long>(task_exclusions(*cfg, *tree).excluded(1).size());
  print("exclusions_alone", alone.seconds(), 1.0, excluded_alone);

  task_eligibility eligibility(*cfg, *tree);  // the round's, already paid
  bench::stopwatch build;
  task_exclusions ex(*cfg, *tree, &eligibility);
  print("exclusions", build.seconds(), 0.1,
        static_cast<long long>(ex.excluded(1).size()));

  bench::stopwatch hist;
  long long keys = 0;
  for (std::size_t j = 0; j < num_jobs; ++j) {
    auto h = make_bistro_histogram(*cfg, *tree, j, *rows[j], ex, 2, 2);
    keys += static_cast<long long>(h.counts.at("db").as_object().size());
  }
  print("histogram_all", hist.seconds(), 1.0, keys);

  bench::stopwatch counts;
  long long avoided = 0;
  for (std::size_t j = 0; j < num_jobs; ++j)
    avoided += static_cast<long long>(
        count_excluded_unstarted(ex, j, *rows[j]).avoided);
  print("counts_all", counts.seconds(), 0.05, avoided);
  return 0;
}
