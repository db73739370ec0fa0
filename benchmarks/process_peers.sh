#!/usr/bin/env bash
# Real processes on one host: tasks/s for N minimal tasks (default 10,000;
# benchmarks/configs/done_task.sh, argv node, status file, JSON) through
#   bistro_local     bistro_scheduler --worker_command (the local worker)
#   bistro_remote_1  bistro_scheduler + one bistro_worker on 127.0.0.1
#   bistro_remote_4  bistro_scheduler + four bistro_workers on 127.0.0.1
#   xargs            xargs -0 -P C -n3
#   gnu_parallel     parallel -0 -j C -N3 (Debian package `parallel`)
#   spawn_loop       build/benchmarks/spawn_loop: posix_spawn + waitpid, C at
#                    a time, nothing else (the machine's ceiling)
# all at concurrency C (default: the number of cores), in the same run, in
# that order. Each time is wall time from launch to exit (the schedulers'
# includes their startup and --CAUTION_startup_wait_for_workers=1).
#
# One JSON line per system to stdout ("bench": "processes"), then a summary
# line with each system's tasks/s as a fraction of spawn_loop's. Progress
# goes to stderr.
#
# Usage: benchmarks/process_peers.sh [--build-dir DIR] [--tasks N]
#          [--concurrency C] [--force]
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
build_dir="build"
tasks=10000
concurrency="$(nproc)"
force=0

usage() { sed -n '2,22p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
while [[ $# -gt 0 ]]; do
  case "$1" in
    --build-dir) build_dir="$2"; shift 2 ;;
    --tasks) tasks="$2"; shift 2 ;;
    --concurrency) concurrency="$2"; shift 2 ;;
    --force) force=1; shift ;;
    -h|--help) usage ;;
    *) echo "process_peers: unknown argument $1" >&2; usage ;;
  esac
done

log() { echo "process_peers: $*" >&2; }
now() { date +%s.%N; }

scheduler_bin="$build_dir/apps/bistro_scheduler"
worker_bin="$build_dir/apps/bistro_worker"
spawn_bin="$build_dir/benchmarks/spawn_loop"
for b in "$scheduler_bin" "$worker_bin" "$spawn_bin"; do
  [[ -x "$b" ]] || { log "no binary at $b (build it first)"; exit 2; }
done
# shellcheck source=benchmarks/lib.sh
source "$here/lib.sh"
check_build_type "$build_dir" "$force"

task="$here/configs/done_task.sh"
work="$(mktemp -d /tmp/bistro-bench-peers.XXXXXX)"
sched_pid=""
worker_pids=()
stop_workers() {
  local p
  for p in "${worker_pids[@]}"; do
    kill -KILL "$p" 2>/dev/null || true
    kill -KILL -- "-$p" 2>/dev/null || true
    wait "$p" 2>/dev/null || true
  done
  worker_pids=()
}
cleanup() {
  stop_workers
  if [[ -n "$sched_pid" ]]; then kill -KILL "$sched_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() {
  python3 -c 'import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

sed -e "s/\"end\": 9999/\"end\": $((tasks - 1))/" \
    -e "s/\"limit\": 2/\"limit\": $concurrency/" \
    "$here/configs/remote_10000.json" >"$work/config.json"

common_flags=(
  --config_file="$work/config.json"
  --exit_when_done
  --instance_node_name=scheduler
  --clean_statuses
  --CAUTION_startup_wait_for_workers=1
  --config_update_ms=600000
  --nodes_update_ms=600000
  --stats_interval_ms=1000
  --log_level=info
)

emit() {  # $1 system, $2 seconds, $3 tasks done
  printf '{"bench": "processes", "system": "%s", "tasks": %d, "concurrency": %d, "seconds": %.3f, "tasks_per_s": %.1f, "all_done": %s}\n' \
    "$1" "$tasks" "$concurrency" "$2" "$(awk -v n="$tasks" -v s="$2" 'BEGIN { print n / s }')" \
    "$([[ "$3" -eq "$tasks" ]] && echo true || echo false)" | tee -a "$work/lines.jsonl"
  log "$1: ${2}s, $3 of $tasks done"
}
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'; }
count_done() { grep -lx done "$1"/* 2>/dev/null | wc -l; }

run_bistro() {  # $1 system name, $2 number of remote workers (0: local)
  local dir="$work/$1" t0 port i done_n
  mkdir -p "$dir"
  t0="$(now)"
  if [[ "$2" -eq 0 ]]; then
    "$scheduler_bin" "${common_flags[@]}" --worker_command="$task" \
      --data_dir="$dir/data" >"$dir/scheduler.log" 2>&1 &
    sched_pid=$!
  else
    port="$(free_port)"
    "$scheduler_bin" "${common_flags[@]}" --server_port="$port" \
      --data_dir="$dir/data" >"$dir/scheduler.log" 2>&1 &
    sched_pid=$!
    for _ in $(seq 1 400); do
      grep -aqF "workers connect on port" "$dir/scheduler.log" 2>/dev/null && break
      sleep 0.05
    done
    for i in $(seq 1 "$2"); do
      mkdir -p "$dir/w$i"
      setsid "$worker_bin" --scheduler_host=127.0.0.1 --scheduler_port="$port" \
        --worker_command="$task" --data_dir="$dir/w$i/data" --shard_id="w$i" \
        --heartbeat_period_sec=1 --log_level=info >"$dir/w$i/worker.log" 2>&1 &
      worker_pids+=($!)
    done
  fi
  wait "$sched_pid" || log "$1: scheduler exited $?: $(tail -2 "$dir/scheduler.log")"
  sched_pid=""
  local t1
  t1="$(now)"
  stop_workers
  done_n="$(grep -ac ' ended: done' "$dir/scheduler.log" || true)"
  emit "$1" "$(elapsed "$t0" "$t1")" "$done_n"
}

log "$tasks tasks, concurrency $concurrency, binaries from $build_dir ($build_type)"
run_bistro bistro_local 0
run_bistro bistro_remote_1 1
run_bistro bistro_remote_4 4

# The peers get the same three arguments per task.
python3 - "$tasks" "$work/args" <<'PY'
import sys
n, path = int(sys.argv[1]), sys.argv[2]
arg = '{"id":"touch","config":{},"prev_status":{},"worker_node":"vm"}'
with open(path, "wb") as f:
    for i in range(n):
        f.write(f"node{i}\0STATUS/node{i}\0{arg}\0".encode())
PY

mkdir -p "$work/xargs/STATUS"
t0="$(now)"
(cd "$work/xargs" && xargs -0 -P"$concurrency" -n3 "$task" <"$work/args")
emit xargs "$(elapsed "$t0" "$(now)")" "$(count_done "$work/xargs/STATUS")"

if command -v parallel >/dev/null; then
  mkdir -p "$work/parallel/STATUS"
  t0="$(now)"
  (cd "$work/parallel" && parallel --will-cite -0 -j"$concurrency" -N3 "$task" <"$work/args")
  emit gnu_parallel "$(elapsed "$t0" "$(now)")" "$(count_done "$work/parallel/STATUS")"
else
  log "GNU parallel is not installed (Debian package parallel): skipped"
  printf '{"bench": "processes", "system": "gnu_parallel", "error": "not installed"}\n' | tee -a "$work/lines.jsonl"
fi

mkdir -p "$work/spawn/STATUS"
t0="$(now)"
"$spawn_bin" "$tasks" "$concurrency" "$work/spawn/STATUS" "$task" >"$work/spawn/out"
emit spawn_loop "$(elapsed "$t0" "$(now)")" "$(count_done "$work/spawn/STATUS")"

python3 - "$work/lines.jsonl" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
by = {r["system"]: r for r in rows if "tasks_per_s" in r}
ceiling = by.get("spawn_loop", {}).get("tasks_per_s")
print(json.dumps({
    "bench": "processes_summary",
    "ceiling": "spawn_loop",
    "fraction_of_ceiling": {k: round(v["tasks_per_s"] / ceiling, 3)
                            for k, v in by.items()} if ceiling else None,
    "bistro_local_vs_xargs": round(by["bistro_local"]["tasks_per_s"] /
                                   by["xargs"]["tasks_per_s"], 3)
    if "bistro_local" in by and "xargs" in by else None,
}))
PY
