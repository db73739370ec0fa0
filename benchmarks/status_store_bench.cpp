// How fast the scheduler's status store commits and reloads: statuses
// committed per second in batches of 1,000 with a durable sync (one fsync
// per batch, as the status store actor's group commit does), the latency of
// one such batch, and the time to reopen a store of 1,000,000 statuses and
// `load_all` it, which is what a scheduler restart waits for (page cache
// warm: the file was just written), and how long a job's history (its
// newest 50 runs out of 1M) takes to read. Prints one JSON line per figure.
// Takes an optional directory to put the stores in (default: a fresh one in
// /tmp).
//
// `status_store_bench --restart N1,N2,... [DIR]` prints instead one
// "restart_load_s" line per count: a store of N statuses reopened and
// loaded, the restart time as a function of stored statuses.
#include <stdlib.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "actors/store/status_store.hpp"
#include "benchmarks/bench_common.hpp"

namespace {

// Not "x" + std::to_string(i): GCC 12 -Wrestrict misfires on it.
std::string numbered(const char* prefix, long long i) {
  std::string out(prefix);
  out += std::to_string(i);
  return out;
}

constexpr std::size_t batch_statuses = 1000;
constexpr std::size_t durable_batches = 200;
constexpr std::size_t durable_keys = 100'000;  // later batches overwrite
constexpr std::size_t load_records = 1'000'000;
constexpr std::size_t fill_batch = 50'000;
constexpr int nodes_per_job = 1000;
constexpr std::int64_t t0 = 1'700'000'000'000;

// A typical status: a finished run with a little JSON data.
bistro::stored_status make_status(std::size_t i) {
  bistro::stored_status s;
  s.job = numbered("job", static_cast<long long>(i / nodes_per_job));
  s.node = numbered("host-", static_cast<long long>(i % nodes_per_job));
  s.status.label =
      i % 10 ? bistro::status_label::done : bistro::status_label::error_backoff;
  s.status.backoff_step = i % 10 ? 0 : 2;
  s.status.backoff_until_ms = i % 10 ? 0 : t0 + 60'000;
  s.status.updated_ms = t0 + static_cast<std::int64_t>(i);
  s.status.data = R"({"rows": 12345, "output": "s3://bucket/part"})";
  s.run_id = i + 1;
  s.worker = numbered("w", static_cast<long long>(i % 16));
  s.start_ms = t0;
  s.end_ms = t0 + 5000;
  return s;
}

std::unique_ptr<bistro::status_store> open_or_die(
    const std::string& dir, const bistro::status_store_options& options) {
  auto opened = bistro::status_store::open(dir, options);
  if (auto* error = std::get_if<std::string>(&opened)) {
    std::fprintf(stderr, "status_store_bench: %s\n", error->c_str());
    std::exit(1);
  }
  return std::move(std::get<std::unique_ptr<bistro::status_store>>(opened));
}

void commit_or_die(bistro::status_store& store,
                   const std::vector<bistro::stored_status>& batch) {
  if (auto error = store.commit(batch)) {
    std::fprintf(stderr, "status_store_bench: %s\n", error->c_str());
    std::exit(1);
  }
}

double percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  return v[static_cast<std::size_t>(p * static_cast<double>(v.size() - 1))];
}

// Fills a store of `records` statuses without syncing, then times reopening
// and loading it; returns false if the count read back is wrong.
bool restart_point(const std::string& dir, std::size_t records) {
  bistro::status_store_options fill_options;
  fill_options.sync = bistro::status_sync::no_sync;
  {
    auto store = open_or_die(dir, fill_options);
    std::vector<bistro::stored_status> batch;
    for (std::size_t i = 0; i < records; i += fill_batch) {
      batch.clear();
      for (std::size_t k = i; k < std::min(records, i + fill_batch); ++k) {
        batch.push_back(make_status(k));
      }
      commit_or_die(*store, batch);
    }
  }
  bistro::bench::stopwatch watch;
  auto store = open_or_die(dir, {});
  auto loaded = store->load_all();
  const double seconds = watch.seconds();
  if (auto* error = std::get_if<std::string>(&loaded)) {
    std::fprintf(stderr, "status_store_bench: %s\n", error->c_str());
    std::exit(1);
  }
  const std::size_t got =
      std::get<std::vector<bistro::stored_status>>(loaded).size();
  std::printf(
      "{\"bench\":\"status_store\",\"figure\":\"restart_load_s\","
      "\"statuses\":%zu,\"value\":%.4f,\"file_bytes\":%zu}\n",
      got, seconds,
      static_cast<std::size_t>(std::filesystem::file_size(dir + "/data.mdb")));
  return got == records;
}

int restart_sweep(int argc, char** argv) {
  const std::string dir = bistro::bench::work_dir(
      argc - 2, argv + 2, "status_store_bench_restart");
  bool ok = true;
  std::string counts = argv[2];
  std::size_t at = 0, n = 0;
  while (at < counts.size()) {
    std::size_t comma = counts.find(',', at);
    if (comma == std::string::npos) comma = counts.size();
    const auto records = std::stoull(counts.substr(at, comma - at));
    ok = restart_point(numbered((dir + "/restart").c_str(),
                                static_cast<long long>(n++)),
                       records) &&
         ok;
    at = comma + 1;
  }
  if (argc <= 3) {
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
  return ok ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  bistro::bench::require_release_build(argv[0]);
  if (argc > 2 && std::string(argv[1]) == "--restart") {
    return restart_sweep(argc, argv);
  }
  const std::string dir =
      bistro::bench::work_dir(argc, argv, "status_store_bench");

  // Durable group commits.
  std::vector<double> latencies_ms;
  double durable_s = 0;
  {
    auto store = open_or_die(dir + "/durable", {});
    std::vector<bistro::stored_status> batch;
    for (std::size_t b = 0; b < durable_batches; ++b) {
      batch.clear();
      for (std::size_t k = 0; k < batch_statuses; ++k) {
        batch.push_back(make_status((b * batch_statuses + k) % durable_keys));
      }
      bistro::bench::stopwatch watch;
      commit_or_die(*store, batch);
      latencies_ms.push_back(watch.seconds() * 1000);
      durable_s += latencies_ms.back() / 1000;
    }
  }
  const double statuses = static_cast<double>(durable_batches * batch_statuses);
  std::printf(
      "{\"bench\":\"status_store\",\"figure\":\"commit_statuses_per_s\","
      "\"value\":%.0f,\"batch\":%zu,\"batches\":%zu,\"sync\":\"durable\"}\n",
      statuses / durable_s, batch_statuses, durable_batches);
  std::printf(
      "{\"bench\":\"status_store\",\"figure\":\"commit_batch_latency_ms\","
      "\"p50\":%.3f,\"p99\":%.3f,\"max\":%.3f,\"mean\":%.3f,\"batch\":%zu,"
      "\"sync\":\"durable\"}\n",
      percentile(latencies_ms, 0.5), percentile(latencies_ms, 0.99),
      percentile(latencies_ms, 1.0),
      durable_s * 1000 / static_cast<double>(durable_batches), batch_statuses);

  // The same durable store, one status per commit: what group commit saves.
  {
    constexpr std::size_t single_commits = 500;
    auto store = open_or_die(dir + "/single", {});
    std::vector<bistro::stored_status> one(1);
    bistro::bench::stopwatch watch;
    for (std::size_t i = 0; i < single_commits; ++i) {
      one[0] = make_status(i % durable_keys);
      commit_or_die(*store, one);
    }
    const double single_s = watch.seconds();
    std::printf(
        "{\"bench\":\"status_store\",\"figure\":\"single_vs_batched\","
        "\"single_statuses_per_s\":%.0f,\"batched_statuses_per_s\":%.0f,"
        "\"speedup\":%.1f,\"sync\":\"durable\"}\n",
        single_commits / single_s, statuses / durable_s,
        (statuses / durable_s) / (single_commits / single_s));
  }

  // A store of 1M statuses, filled without syncing, then reopened and
  // loaded as a restarting scheduler does.
  bistro::status_store_options fill_options;
  fill_options.sync = bistro::status_sync::no_sync;
  std::size_t file_bytes = 0;
  {
    auto store = open_or_die(dir + "/large", fill_options);
    std::vector<bistro::stored_status> batch;
    for (std::size_t i = 0; i < load_records; i += fill_batch) {
      batch.clear();
      for (std::size_t k = 0; k < fill_batch; ++k) {
        batch.push_back(make_status(i + k));
      }
      commit_or_die(*store, batch);
    }
  }
  bistro::bench::stopwatch load_watch;
  auto store = open_or_die(dir + "/large", {});
  auto loaded = store->load_all();
  const double load_s = load_watch.seconds();
  if (auto* error = std::get_if<std::string>(&loaded)) {
    std::fprintf(stderr, "status_store_bench: %s\n", error->c_str());
    return 1;
  }
  const std::size_t records =
      std::get<std::vector<bistro::stored_status>>(loaded).size();
  file_bytes = std::filesystem::file_size(dir + "/large/data.mdb");
  std::printf(
      "{\"bench\":\"status_store\",\"figure\":\"load_all_s\",\"value\":%.3f,"
      "\"records\":%zu,\"file_bytes\":%zu,\"rss_bytes\":%lld}\n",
      load_s, records, file_bytes, bistro::bench::resident_bytes());

  store.reset();

  // A job's history (job_history, the web page's job page): one job of
  // 100,000 nodes with 10 ended runs each, 1M history entries; the newest
  // 50 across its nodes, which reads every one of them.
  {
    constexpr std::size_t history_nodes = 100'000, runs_per_node = 10;
    auto runs = open_or_die(dir + "/history", fill_options);
    std::vector<bistro::stored_status> batch;
    for (std::size_t r = 0; r < runs_per_node; ++r) {
      for (std::size_t n = 0; n < history_nodes; n += fill_batch) {
        batch.clear();
        for (std::size_t k = 0; k < fill_batch; ++k) {
          auto st = make_status(n + k);
          st.job = "big";
          st.node = numbered("host-", static_cast<long long>(n + k));
          st.run_id = r * history_nodes + n + k + 1;
          st.end_ms = t0 + static_cast<std::int64_t>(st.run_id);
          batch.push_back(std::move(st));
        }
        commit_or_die(*runs, batch);
      }
    }
    bistro::bench::stopwatch watch;
    auto newest = runs->load_job_history("big", 50);
    const double history_s = watch.seconds();
    if (auto* error = std::get_if<std::string>(&newest)) {
      std::fprintf(stderr, "status_store_bench: %s\n", error->c_str());
      return 1;
    }
    std::printf(
        "{\"bench\":\"status_store\",\"figure\":\"job_history_s\","
        "\"value\":%.3f,\"history_entries\":%zu,\"limit\":50,"
        "\"returned\":%zu}\n",
        history_s, history_nodes * runs_per_node,
        std::get<std::vector<bistro::job_run_entry>>(newest).size());
  }

  if (argc <= 1) {
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
  return records == load_records ? 0 : 1;
}
