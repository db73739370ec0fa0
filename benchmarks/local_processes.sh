#!/usr/bin/env bash
# Local process throughput: how close bistro_scheduler --worker_command comes
# to `xargs -P2` when every task is a trivial process.
#
# 5,000 nodes on one level, instance concurrency limit 2, one job; the task
# is benchmarks/configs/done_task.sh (a /bin/sh script that writes "done" to
# its status file). In the same run, times:
#   ours   bistro_scheduler --worker_command=done_task.sh --exit_when_done
#   xargs  xargs -0 -P2 -n3 done_task.sh over the same 3-argument shape
#          (node, status file path, a JSON argument like the scheduler's)
#   loop   two plain sh `while read` loops in parallel (POSIX baseline)
# The baselines' status file is /dev/stdout, a pipe read by `grep -c done`,
# as the scheduler's is a pipe: a file per task would time ext4's inode
# allocation, which varied by a factor of two from run to run here.
# and prints ratio = ours_s / xargs_s (target <= 1.25).
#
# Progress goes to stderr; one JSON line goes to stdout.
#
# Usage: benchmarks/local_processes.sh [--build-dir DIR] [--tasks N]
#          [--concurrency C] [--repeat R] [--poll-ms MS] [--keep] [--force]
# --poll-ms sets bistro_settings.task_subprocess.poll_ms (default: Bistro's
# 10 ms) to show how much of the gap is the worker's exit polling.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
build_dir="build"
tasks=5000
concurrency=2
repeat=1
poll_ms=""
keep=0
force=0

usage() { sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
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
    --poll-ms) poll_ms="$2"; shift 2 ;;
    --poll-ms=*) poll_ms="${1#*=}"; shift ;;
    --keep) keep=1; shift ;;
    --force) force=1; shift ;;
    -h|--help) usage ;;
    *) echo "local_processes: unknown argument $1" >&2; usage ;;
  esac
done

log() { echo "local_processes: $*" >&2; }
now() { date +%s.%N; }

binary="$build_dir/apps/bistro_scheduler"
[[ -x "$binary" ]] || { log "no binary at $binary (build it first)"; exit 2; }
# shellcheck source=benchmarks/lib.sh
source "$here/lib.sh"
check_build_type "$build_dir" "$force"

task="$here/configs/done_task.sh"
work="$(mktemp -d /tmp/bistro-bench-local.XXXXXX)"
cleanup() { if [[ $keep -eq 1 ]]; then log "kept $work"; else rm -rf "$work"; fi; }
trap cleanup EXIT

# The config: benchmarks/configs/local_5000.json, resized to --tasks and
# --concurrency.
sed -e "s/\"end\": 4999/\"end\": $((tasks - 1))/" \
    -e "s/\"limit\": 2/\"limit\": $concurrency/" \
    "$here/configs/local_5000.json" >"$work/config.json"
if [[ -n "$poll_ms" ]]; then
  python3 - "$work/config.json" "$poll_ms" <<'PY'
import json, sys
path, poll = sys.argv[1], int(sys.argv[2])
with open(path) as f:
    cfg = json.load(f)
cfg["bistro_settings"]["task_subprocess"] = {"poll_ms": poll}
with open(path, "w") as f:
    json.dump(cfg, f, indent=2)
PY
fi

# xargs input: node, status file, JSON argument, NUL-separated. The JSON is
# the shape the scheduler hands a task (checked against a real run).
python3 - "$tasks" "$work/xargs.args" "$work/loop.args" <<'PY'
import json, sys
n, nul_path, loop_path = int(sys.argv[1]), sys.argv[2], sys.argv[3]
with open(nul_path, "wb") as nul, open(loop_path, "w") as loop:
    for i in range(n):
        node = f"node{i}"
        arg = json.dumps({"id": "touch", "config": {}, "prev_status": {},
                          "path_to_node": ["inst", node],
                          "resources_by_node": {"inst": {"concurrency": 1}},
                          "worker_node": "vm", "worker_host": "vm"},
                         separators=(",", ":"))
        nul.write(f"{node}\0/dev/stdout\0{arg}\0".encode())
        loop.write(f"{node}\t{arg}\n")
PY

run_ours() {  # $1: run number; prints wall seconds
  local dir="$work/ours.$1"
  mkdir -p "$dir"
  local t0 t1
  t0="$(now)"
  /usr/bin/time -f "%e %M %U %S %w %c" -o "$dir/time" \
    "$binary" \
      --config_file="$work/config.json" \
      --worker_command="$task" \
      --exit_when_done \
      --instance_node_name=inst \
      --data_dir="$dir/data" \
      --clean_statuses \
      --config_update_ms=600000 \
      --nodes_update_ms=600000 \
      --stats_interval_ms=1000 \
      --log_level=info \
      >"$dir/scheduler.log" 2>&1 || { log "scheduler failed: $(tail -3 "$dir/scheduler.log")"; }
  t1="$(now)"
  awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f\n", b - a }'
}

run_xargs() {  # $1: run number; prints wall seconds
  local dir="$work/xargs.$1"
  mkdir -p "$dir"
  local t0 t1
  t0="$(now)"
  (cd "$dir" && /usr/bin/time -f "%U %S %w %c" -o "$dir/time" \
     xargs -0 -P"$concurrency" -n3 "$task" <"$work/xargs.args" |
     grep -c '^done$' >"$dir/done" || true)
  t1="$(now)"
  awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f\n", b - a }'
}

run_loop() {  # $1: run number; prints wall seconds
  local dir="$work/loop.$1"
  mkdir -p "$dir"
  split -n "l/$concurrency" "$work/loop.args" "$dir/part."
  local t0 t1
  t0="$(now)"
  (
    cd "$dir"
    for part in part.*; do
      # shellcheck disable=SC2016
      sh -c 'tab="$(printf "\t")"
        while IFS="$tab" read -r node arg; do
          "$0" "$node" /dev/stdout "$arg"
        done' "$task" <"$part" &
    done
    wait
  ) | grep -c '^done$' >"$dir/done" || true
  t1="$(now)"
  awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f\n", b - a }'
}

count_done() {  # $1: a baseline's dir; prints how many tasks wrote done
  cat "$1/done"
}

pick_min() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || b + 0 < a + 0) print b; else print a }'; }

# Times are the best of --repeat runs; CPU, RSS and latencies are the last
# run's.
log "binary $binary ($build_type), $tasks tasks, concurrency $concurrency, poll_ms ${poll_ms:-default}, $repeat run(s), work in $work"
best_ours="" best_xargs="" best_loop=""
ours_ok=0
for r in $(seq 1 "$repeat"); do
  s="$(run_ours "$r")"
  done_n="$(grep -c ' ended: done' "$work/ours.$r/scheduler.log" || true)"
  read -r _ rss_kb user_s sys_s vol_cs invol_cs <"$work/ours.$r/time" || true
  log "run $r: ours ${s}s ($done_n done, peak RSS ${rss_kb:-?} KB, user ${user_s:-?}s sys ${sys_s:-?}s)"
  if [[ "$done_n" -eq "$tasks" ]]; then
    ours_ok=1
  else
    ours_ok=0
    log "run $r: ours finished only $done_n of $tasks tasks"
  fi
  s_x="$(run_xargs "$r")"
  xargs_cpu_s="$(awk '{ print $1 + $2 }' "$work/xargs.$r/time")"
  xargs_switches="$(awk '{ print $3 + $4 }' "$work/xargs.$r/time")"
  log "run $r: xargs ${s_x}s ($(count_done "$work/xargs.$r") done, user+sys ${xargs_cpu_s}s)"
  s_l="$(run_loop "$r")"
  log "run $r: loop ${s_l}s ($(count_done "$work/loop.$r") done)"
  best_ours="$(pick_min "$best_ours" "$s")"
  best_xargs="$(pick_min "$best_xargs" "$s_x")"
  best_loop="$(pick_min "$best_loop" "$s_l")"
  ours_rss_kb="${rss_kb:-0}"
  ours_cpu_s="$(awk -v u="${user_s:-0}" -v s="${sys_s:-0}" 'BEGIN { print u + s }')"
  ours_switches=$(( ${vol_cs:-0} + ${invol_cs:-0} ))
done

# Where the scheduler's time goes: per-task latency from the log stamps
# (start -> end as the scheduler saw it, and end -> next start).
python3 - "$work/ours.$repeat/scheduler.log" "$tasks" "$best_ours" "$best_xargs" \
  "$best_loop" "$concurrency" "$ours_rss_kb" "$ours_cpu_s" "$ours_ok" \
  "$build_type" "${poll_ms:-10}" "$xargs_cpu_s" "$ours_switches" \
  "$xargs_switches" <<'PY'
import json, re, sys
from datetime import datetime
(path, tasks, ours, xargs, loop, conc, rss_kb, cpu_s, ok,
 build_type, poll_ms, xargs_cpu_s, ours_cs, xargs_cs) = sys.argv[1:]
tasks, ours, xargs, loop = int(tasks), float(ours), float(xargs), float(loop)
stamp = re.compile(r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}) info "
                   r"(?:starting \S+ on (\S+) |\S+ on (\S+) ended: )")
starts, ends = {}, {}
first = last = None
with open(path, errors="replace") as f:
    for line in f:
        m = stamp.match(line)
        if not m:
            continue
        t = datetime.strptime(m.group(1), "%Y-%m-%d %H:%M:%S.%f").timestamp()
        first = t if first is None else first
        last = t
        if m.group(2):
            starts[m.group(2)] = t
        else:
            ends[m.group(3)] = t
lat = sorted(ends[n] - starts[n] for n in ends if n in starts)
def pct(p):
    return round(1000 * lat[min(len(lat) - 1, int(p * len(lat)))], 1) if lat else None
result = {
    "bench": "local_processes_%d" % tasks,
    "ours_s": round(ours, 3),
    "xargs_s": round(xargs, 3),
    "ratio": round(ours / xargs, 3),
    "loop_s": round(loop, 3),
    "ratio_vs_loop": round(ours / loop, 3),
    "tasks": tasks,
    "concurrency": int(conc),
    "poll_ms": int(poll_ms),
    "ours_tasks_per_s": round(tasks / ours, 1),
    "xargs_tasks_per_s": round(tasks / xargs, 1),
    "ours_all_done": ok == "1",
    "ours_first_to_last_task_s": round(last - first, 3) if first else None,
    "ours_task_ms_p50": pct(0.5),
    "ours_task_ms_p90": pct(0.9),
    "ours_task_ms_p99": pct(0.99),
    "xargs_task_ms_mean": round(1000 * xargs * int(conc) / tasks, 2),
    "ours_peak_rss_mb": round(int(rss_kb or 0) / 1024.0, 1),
    # user+sys of the scheduler and every task process it reaped.
    "ours_cpu_s": round(float(cpu_s or 0), 2),
    "xargs_cpu_s": round(float(xargs_cpu_s or 0), 2),
    # What the scheduler adds per task, in CPU: ours minus xargs.
    "overhead_cpu_ms_per_task": round(
        1000 * (float(cpu_s or 0) - float(xargs_cpu_s or 0)) / tasks, 3),
    # Context switches (voluntary + involuntary) of the scheduler's or
    # xargs' threads and every task process, per task: a steadier sign of
    # the hand-offs between threads than wall time on a noisy machine.
    "ours_switches_per_task": round(int(ours_cs) / tasks, 2),
    "xargs_switches_per_task": round(int(float(xargs_cs)) / tasks, 2),
    "build_type": build_type,
}
print(json.dumps(result))
PY
