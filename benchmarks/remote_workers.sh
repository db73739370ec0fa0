#!/usr/bin/env bash
# Remote workers: throughput through one bistro_worker on loopback against
# the in-process local worker, and how fast the scheduler gives up a worker
# that was killed with SIGKILL.
#
# 1. remote_vs_local_N: N nodes (default 10,000) on one level, instance
#    concurrency limit 2, one job; the task is benchmarks/configs/done_task.sh
#    (writes "done" to its status file). In the same run, times
#      remote  bistro_scheduler --server_port=P --exit_when_done, plus ONE
#              bistro_worker --worker_command=done_task.sh on 127.0.0.1
#      local   bistro_scheduler --worker_command=done_task.sh --exit_when_done
#    and prints ratio = remote_s / local_s (target <= 1.15). Both are wall
#    times from launching the scheduler to its exit; remote_s includes the
#    --CAUTION_startup_wait_for_workers=1 wait, so the JSON also has the
#    first-task-start to last-task-end span of each (ratio_task_span).
# 2. worker_loss_detection: a remote worker runs 2 tasks that sleep 60 s,
#    with 1 s health settings (worker --heartbeat_period_sec=1; scheduler
#    --heartbeat_grace_period=1 --healthcheck_period=1
#    --healthcheck_grace_period=1 --lose_unhealthy_worker_after=1
#    --worker_check_interval=1); the worker gets SIGKILL and the time from
#    the kill to the stamp of the scheduler's "worker W lost" line is
#    measured (target <= 5 s), --loss-repeat times (default 3); each and the
#    median are printed. --health-s S sets all those health settings (and
#    the worker's heartbeat period) to S seconds instead of 1.
#
# Progress goes to stderr; one JSON line per figure goes to stdout.
#
# Usage: benchmarks/remote_workers.sh [--build-dir DIR] [--tasks N]
#          [--concurrency C] [--repeat R] [--loss-repeat K]
#          [--only throughput|loss] [--log-level L] [--health-s S]
#          [--keep] [--force]
# --repeat R runs remote and local R times each, alternating; times are the
# best of R. --log-level (default info: two lines per task, needed for the
# per-task latencies) applies to the throughput runs.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
build_dir="build"
tasks=10000
concurrency=2
repeat=1
loss_repeat=3
only=""
log_level=info
health=1
keep=0
force=0

usage() { sed -n '2,35p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
while [[ $# -gt 0 ]]; do
  case "$1" in
    --build-dir) build_dir="$2"; shift 2 ;;
    --build-dir=*) build_dir="${1#*=}"; shift ;;
    --tasks) tasks="$2"; shift 2 ;;
    --tasks=*) tasks="${1#*=}"; shift ;;
    --concurrency) concurrency="$2"; shift 2 ;;
    --concurrency=*) concurrency="${1#*=}"; shift ;;
    --repeat) repeat="$2"; shift 2 ;;
    --repeat=*) repeat="${1#*=}"; shift ;;
    --loss-repeat) loss_repeat="$2"; shift 2 ;;
    --loss-repeat=*) loss_repeat="${1#*=}"; shift ;;
    --only) only="$2"; shift 2 ;;
    --only=*) only="${1#*=}"; shift ;;
    --log-level) log_level="$2"; shift 2 ;;
    --log-level=*) log_level="${1#*=}"; shift ;;
    --health-s) health="$2"; shift 2 ;;
    --health-s=*) health="${1#*=}"; shift ;;
    --keep) keep=1; shift ;;
    --force) force=1; shift ;;
    -h|--help) usage ;;
    *) echo "remote_workers: unknown argument $1" >&2; usage ;;
  esac
done
case "$only" in ""|throughput|loss) ;; *) echo "remote_workers: --only throughput|loss" >&2; exit 2 ;; esac

log() { echo "remote_workers: $*" >&2; }
now() { date +%s.%N; }
now_ms() { date +%s%3N; }

scheduler_bin="$build_dir/apps/bistro_scheduler"
worker_bin="$build_dir/apps/bistro_worker"
for b in "$scheduler_bin" "$worker_bin"; do
  [[ -x "$b" ]] || { log "no binary at $b (build it first)"; exit 2; }
done
# shellcheck source=benchmarks/lib.sh
source "$here/lib.sh"
check_build_type "$build_dir" "$force"

task="$here/configs/done_task.sh"
work="$(mktemp -d /tmp/bistro-bench-remote.XXXXXX)"
# Every process this script starts; the workers run in their own session so
# that their task processes can be reached through the process group.
sched_pid=""
worker_pid=""
stop_pid() {  # $1: pid; INT, then KILL after 5 s
  local p="$1"
  [[ -n "$p" ]] || return 0
  kill -0 "$p" 2>/dev/null || { wait "$p" 2>/dev/null || true; return 0; }
  kill -INT "$p" 2>/dev/null || true
  for _ in $(seq 1 50); do
    kill -0 "$p" 2>/dev/null || break
    sleep 0.1
  done
  kill -KILL "$p" 2>/dev/null || true
  wait "$p" 2>/dev/null || true
}
stop_worker() {  # the worker and anything left in its process group
  [[ -n "$worker_pid" ]] || return 0
  kill -KILL "$worker_pid" 2>/dev/null || true
  kill -KILL -- "-$worker_pid" 2>/dev/null || true
  wait "$worker_pid" 2>/dev/null || true
  worker_pid=""
}
cleanup() {
  stop_worker
  stop_pid "$sched_pid"
  sched_pid=""
  if [[ $keep -eq 1 ]]; then log "kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() {
  python3 -c 'import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

wait_for_line() {  # $1: file, $2: fixed text, $3: timeout s, [$4: count]
  local file="$1" text="$2" limit="$3" count="${4:-1}" i=0
  while (( i < limit * 20 )); do
    if [[ "$(grep -acF -- "$text" "$file" 2>/dev/null || true)" -ge "$count" ]]; then
      return 0
    fi
    if [[ -n "$sched_pid" ]] && ! kill -0 "$sched_pid" 2>/dev/null; then
      return 1
    fi
    sleep 0.05
    i=$((i + 1))
  done
  return 1
}

start_worker() {  # $1: dir, $2: port, $3: command, $4: shard; sets worker_pid
  mkdir -p "$1"
  setsid "$worker_bin" \
    --scheduler_host=127.0.0.1 \
    --scheduler_port="$2" \
    --worker_command="$3" \
    --data_dir="$1/data" \
    --shard_id="$4" \
    --heartbeat_period_sec="$health" \
    --log_level=info \
    >"$1/worker.log" 2>&1 &
  worker_pid=$!
}

proc_cpu_s() {  # $1: pid; user+sys of it and its reaped children, seconds
  local hz
  hz="$(getconf CLK_TCK)"
  awk -v hz="$hz" '{ sub(/^.*\) /, ""); print ($12 + $13 + $14 + $15) / hz }' \
    "/proc/$1/stat" 2>/dev/null || echo 0
}

load1="$(cut -d' ' -f1 /proc/loadavg)"
log "binary $scheduler_bin ($build_type), work in $work, load average $load1"

# ---------------------------------------------------------------------------
# 1. Throughput: remote vs local.
# ---------------------------------------------------------------------------
# Common scheduler flags: the same for both modes, as in local_processes.sh.
common_flags=(
  --config_file="$work/config.json"
  --exit_when_done
  --instance_node_name=scheduler
  --clean_statuses
  --CAUTION_startup_wait_for_workers=1
  --config_update_ms=600000
  --nodes_update_ms=600000
  --stats_interval_ms=1000
  --log_level="$log_level"
)

run_remote() {  # $1: run number; sets secs to the wall seconds
  local dir="$work/remote.$1" port t0 t1
  mkdir -p "$dir"
  port="$(free_port)"
  t0="$(now)"
  /usr/bin/time -f "%e %M %U %S" -o "$dir/time" \
    "$scheduler_bin" "${common_flags[@]}" \
      --server_port="$port" \
      --data_dir="$dir/sched_data" \
      >"$dir/scheduler.log" 2>&1 &
  sched_pid=$!
  if ! wait_for_line "$dir/scheduler.log" "workers connect on port" 20; then
    log "remote run $1: scheduler did not open its port: $(tail -3 "$dir/scheduler.log")"
  fi
  start_worker "$dir/worker" "$port" "$task" w1
  wait "$sched_pid" || log "remote run $1: scheduler exited $?: $(tail -3 "$dir/scheduler.log")"
  sched_pid=""
  t1="$(now)"
  proc_cpu_s "$worker_pid" >"$dir/worker_cpu"
  awk '/^VmHWM:/ { print $2 }' "/proc/$worker_pid/status" >"$dir/worker_rss" 2>/dev/null || true
  stop_worker
  secs="$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f\n", b - a }')"
}

run_local() {  # $1: run number; sets secs to the wall seconds
  local dir="$work/local.$1" t0 t1
  mkdir -p "$dir"
  t0="$(now)"
  /usr/bin/time -f "%e %M %U %S" -o "$dir/time" \
    "$scheduler_bin" "${common_flags[@]}" \
      --worker_command="$task" \
      --data_dir="$dir/data" \
      >"$dir/scheduler.log" 2>&1 &
  sched_pid=$!
  wait "$sched_pid" || log "local run $1: scheduler exited $?: $(tail -3 "$dir/scheduler.log")"
  sched_pid=""
  t1="$(now)"
  secs="$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f\n", b - a }')"
}

pick_min() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || b + 0 < a + 0) print b; else print a }'; }

if [[ "$only" != "loss" ]]; then
  sed -e "s/\"end\": 9999/\"end\": $((tasks - 1))/" \
      -e "s/\"limit\": 2/\"limit\": $concurrency/" \
      "$here/configs/remote_10000.json" >"$work/config.json"
  log "throughput: $tasks tasks, concurrency $concurrency, $repeat run(s) each, log level $log_level"
  best_remote="" best_local="" best_remote_run="" best_local_run=""
  for r in $(seq 1 "$repeat"); do
    # Alternate the order so that a drift in machine load hits both.
    if (( r % 2 == 1 )); then order="remote local"; else order="local remote"; fi
    for mode in $order; do
      if [[ $mode == remote ]]; then
        run_remote "$r"; s="$secs"
        done_n="$(grep -ac ' ended: done' "$work/remote.$r/scheduler.log" || true)"
        log "run $r: remote ${s}s ($done_n done, scheduler user+sys $(awk '{ print $3 + $4 }' "$work/remote.$r/time")s, worker+tasks $(cat "$work/remote.$r/worker_cpu")s)"
        if [[ -z "$best_remote" ]] || awk -v a="$best_remote" -v b="$s" 'BEGIN { exit !(b < a) }'; then
          best_remote_run=$r
        fi
        best_remote="$(pick_min "$best_remote" "$s")"
      else
        run_local "$r"; s="$secs"
        done_n="$(grep -ac ' ended: done' "$work/local.$r/scheduler.log" || true)"
        log "run $r: local ${s}s ($done_n done, user+sys $(awk '{ print $3 + $4 }' "$work/local.$r/time")s)"
        if [[ -z "$best_local" ]] || awk -v a="$best_local" -v b="$s" 'BEGIN { exit !(b < a) }'; then
          best_local_run=$r
        fi
        best_local="$(pick_min "$best_local" "$s")"
      fi
    done
  done

  # Per-task figures from the log stamps of the best run of each mode:
  # start -> end (the dispatch and result round trip as the scheduler sees
  # it) and end -> next start (the scheduler's reaction to a freed slot).
  python3 - "$work/remote.$best_remote_run" "$work/local.$best_local_run" \
    "$tasks" "$concurrency" "$best_remote" "$best_local" "$build_type" \
    "$load1" "$log_level" <<'PY'
import json, re, sys
from datetime import datetime
(rdir, ldir, tasks, conc, remote_s, local_s, build_type, load1,
 log_level) = sys.argv[1:]
tasks, remote_s, local_s = int(tasks), float(remote_s), float(local_s)
stamp = re.compile(r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}) (\w+) (.*)$")
start_re = re.compile(r"^starting \S+ on (\S+) ")
end_re = re.compile(r"^\S+ on (\S+) ended: (\S+)")

def ts(text):
    return datetime.strptime(text, "%Y-%m-%d %H:%M:%S.%f").timestamp()

def scan(path):
    starts, ends, done = {}, {}, 0
    events = []          # (t, +1 start / -1 end)
    first_line = joined = None
    errors = 0
    with open(path, errors="replace") as f:
        for line in f:
            m = stamp.match(line)
            if not m:
                continue
            t = ts(m.group(1))
            first_line = t if first_line is None else first_line
            if m.group(2) in ("error", "critical"):
                errors += 1
            rest = m.group(3)
            if joined is None and " joined" in rest and rest.startswith("worker "):
                joined = t
            s = start_re.match(rest)
            if s:
                starts[s.group(1)] = t
                events.append((t, 1))
                continue
            e = end_re.match(rest)
            if e:
                ends[e.group(1)] = t
                events.append((t, -1))
                done += e.group(2) == "done"
    lat = sorted(ends[n] - starts[n] for n in ends if n in starts)
    # end -> next start gaps: for each end, the next start after it.
    gaps = []
    pending = []
    for t, kind in events:
        if kind == -1:
            pending.append(t)
        elif pending:
            gaps.append(t - pending.pop(0))
    gaps.sort()
    def pct(xs, p):
        return round(1000 * xs[min(len(xs) - 1, int(p * len(xs)))], 2) if xs else None
    first_start = min(starts.values()) if starts else None
    last_end = max(ends.values()) if ends else None
    return {
        "done": done,
        "span_s": round(last_end - first_start, 3) if starts and ends else None,
        "startup_s": round(first_start - first_line, 3) if first_start and first_line else None,
        "joined_to_first_start_s": round(first_start - joined, 3) if joined and first_start else None,
        "task_ms_p50": pct(lat, 0.5), "task_ms_p90": pct(lat, 0.9),
        "task_ms_p99": pct(lat, 0.99),
        "task_ms_mean": round(1000 * sum(lat) / len(lat), 3) if lat else None,
        "restart_gap_ms_p50": pct(gaps, 0.5), "restart_gap_ms_p90": pct(gaps, 0.9),
        "restart_gap_ms_mean": round(1000 * sum(gaps) / len(gaps), 3) if gaps else None,
        "error_lines": errors,
    }

def read_time(d):
    try:
        e, rss, u, s = open(d + "/time").read().split()[-4:]
        return int(rss), float(u) + float(s)
    except Exception:
        return 0, 0.0

r, l = scan(rdir + "/scheduler.log"), scan(ldir + "/scheduler.log")
r_rss, r_cpu = read_time(rdir)
l_rss, l_cpu = read_time(ldir)
try:
    w_cpu = float(open(rdir + "/worker_cpu").read().strip() or 0)
except Exception:
    w_cpu = 0.0
try:
    w_rss = int(open(rdir + "/worker_rss").read().strip() or 0)
except Exception:
    w_rss = 0
result = {
    "bench": "remote_vs_local_%d" % tasks,
    "remote_s": round(remote_s, 3),
    "local_s": round(local_s, 3),
    "ratio": round(remote_s / local_s, 3),
    "target_ratio": 1.15,
    "tasks": tasks,
    "concurrency": int(conc),
    "remote_all_done": r["done"] == tasks,
    "local_all_done": l["done"] == tasks,
    "remote_task_span_s": r["span_s"],
    "local_task_span_s": l["span_s"],
    "ratio_task_span": round(r["span_s"] / l["span_s"], 3) if r["span_s"] and l["span_s"] else None,
    "remote_startup_s": r["startup_s"],
    "local_startup_s": l["startup_s"],
    "remote_joined_to_first_start_s": r["joined_to_first_start_s"],
    "remote_tasks_per_s": round(tasks / remote_s, 1),
    "local_tasks_per_s": round(tasks / local_s, 1),
}
for k in ("task_ms_p50", "task_ms_p90", "task_ms_p99", "task_ms_mean",
          "restart_gap_ms_p50", "restart_gap_ms_p90", "restart_gap_ms_mean"):
    result["remote_" + k] = r[k]
    result["local_" + k] = l[k]
result.update({
    "remote_scheduler_cpu_s": round(r_cpu, 2),
    # the worker and every task process it reaped
    "remote_worker_cpu_s": round(w_cpu, 2),
    "local_cpu_s": round(l_cpu, 2),
    "remote_scheduler_rss_mb": round(r_rss / 1024.0, 1),
    "remote_worker_rss_mb": round(w_rss / 1024.0, 1),
    "local_rss_mb": round(l_rss / 1024.0, 1),
    "remote_error_lines": r["error_lines"],
    "local_error_lines": l["error_lines"],
    "log_level": log_level,
    "load_avg_1m_at_start": float(load1),
    "build_type": build_type,
})
print(json.dumps(result))
PY
fi

# ---------------------------------------------------------------------------
# 2. Loss detection.
# ---------------------------------------------------------------------------
if [[ "$only" != "throughput" ]]; then
  sleep_task="$work/sleep_task.sh"
  printf '#!/bin/sh\n# argv: <node> <status file> <json>\nsleep 60\necho done > "$2"\n' >"$sleep_task"
  chmod +x "$sleep_task"
  health_flags=(
    --heartbeat_grace_period="$health"
    --healthcheck_period="$health"
    --healthcheck_grace_period="$health"
    --lose_unhealthy_worker_after="$health"
    --worker_check_interval="$health"
    --CAUTION_worker_suicide_backoff_safety_margin_sec=1
    --CAUTION_worker_suicide_task_kill_wait_ms=300
  )
  log "loss detection: $loss_repeat run(s), health flags ${health_flags[*]}"
  : >"$work/loss.tsv"
  for r in $(seq 1 "$loss_repeat"); do
    dir="$work/loss.$r"
    mkdir -p "$dir"
    port="$(free_port)"
    "$scheduler_bin" \
      --server_port="$port" \
      --config_file="$here/configs/remote_loss.json" \
      --clean_statuses \
      --CAUTION_startup_wait_for_workers=1 \
      --instance_node_name=scheduler \
      --data_dir="$dir/sched_data" \
      --config_update_ms=600000 \
      --nodes_update_ms=600000 \
      --log_level=info \
      "${health_flags[@]}" \
      >"$dir/scheduler.log" 2>&1 &
    sched_pid=$!
    if ! wait_for_line "$dir/scheduler.log" "workers connect on port" 20; then
      log "loss run $r: scheduler did not open its port: $(tail -3 "$dir/scheduler.log")"
      stop_pid "$sched_pid"; sched_pid=""
      printf '%s\t\t\t\n' "$r" >>"$work/loss.tsv"
      continue
    fi
    start_worker "$dir/worker" "$port" "$sleep_task" w1
    if ! wait_for_line "$dir/scheduler.log" "starting sleep on" 20 2; then
      log "loss run $r: the 2 tasks never started: $(tail -3 "$dir/scheduler.log")"
    fi
    # Let the worker settle into steady heartbeats and healthchecks.
    sleep "$(awk -v h="$health" 'BEGIN { print 2.5 * h }')"
    health_before="$(grep -aic -- '-> healthy' "$dir/scheduler.log" || true)"
    kill_ms="$(now_ms)"
    kill -KILL "$worker_pid"
    wait "$worker_pid" 2>/dev/null || true
    if wait_for_line "$dir/scheduler.log" "worker w1 lost" $((30 * health)); then
      found_ms="$(now_ms)"
    else
      found_ms=""
      log "loss run $r: no 'worker w1 lost' line within 30 s"
    fi
    # The worker's tasks: the parent death signal reaches the task's /bin/sh,
    # not its `sleep` child, so count what is left in the worker's process
    # group (stop_worker kills it).
    stray="$(pgrep -g "$worker_pid" 2>/dev/null | wc -l || true)"
    stop_worker
    stop_pid "$sched_pid"
    sched_pid=""
    printf '%s\t%s\t%s\t%s\n' "$r" "$kill_ms" "${found_ms}" "$stray" >>"$work/loss.tsv"
    log "loss run $r: kill at $kill_ms, line seen by the script at ${found_ms:-never} (worker became healthy: $health_before, task processes still alive after the kill: $stray)"
  done

  python3 - "$work" "$loss_repeat" "$build_type" "$health" <<'PY'
import json, re, statistics, sys
from datetime import datetime
work, n, build_type, health = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
stamp = re.compile(r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}) (\w+) (.*)$")
def ms(text):
    return datetime.strptime(text, "%Y-%m-%d %H:%M:%S.%f").timestamp() * 1000
rows = {}
for line in open(work + "/loss.tsv"):
    parts = line.rstrip("\n").split("\t")
    rows[int(parts[0])] = parts
runs = []
for r in range(1, n + 1):
    parts = rows.get(r, [str(r), "", "", ""])
    kill_ms = float(parts[1]) if parts[1] else None
    run = {"run": r}
    lost = unhealthy = None
    with open(f"{work}/loss.{r}/scheduler.log", errors="replace") as f:
        for line in f:
            m = stamp.match(line)
            if not m:
                continue
            rest = m.group(3)
            if unhealthy is None and kill_ms and "worker w1:" in rest and "-> unhealthy" in rest.lower() \
                    and ms(m.group(1)) >= kill_ms - 1000:
                unhealthy = ms(m.group(1))
            if lost is None and rest.startswith("worker w1 lost"):
                lost = ms(m.group(1))
                run["lost_line"] = rest.strip()
    if kill_ms is not None and lost is not None:
        run["seconds"] = round((lost - kill_ms) / 1000.0, 3)
        if unhealthy is not None:
            run["kill_to_unhealthy_s"] = round((unhealthy - kill_ms) / 1000.0, 3)
    else:
        run["seconds"] = None
    if parts[2] and kill_ms:
        run["script_saw_line_s"] = round((float(parts[2]) - kill_ms) / 1000.0, 3)
    if parts[3]:
        # processes left in the killed worker's process group when the
        # scheduler declared it lost (the tasks' `sleep 60` children)
        run["task_processes_alive_after_kill"] = int(parts[3])
    runs.append(run)
secs = [x["seconds"] for x in runs if x["seconds"] is not None]
result = {
    "bench": "worker_loss_detection",
    "seconds": round(statistics.median(secs), 3) if secs else None,
    "target_s": 5,
    "each_s": [x["seconds"] for x in runs],
    "max_s": max(secs) if secs else None,
    "detected": len(secs),
    "runs": runs,
    "health_s": health,
    "health_flags_s": {"heartbeat_period_sec": health,
                       "heartbeat_grace_period": health,
                       "healthcheck_period": health,
                       "healthcheck_grace_period": health,
                       "lose_unhealthy_worker_after": health,
                       "worker_check_interval": health},
    "build_type": build_type,
}
print(json.dumps(result))
PY
fi
