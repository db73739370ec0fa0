#!/usr/bin/env bash
# What a cgroup per task costs: the minimal-task run of local_processes.sh
# (one job, N nodes, instance concurrency 2, benchmarks/configs/done_task.sh)
# timed with task_subprocess.cgroups off and on, alternately, in one run.
# With cgroups each task's cgroups are made (one per subsystem on v1), the
# child joins them before exec, and they are watched until empty and
# removed.
#
# Prints one JSON line: best-of-R and median wall seconds off and on,
# their ratio, the wall and CPU milliseconds added per task (best of each;
# target: under 1 ms per task), and the same from the medians.
#
# Usage: benchmarks/cgroup_cost.sh [--build-dir DIR] [--tasks N]
#          [--repeat R] [--root DIR] [--subsystems a,b,c] [--load K]
#          [--force]
# Defaults: 2000 tasks, 3 runs of each, root /sys/fs/cgroup, subsystems
# cpu,cpuacct,memory,freezer,pids (cgroup v1). --root
# /sys/fs/cgroup/unified --subsystems freezer times cgroup v2. --load K
# keeps K busy loops running (nice 10, each in a session of its own, as
# other users' work is) during both runs: how the cost grows when the
# CPUs are contended.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
build_dir="build"
tasks=2000
repeat=3
root="/sys/fs/cgroup"
subsystems="cpu,cpuacct,memory,freezer,pids"
force=0
load=0

usage() { sed -n '2,21p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
while [[ $# -gt 0 ]]; do
  case "$1" in
    --build-dir) build_dir="$2"; shift 2 ;;
    --tasks) tasks="$2"; shift 2 ;;
    --repeat) repeat="$2"; shift 2 ;;
    --root) root="$2"; shift 2 ;;
    --subsystems) subsystems="$2"; shift 2 ;;
    --load) load="$2"; shift 2 ;;
    --force) force=1; shift ;;
    -h|--help) usage ;;
    *) echo "cgroup_cost: unknown argument $1" >&2; usage ;;
  esac
done

log() { echo "cgroup_cost: $*" >&2; }
now() { date +%s.%N; }

binary="$build_dir/apps/bistro_scheduler"
[[ -x "$binary" ]] || { log "no binary at $binary (build it first)"; exit 2; }
# shellcheck source=benchmarks/lib.sh
source "$here/lib.sh"
check_build_type "$build_dir" "$force"

task="$here/configs/done_task.sh"
work="$(mktemp -d /tmp/bistro-bench-cgroup.XXXXXX)"
slice="bistro-bench-$$"
spinners=()
cleanup() {
  for pid in "${spinners[@]}"; do kill "$pid" 2>/dev/null || true; done
  # The worker removed its task cgroups (on v1 the idle ones of its cpu
  # and cpuacct pool too, unless it was killed); the slices are ours.
  IFS=, read -ra subs <<<"$subsystems"
  local dirs=()
  if [[ -e "$root/cgroup.controllers" ]]; then
    dirs=("$root/$slice")
  else
    for s in "${subs[@]}"; do dirs+=("$root/$s/$slice"); done
  fi
  for d in "${dirs[@]}"; do
    for c in "$d"/bistro-*/; do [[ -d "$c" ]] && { rmdir "$c" 2>/dev/null || true; }; done
    rmdir "$d" 2>/dev/null || true
  done
  rm -rf "$work"
}
trap cleanup EXIT

make_config() {  # $1: "on" or "off"; writes $work/config.$1.json
  python3 - "$here/configs/local_5000.json" "$work/config.$1.json" "$tasks" \
    "$1" "$root" "$slice" "$subsystems" <<'PY'
import json, sys
src, dst, tasks, mode, root, slice_, subs = sys.argv[1:]
with open(src) as f:
    cfg = json.load(f)
cfg["bistro_settings"]["nodes"]["node_sources"][0]["prefs"]["end"] = int(tasks) - 1
if mode == "on":
    cfg["bistro_settings"]["task_subprocess"] = {"cgroups": {
        "root": root, "slice": slice_, "subsystems": subs.split(",")}}
with open(dst, "w") as f:
    json.dump(cfg, f, indent=2)
PY
}
make_config off
make_config on

run() {  # $1: on|off, $2: run number; prints "wall_s cpu_s done"
  local dir="$work/$1.$2"
  mkdir -p "$dir"
  local t0 t1
  t0="$(now)"
  /usr/bin/time -f "%U %S" -o "$dir/time" \
    "$binary" --config_file="$work/config.$1.json" --worker_command="$task" \
      --exit_when_done --instance_node_name=inst --data_dir="$dir/data" \
      --clean_statuses --config_update_ms=600000 --nodes_update_ms=600000 \
      --log_level=info >"$dir/scheduler.log" 2>&1 ||
    log "$1 run $2 failed: $(tail -3 "$dir/scheduler.log")"
  t1="$(now)"
  local done_n
  done_n="$(grep -c ' ended: done' "$dir/scheduler.log" || true)"
  awk -v a="$t0" -v b="$t1" -v d="$done_n" \
    '{ printf "%.3f %.3f %d\n", b - a, $1 + $2, d }' "$dir/time"
}

for _ in $(seq 1 "$load"); do
  setsid nice -n 10 sh -c 'while :; do :; done' &
  spinners+=("$!")
done
log "binary $binary ($build_type), $tasks tasks, $repeat run(s) each, cgroups $root [$subsystems], $load busy loop(s) beside"
best_off="" best_on="" cpu_off="" cpu_on="" all_off="" all_on=""
for r in $(seq 1 "$repeat"); do
  read -r s_off c_off d_off < <(run off "$r")
  read -r s_on c_on d_on < <(run on "$r")
  all_off+="$s_off,$c_off " all_on+="$s_on,$c_on "
  log "run $r: off ${s_off}s (${d_off} done, cpu ${c_off}s), on ${s_on}s (${d_on} done, cpu ${c_on}s)"
  if [[ "$d_on" -ne "$tasks" ]]; then
    log "with cgroups only $d_on of $tasks tasks ended done: $(grep -m1 'ended: ' "$work/on.$r/scheduler.log" || true)"
    exit 1
  fi
  if [[ -z "$best_off" ]] || awk -v a="$s_off" -v b="$best_off" 'BEGIN{exit !(a<b)}'; then best_off="$s_off"; cpu_off="$c_off"; fi
  if [[ -z "$best_on" ]] || awk -v a="$s_on" -v b="$best_on" 'BEGIN{exit !(a<b)}'; then best_on="$s_on"; cpu_on="$c_on"; fi
done

python3 - "$tasks" "$best_off" "$best_on" "$cpu_off" "$cpu_on" "$root" \
  "$subsystems" "$build_type" "$all_off" "$all_on" "$load" <<'PY'
import json, statistics, sys
(tasks, off, on, cpu_off, cpu_on, root, subs, build_type, all_off, all_on,
 load) = sys.argv[1:]
tasks = int(tasks)
off, on, cpu_off, cpu_on = map(float, (off, on, cpu_off, cpu_on))
runs_off = [tuple(map(float, r.split(","))) for r in all_off.split()]
runs_on = [tuple(map(float, r.split(","))) for r in all_on.split()]
med = lambda runs, i: statistics.median(r[i] for r in runs)
print(json.dumps({
    "bench": "cgroup_cost_%d" % tasks,
    "tasks": tasks,
    "concurrency": 2,
    "cgroup_root": root,
    "subsystems": subs.split(","),
    "off_s": round(off, 3),
    "on_s": round(on, 3),
    "off_tasks_per_s": round(tasks / off, 1),
    "on_tasks_per_s": round(tasks / on, 1),
    # Wall time added per task at concurrency 2 (the throughput view) and
    # CPU (scheduler + tasks, user + sys) added per task.
    "added_wall_ms_per_task": round(1000 * (on - off) / tasks, 3),
    "added_cpu_ms_per_task": round(1000 * (cpu_on - cpu_off) / tasks, 3),
    "on_off_ratio": round(on / off, 3),
    # The same from the medians of the R runs of each.
    "median_off_s": round(med(runs_off, 0), 3),
    "median_on_s": round(med(runs_on, 0), 3),
    "median_added_wall_ms_per_task":
        round(1000 * (med(runs_on, 0) - med(runs_off, 0)) / tasks, 3),
    "median_added_cpu_ms_per_task":
        round(1000 * (med(runs_on, 1) - med(runs_off, 1)) / tasks, 3),
    "wall_s_off": [r[0] for r in runs_off],
    "wall_s_on": [r[0] for r in runs_on],
    "busy_loops_beside": int(load),
    "build_type": build_type,
}))
PY
