#include "apps/unsupported_flags.hpp"

namespace bistro {

namespace {

using k = flag_kind;

constexpr const char* no_thrift =
    "there is no Thrift here; peers talk over CAF, whose connections time "
    "out by heartbeat";
constexpr const char* no_physical =
    "a worker measures its memory, cores and GPUs once, at start (nvidia-smi "
    "from PATH); no periodic refresh";
constexpr const char* no_cgroups =
    "a cgroup freeze is waited for within the task's kill wait, without a "
    "timeout of its own";

void add_common(std::vector<unsupported_flag>& out) {
  out.push_back({"log_performance", k::boolean,
                 "no extra timing logs; the stats line (--stats_interval_ms "
                 "on the scheduler) and /metrics give the figures",
                 false});
  out.push_back({"thrift_connect_timeout_ms", k::integer, no_thrift, false});
  out.push_back({"thrift_send_timeout_ms", k::integer, no_thrift, false});
  out.push_back({"thrift_receive_timeout_ms", k::integer, no_thrift, false});
  out.push_back({"server_inet_interface", k::text,
                 "no address is guessed from an interface; name it with "
                 "--server_address",
                 true});
  out.push_back({"server_disable_ipv6", k::boolean,
                 "no address is guessed; --server_address names every "
                 "address listened on",
                 false});
  out.push_back({"cgroup_freeze_timeout_ms", k::integer, no_cgroups, false});
  out.push_back({"task_thread_pool_size", k::integer,
                 "task processes are watched by the worker actor without a "
                 "thread per task",
                 false});
  out.push_back({"refresh_all_tasks_physical_resources_sec", k::integer,
                 no_physical, false});
  out.push_back({"physical_resources_subprocess_timeout_ms", k::integer,
                 no_physical, false});
  out.push_back({"nvidia_smi", k::text, no_physical, false});
  out.push_back({"log_status_changes_every_ms", k::integer,
                 "every status change is logged at info level; use "
                 "--log_level=warn to quiet them",
                 false});
}

std::vector<unsupported_flag> make_scheduler_list() {
  std::vector<unsupported_flag> out;
  add_common(out);
  out.push_back({"status_table", k::text,
                 "statuses are kept in <data_dir>/statuses (LMDB), not in "
                 "a named SQLite table",
                 false});
  out.push_back({"kill_job_if_disabled", k::boolean,
                 "deprecated in Bistro; put \"kill_orphan_tasks_after_sec\": "
                 "0 in bistro_settings instead",
                 true});
  out.push_back({"http_server_threads", k::integer,
                 "the HTTP server runs on its own thread; answers come from "
                 "the scheduler actor",
                 false});
  out.push_back(
      {"monitor_samples", k::integer, "not supported by this monitor", false});
  out.push_back({"monitor_update_ms", k::integer,
                 "the monitor answers from live state; --http_cache_ms "
                 "bounds how often it asks",
                 false});
  out.push_back({"log_healthchecks_every_ms", k::integer,
                 "healthchecks are logged only when a worker's health "
                 "changes",
                 false});
  out.push_back({"unsure_if_running_check_initial_period", k::integer,
                 "workers keep each result until the scheduler acknowledges "
                 "it, so a run is never in doubt",
                 false});
  return out;
}

std::vector<unsupported_flag> make_worker_list() {
  std::vector<unsupported_flag> out;
  add_common(out);
  constexpr const char* from_scheduler =
      "set it on the scheduler, which hands its health timeouts to every "
      "worker";
  for (const char* name :
       {"heartbeat_grace_period", "healthcheck_period",
        "healthcheck_grace_period", "lose_unhealthy_worker_after",
        "worker_check_interval", "CAUTION_startup_wait_for_workers",
        "CAUTION_worker_suicide_backoff_safety_margin_sec",
        "CAUTION_worker_suicide_task_kill_wait_ms",
        "unsure_if_running_check_initial_period", "log_healthchecks_every_ms"})
    out.push_back({name, k::integer, from_scheduler, false});
  out.push_back(
      {"allow_bump_unhealthy_worker", k::boolean, from_scheduler, false});
  out.push_back({"log_db_file_name", k::text,
                 "task logs are kept in <data_dir>/task_logs (LMDB); one "
                 "worker per data dir",
                 false});
  out.push_back({"refresh_usable_physical_resources_sec", k::integer,
                 no_physical, false});
  out.push_back({"server_address", k::text,
                 "this worker listens on no port: it connects to the "
                 "scheduler",
                 false});
  return out;
}

}  // namespace

const std::vector<unsupported_flag>& scheduler_unsupported_flags() {
  static const auto list = make_scheduler_list();
  return list;
}

const std::vector<unsupported_flag>& worker_unsupported_flags() {
  static const auto list = make_worker_list();
  return list;
}

}  // namespace bistro
