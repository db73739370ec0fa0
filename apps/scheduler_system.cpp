#include "apps/scheduler_system.hpp"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <caf/all.hpp>
#include <caf/io/all.hpp>
#include <ctime>

#include "actors/config_watcher/config_watcher.hpp"
#include "actors/http/http_server.hpp"
#include "actors/http/monitor_bridge.hpp"
#include "actors/http/monitor_cache.hpp"
#include "actors/nodes/node_source_stop.hpp"
#include "actors/nodes/nodes_actor.hpp"
#include "actors/policies/policy_registry.hpp"
#include "actors/policies/policy_switch.hpp"
#include "actors/protocol/secure_transport.hpp"
#include "actors/scheduler/drained_workers_file.hpp"
#include "actors/scheduler/front_door.hpp"
#include "actors/scheduler/scheduler_actor.hpp"
#include "actors/store/data_dir_lock.hpp"
#include "actors/store/status_store_actor.hpp"
#include "actors/workers/fake_worker.hpp"
#include "actors/workers/local_worker.hpp"
#include "apps/flags_common.hpp"
#include "config/config.hpp"

namespace bistro {

struct scheduler_system::parts {
  caf::actor_system* sys = nullptr;
  data_dir_lock lock;
  std::unique_ptr<http::http_server> http;
  status_store_actor store;
  policy_actor policy;
  scheduler_actor scheduler;
  front_door_actor front_door;
  worker_actor worker;
  nodes_actor nodes;
  config_watcher_actor watcher;
  std::shared_ptr<node_source_stop> nodes_stop;

  explicit parts(data_dir_lock l) : lock(std::move(l)) {}

  /// Every actor spawned so far, told to stop (a failed start).
  void stop_actors() {
    if (nodes_stop) nodes_stop->request();
    for (auto a : {caf::actor_cast<caf::actor>(watcher),
                   caf::actor_cast<caf::actor>(nodes),
                   caf::actor_cast<caf::actor>(worker),
                   caf::actor_cast<caf::actor>(front_door),
                   caf::actor_cast<caf::actor>(policy),
                   caf::actor_cast<caf::actor>(scheduler),
                   caf::actor_cast<caf::actor>(store)})
      if (a) caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
  }
};

namespace {

std::string seconds_text(std::int64_t ms) {
  return std::to_string(ms / 1000) + " s";
}

/// Bistro's safe default start-up wait: long enough for every worker that
/// ran tasks before a restart to heartbeat in and report them.
void set_startup_wait(const scheduler_system_options& o,
                      scheduler_options& opts) {
  const bool remote = o.server_port > 0;
  const auto& h = o.health;
  if (o.startup_wait_for_workers_s >= 0) {
    opts.startup_wait_ms = o.startup_wait_for_workers_s * 1000;
    opts.startup_wait_reason = "--CAUTION_startup_wait_for_workers=" +
                               std::to_string(o.startup_wait_for_workers_s);
  } else if (remote) {
    opts.startup_wait_ms = h.heartbeat_period_ms + h.heartbeat_grace_ms +
                           h.worker_check_interval_ms;
    opts.startup_wait_reason =
        "a worker's heartbeat period " + seconds_text(h.heartbeat_period_ms) +
        " + --heartbeat_grace_period " + seconds_text(h.heartbeat_grace_ms) +
        " + --worker_check_interval " +
        seconds_text(h.worker_check_interval_ms) +
        " (--CAUTION_startup_wait_for_workers=SECONDS sets it)";
  } else {
    opts.startup_wait_ms = 0;
    opts.startup_wait_reason = "no remote workers: no wait";
  }
}

using start_result =
    std::variant<std::unique_ptr<scheduler_system>, scheduler_start_error>;

scheduler_start_error failed(std::string message, int code = 1) {
  return {code, std::move(message)};
}

}  // namespace

scheduler_system::scheduler_system(std::unique_ptr<parts> p)
    : parts_(std::move(p)) {}

scheduler_system::~scheduler_system() {
  if (parts_ && parts_->scheduler) {
    // Destroyed without wait(): stop everything, keep nothing running.
    parts_->stop_actors();
    if (parts_->http) parts_->http->stop();
  }
}

scheduler_actor scheduler_system::scheduler() const {
  return parts_->scheduler;
}

std::uint16_t scheduler_system::http_port() const {
  return parts_->http ? parts_->http->port() : 0;
}

void scheduler_system::request_stop() {
  caf::anon_send_exit(parts_->scheduler, caf::exit_reason::user_shutdown);
}

start_result scheduler_system::start(caf::actor_system& sys,
                                     scheduler_system_options o) {
  // One writer per data dir, before anything is touched: a second
  // scheduler on it must not delete or write the first one's statuses.
  auto dir_lock = data_dir_lock::take(o.data_dir);
  if (auto* err = std::get_if<std::string>(&dir_lock)) return failed(*err);
  auto p =
      std::make_unique<parts>(std::move(std::get<data_dir_lock>(dir_lock)));
  p->sys = &sys;
  // Drained workers are the operator's word, kept whatever the statuses.
  const auto drained_path =
      o.data_dir + "/" + std::string{drained_workers_file_name};
  auto drained = load_drained_workers(drained_path);
  if (!drained.error.empty())
    return failed(drained.error +
                  " (fix or remove it: it lists the drained workers)");
  // Listen before anything starts, so that a port in use stops nothing.
  if (o.http_server_port > 0) {
    http::http_server_options h;
    h.address = o.http_server_address;
    h.port = o.http_server_port;
    h.token = o.auth_token;
    auto listening = http::http_server::listen(h);
    if (auto* err = std::get_if<std::string>(&listening))
      return failed("--http_server_port=" + std::to_string(h.port) + ": " +
                    *err);
    p->http =
        std::move(std::get<std::unique_ptr<http::http_server>>(listening));
  }

  // The one list of policy names: the config is checked against it.
  const auto policies = policy_registry::builtin();
  // Statuses come back before anything runs, so no task starts twice.
  // Bistro's --clean_statuses: statuses live in memory only, and the store
  // on disk is not opened at all (so never changed).
  const char* memory_only = o.clean_statuses  ? "--clean_statuses"
                            : o.dry_run       ? "--dry_run"
                            : o.benchmark_run ? "--benchmark_run"
                                              : nullptr;
  if (memory_only && o.reset_statuses)
    return failed(std::string{"--reset_statuses deletes the stored "
                              "statuses, which "} +
                      memory_only + " leaves alone: give one of them",
                  2);
  std::shared_ptr<status_store> store;
  auto restored = std::make_shared<status_batch>();
  // Remote workers that can prove who they are (their secrets' hashes).
  std::map<std::string, std::string> worker_secret_hashes;
  if (memory_only) {
    spdlog::info(
        "not reading or writing task statuses ({}): {}/statuses is left as "
        "it is",
        memory_only, o.data_dir);
  } else {
    auto store_options = o.store;
    store_options.start_empty = o.reset_statuses;
    if (o.reset_statuses)
      spdlog::warn(
          "deleting the stored task statuses in {}/statuses "
          "(--reset_statuses)",
          o.data_dir);
    auto opened = status_store::open(o.data_dir + "/statuses", store_options);
    if (auto* err = std::get_if<std::string>(&opened)) return failed(*err);
    store = std::move(std::get<std::unique_ptr<status_store>>(opened));
    if (store->migrated_records() > 0)
      spdlog::info(
          "status store: migrated {} statuses in {}/statuses to format {} "
          "(names of any length; run history)",
          store->migrated_records(), o.data_dir, status_store::format_version);
    auto loaded = store->load_all();
    if (auto* err = std::get_if<std::string>(&loaded)) return failed(*err);
    *restored = std::move(std::get<status_batch>(loaded));
    spdlog::info("loaded {} stored statuses from {}/statuses", restored->size(),
                 o.data_dir);
    auto secrets = store->load_worker_secret_hashes();
    if (auto* err = std::get_if<std::string>(&secrets)) return failed(*err);
    worker_secret_hashes =
        std::move(std::get<std::map<std::string, std::string>>(secrets));
  }
  if (o.prune_deleted_job_statuses && !store) {
    spdlog::warn(
        "--prune_deleted_job_statuses: no stored statuses to prune "
        "({})",
        memory_only);
  } else if (o.prune_deleted_job_statuses) {
    auto cfg =
        load_config_file(o.config_file, policies.catalog(), o.config_max_bytes);
    if (!cfg.ok())
      return failed("--prune_deleted_job_statuses needs a valid config");
    std::vector<std::string> keep;
    for (const auto& job : cfg.value->jobs) keep.push_back(job.name);
    if (auto err = store->prune_jobs_not_in(keep)) return failed(*err);
  }

  const auto seed = o.seed != 0 ? o.seed
                                : static_cast<std::uint64_t>(::getpid()) ^
                                      static_cast<std::uint64_t>(time(nullptr));
  scheduler_options opts;
  opts.health = o.health;
  opts.timeouts.heartbeat_grace_ms = o.health.heartbeat_grace_ms;
  opts.timeouts.healthcheck_period_ms = o.health.healthcheck_period_ms;
  opts.timeouts.healthcheck_grace_ms = o.health.healthcheck_grace_ms;
  opts.timeouts.lose_unhealthy_worker_after_ms =
      o.health.lose_unhealthy_worker_after_ms;
  opts.timeouts.allow_bump_unhealthy_worker = o.allow_bump_unhealthy_worker;
  set_startup_wait(o, opts);
  opts.task_logs_timeout_ms = o.task_logs_timeout_ms;
  opts.activity_sample_ms = o.activity_sample_ms;
  opts.round_threads = o.round_threads;
  opts.round_split_candidates = o.round_split_candidates;
  opts.drained_workers = std::move(drained.shards);
  opts.drained_workers_file = drained_path;
  opts.exit_when_done = o.exit_when_done;
  opts.stats_interval_ms = o.stats_interval_ms;
  opts.seed = seed;
  p->policy = spawn_policy_switch(sys, policies, seed + 1);
  opts.policy = p->policy;
  opts.restored = restored;
  opts.worker_secret_hashes = std::move(worker_secret_hashes);
  opts.config_file = o.config_file;
  if (store) {
    status_store_actor_options store_options;
    store_options.store = store;
    store_options.commit_ms = o.status_commit_ms;
    store_options.shutdown_retry_ms = o.status_shutdown_retry_ms;
    store_options.history_retention_ms = o.log_retention_s * 1000;
    p->store = spawn_status_store_actor(sys, std::move(store_options));
  }
  opts.store = p->store;
  p->scheduler = spawn_scheduler(sys, opts);
  auto& scheduler = p->scheduler;

  if (o.server_port > 0) {
    p->front_door = spawn_front_door(sys, scheduler, o.auth_token);
    // One listening socket per address, all on the same port and for the
    // same actor: CAF keeps one published actor per port.
    for (const auto& address : o.server_addresses) {
      auto port = publish_actor(sys, p->front_door, o.server_port,
                                address.empty() ? nullptr : address.c_str());
      if (!port) {
        auto message =
            "cannot listen on --server_port=" + std::to_string(o.server_port) +
            " at " + (address.empty() ? "all interfaces" : address) + ": " +
            sys.render(port.error());
        p->stop_actors();
        p->scheduler = nullptr;
        return failed(std::move(message));
      }
    }
    if (!o.insecure_addresses.empty() && !sys.has_openssl_manager()) {
      std::string list;
      for (const auto& a : o.insecure_addresses)
        list += (list.empty() ? "" : ", ") + a;
      spdlog::warn(
          "bistro_scheduler: --allow_insecure_network: --server_port listens "
          "on {} in plain text, without TLS: whoever reaches it can register "
          "workers and {}",
          list,
          o.auth_token.empty()
              ? "change jobs, whose commands run as this user"
              : "read the scheduler's state (mutations need the token)");
    }
    spdlog::info("bistro_scheduler: workers connect on port {} ({})",
                 o.server_port, o.server_address_text);
  }

  if (o.dry_run || o.benchmark_run) {
    fake_worker_options f;
    f.shard = host_name();
    f.sink = caf::actor_cast<task_sink_actor>(scheduler);
    f.mean_duration_ms = o.dry_run ? 0 : o.test_task_duration_ms;
    f.failure_rate = o.dry_run ? 0.0 : o.test_failure_rate;
    f.seed = seed + 2;
    p->worker = spawn_fake_worker(sys, f);
  } else if (!o.worker_command.empty()) {
    local_worker_options w;
    // As in Bistro, a local task sees the instance node as its worker.
    w.shard = o.instance;
    w.command = {o.worker_command};
    w.data_dir = o.data_dir;
    w.sink = caf::actor_cast<task_sink_actor>(scheduler);
    w.log_retention_s = o.log_retention_s;
    w.log_prune_frequency_s = o.log_prune_frequency_s;
    auto spawned = spawn_local_worker(sys, w);
    if (auto* err = std::get_if<std::string>(&spawned)) {
      auto message = *err;
      p->stop_actors();
      p->scheduler = nullptr;
      return failed(std::move(message));
    }
    p->worker = std::get<worker_actor>(spawned);
  }
  if (p->worker)
    caf::anon_send(scheduler, join_atom_v, p->worker,
                   o.dry_run || o.benchmark_run ? host_name() : o.instance,
                   host_name());

  p->nodes_stop = std::make_shared<node_source_stop>();
  p->nodes =
      spawn_nodes_actor(sys, {o.instance, o.nodes_update_ms, o.nodes_retry_ms,
                              scheduler, p->nodes_stop});
  p->watcher = spawn_config_watcher(
      sys, {o.config_file, o.config_update_ms, p->nodes, scheduler,
            o.config_max_bytes, static_cast<std::size_t>(o.config_backups),
            policies.catalog()});
  caf::anon_send(scheduler, join_atom_v, p->watcher);

  if (p->http) {
    p->http->serve(http::cache_monitor(
        http::make_monitor_bridge(sys, scheduler, std::chrono::seconds(15)),
        std::chrono::milliseconds(o.http_cache_ms)));
    auto host = o.http_server_address.find(':') != std::string::npos
                    ? "[" + o.http_server_address + "]"
                    : o.http_server_address;
    spdlog::info(
        "bistro_scheduler: HTTP API and web page on http://{}:{}/{}", host,
        p->http->port(),
        o.auth_token.empty() ? "" : " (mutating requests need the token)");
  }
  spdlog::info("bistro_scheduler: config {}, data in {}", o.config_file,
               o.data_dir);
  return std::unique_ptr<scheduler_system>(new scheduler_system(std::move(p)));
}

int scheduler_system::wait() {
  auto& p = *parts_;
  caf::scoped_actor waiter{*p.sys};
  waiter->monitor(p.scheduler);
  waiter->receive([](const caf::down_msg&) {});
  p.scheduler = nullptr;
  if (p.http) p.http->stop();
  // Kills a running node-source script: the nodes actor is detached and the
  // actor system's destructor waits for it.
  p.nodes_stop->request();
  for (auto a : {caf::actor_cast<caf::actor>(p.watcher),
                 caf::actor_cast<caf::actor>(p.nodes),
                 caf::actor_cast<caf::actor>(p.worker),
                 caf::actor_cast<caf::actor>(p.front_door),
                 caf::actor_cast<caf::actor>(p.policy)})
    if (a) caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
  // The store commits what it holds before it stops; wait for that.
  int exit_code = 0;
  if (p.store) {
    waiter->monitor(p.store);
    caf::anon_send(p.store, stop_atom_v);
    waiter->receive([&](const caf::down_msg& down) {
      if (down.reason) exit_code = 1;  // statuses it could not write
    });
    p.store = nullptr;
  }
  return exit_code;
}

}  // namespace bistro
