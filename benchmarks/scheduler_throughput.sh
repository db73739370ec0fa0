#!/usr/bin/env bash
# Scheduler throughput at Bistro's db-scraping shape, measured on the real
# bistro_scheduler binary with --benchmark_run (fake tasks, no processes).
#
# Shape: 12,000 hosts x 25 dbs (300k nodes), host_concurrency limit 2,
# db_concurrency limit 1, 5 jobs; fake tasks last uniformly 0..2x
# --test_task_duration ms. With every slot busy the scheduler can finish at
# most 24,000 slots / mean duration = 4,800 tasks/s (at 5,000 ms): that is
# "ideal"; normalized_throughput = measured finished/s over the middle of
# the run / ideal. Target: >= 0.95.
#
# --hosts H and --jobs J resize the shape (H x 25 dbs, J jobs; ideal is
# then 2H / mean duration): benchmarks/run sweeps Bistro's paper points
# (300k and 3M nodes, 10 jobs) with them.
#
# Progress goes to stderr; one JSON line goes to stdout.
#
# --round-threads N passes --round_threads=N (default: the scheduler's).
#
# Usage: benchmarks/scheduler_throughput.sh [--build-dir DIR] [--seconds N]
#          [--window FROM:TO] [--task-ms MS] [--hosts H] [--jobs J]
#          [--round-threads N] [--keep-log] [--force]
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
build_dir="build"
seconds=60
window=""
task_ms=5000
keep_log=0
force=0
seed=1
hosts=12000
jobs=5
round_threads=""

usage() { sed -n '2,23p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
while [[ $# -gt 0 ]]; do
  case "$1" in
    --build-dir) build_dir="$2"; shift 2 ;;
    --build-dir=*) build_dir="${1#*=}"; shift ;;
    --seconds) seconds="$2"; shift 2 ;;
    --seconds=*) seconds="${1#*=}"; shift ;;
    --window) window="$2"; shift 2 ;;
    --window=*) window="${1#*=}"; shift ;;
    --task-ms) task_ms="$2"; shift 2 ;;
    --task-ms=*) task_ms="${1#*=}"; shift ;;
    --seed) seed="$2"; shift 2 ;;
    --hosts) hosts="$2"; shift 2 ;;
    --hosts=*) hosts="${1#*=}"; shift ;;
    --jobs) jobs="$2"; shift 2 ;;
    --jobs=*) jobs="${1#*=}"; shift ;;
    --round-threads) round_threads="$2"; shift 2 ;;
    --round-threads=*) round_threads="${1#*=}"; shift ;;
    --keep-log) keep_log=1; shift ;;
    --force) force=1; shift ;;
    -h|--help) usage ;;
    *) echo "scheduler_throughput: unknown argument $1" >&2; usage ;;
  esac
done

log() { echo "scheduler_throughput: $*" >&2; }

binary="$build_dir/apps/bistro_scheduler"
[[ -x "$binary" ]] || { log "no binary at $binary (build it first)"; exit 2; }

# A Debug (or unoptimized) build measures nothing worth keeping.
# shellcheck source=benchmarks/lib.sh
source "$here/lib.sh"
check_build_type "$build_dir" "$force"

if [[ -z "$window" ]]; then
  # The middle half of the run: from S/4 to 3S/4 (15..45 s for 60 s).
  window="$(awk -v s="$seconds" 'BEGIN { printf "%g:%g", s / 4, 3 * s / 4 }')"
fi
win_from="${window%%:*}"
win_to="${window##*:}"

work="$(mktemp -d /tmp/bistro-bench-throughput.XXXXXX)"
pid=""
cleanup() {
  if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid" 2>/dev/null || true; fi
  if [[ $keep_log -eq 1 ]]; then log "kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT

config="$work/config.json"
python3 - "$here/configs/db_scraping_300k.json" "$config" "$hosts" "$jobs" <<'PY'
import json, sys
src, dst, hosts, jobs = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
cfg = json.load(open(src))
cfg["bistro_settings"]["nodes"]["node_sources"][0]["prefs"]["end"] = hosts - 1
for key in [k for k in cfg if k.startswith("bistro_job->")]:
    del cfg[key]
for j in range(1, jobs + 1):
    cfg["bistro_job->scrape%d" % j] = {"owner": "bench"}
json.dump(cfg, open(dst, "w"), indent=2)
PY
log "binary $binary ($build_type), config $config, $seconds s, window $window s"

# The stats line is at info level, like the two lines per task, so the log
# is big (~10k lines/s); it goes to a file in $work, not a terminal.
t0="$(date +%s.%N)"
"$binary" \
  --config_file="$config" \
  --benchmark_run \
  --test_task_duration="$task_ms" \
  --test_failure_rate=0 \
  --stats_interval_ms=1000 \
  --instance_node_name=inst \
  --data_dir="$work/data" \
  --clean_statuses \
  --seed="$seed" \
  --log_level=info \
  ${round_threads:+--round_threads="$round_threads"} \
  >"$work/scheduler.log" 2>&1 &
pid=$!

# Sleep in 1 s steps so that progress shows and an early exit is noticed.
elapsed=0
while (( elapsed < seconds )); do
  sleep 1
  elapsed=$((elapsed + 1))
  if ! kill -0 "$pid" 2>/dev/null; then
    log "scheduler exited early after ${elapsed}s; last lines:"
    tail -5 "$work/scheduler.log" >&2
    exit 1
  fi
  if (( elapsed % 10 == 0 )); then
    log "t=${elapsed}s $(grep -a 'stats:' "$work/scheduler.log" | tail -1 | sed 's/.*stats: //')"
  fi
done

# Peak RSS and CPU time, read while the process is still alive.
hwm_kb="$(awk '/^VmHWM:/ { print $2 }' "/proc/$pid/status" 2>/dev/null || echo 0)"
clk_tck="$(getconf CLK_TCK)"
cpu_s="$(awk -v hz="$clk_tck" '{ sub(/^.*\) /, ""); print ($12 + $13) / hz }' "/proc/$pid/stat" 2>/dev/null || echo 0)"
threads="$(awk '/^Threads:/ { print $2 }' "/proc/$pid/status" 2>/dev/null || echo 0)"
t_end="$(date +%s.%N)"
kill -INT "$pid" 2>/dev/null || true
for _ in 1 2 3 4 5 6 7 8 9 10; do
  kill -0 "$pid" 2>/dev/null || break
  sleep 0.5
done
kill -KILL "$pid" 2>/dev/null || true
wait "$pid" 2>/dev/null || true
pid=""

# The stats lines carry wall-clock stamps: the stats timer drifts when the
# scheduler is busy, so rates use the stamps, not the line count.
python3 - "$work/scheduler.log" "$t0" "$t_end" "$win_from" "$win_to" \
  "$seconds" "$task_ms" "$hwm_kb" "$cpu_s" "$threads" "$build_type" \
  "$hosts" "$jobs" "$round_threads" <<'PY'
import json, re, sys
from datetime import datetime

(path, t0, t_end, win_from, win_to, seconds, task_ms, hwm_kb, cpu_s,
 threads, build_type, hosts, jobs, round_threads) = sys.argv[1:]
hosts, jobs = int(hosts), int(jobs)
t0, t_end = float(t0), float(t_end)
win_from, win_to = float(win_from), float(win_to)
task_ms = int(task_ms)

stamp = re.compile(r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}) ")
stats_re = re.compile(r"stats: running (\d+) started (\d+) finished (\d+) "
                      r"rounds (\d+) round_seconds ([\d.]+)")
samples = []          # (t, running, started, finished, rounds, round_s)
first_start = None
lines = 0
errors = 0
not_done = 0
with open(path, "rb") as f:
    for raw in f:
        lines += 1
        line = raw.decode("utf-8", "replace")
        m = stamp.match(line)
        if not m:
            continue
        rest = line[m.end():]
        if rest.startswith("error") or rest.startswith("critical"):
            errors += 1
        if " ended: " in rest and " ended: done" not in rest:
            not_done += 1
        if first_start is None and rest.startswith("info starting "):
            first_start = m.group(1)
        s = stats_re.search(rest)
        if s:
            t = datetime.strptime(m.group(1), "%Y-%m-%d %H:%M:%S.%f").timestamp()
            samples.append((t - t0,) + tuple(int(x) for x in s.groups()[:4])
                           + (float(s.group(5)),))

def rel(stamp_text):
    if stamp_text is None:
        return None
    return round(datetime.strptime(stamp_text, "%Y-%m-%d %H:%M:%S.%f")
                 .timestamp() - t0, 3)

slots = hosts * 2
ideal = slots / (task_ms / 1000.0)
inside = [s for s in samples if win_from <= s[0] <= win_to]
nodes = hosts * 26 + 1
size = ("%gm" % (hosts * 25 / 1e6)) if hosts * 25 >= 1e6 else ("%gk" % (hosts * 25 / 1e3))
result = {"bench": "benchmark_run_" + size, "nodes": nodes, "jobs": jobs,
          "task_ms": task_ms}
if round_threads:
    result["round_threads"] = int(round_threads)
if len(inside) < 2:
    print(f"scheduler_throughput: only {len(inside)} stats lines in the "
          f"window {win_from}..{win_to}s ({len(samples)} in all)",
          file=sys.stderr)
    result.update({"error": "too few stats lines in the window",
                   "stats_lines": len(samples)})
    print(json.dumps(result))
    sys.exit(1)
a, b = inside[0], inside[-1]
dt = b[0] - a[0]
finished_per_s = (b[3] - a[3]) / dt
started_per_s = (b[2] - a[2]) / dt
mean_running = sum(s[1] for s in inside) / len(inside)
round_busy = (b[5] - a[5]) / dt          # fraction of wall time in rounds
rounds_per_s = (b[4] - a[4]) / dt
# Largest gap between stats lines: a stall of the scheduler actor shows here.
gaps = [y[0] - x[0] for x, y in zip(samples, samples[1:])]
run_s = t_end - t0
result.update({
    "normalized_throughput": round(finished_per_s / ideal, 4),
    "finished_per_s": round(finished_per_s, 1),
    "ideal_per_s": round(ideal, 1),
    "seconds": int(seconds),
    "window_s": [round(a[0], 2), round(b[0], 2)],
    "started_per_s": round(started_per_s, 1),
    "mean_running": round(mean_running, 1),
    "slot_occupancy": round(mean_running / slots, 4),
    "rounds_per_s": round(rounds_per_s, 2),
    "round_busy_fraction": round(round_busy, 4),
    "first_task_s": rel(first_start),
    "total_finished": samples[-1][3] if samples else 0,
    "not_done_results": not_done,
    "error_lines": errors,
    "max_stats_gap_s": round(max(gaps), 3) if gaps else None,
    "peak_rss_mb": round(int(hwm_kb) / 1024.0, 1),
    "cpu_s": round(float(cpu_s), 2),
    "cpu_cores_used": round(float(cpu_s) / run_s, 3),
    "threads": int(threads),
    "log_lines": lines,
    "build_type": build_type,
})
print(json.dumps(result))
PY
