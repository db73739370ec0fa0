#!/usr/bin/env bash
# HTTP API under load while the scheduler works: 300,000 nodes x 5 jobs
# (Bistro's db-scraping shape, benchmarks/configs/db_scraping_300k.json) in
# --benchmark_run with 5 s fake tasks, which keeps ~4,800 tasks/s going.
#
# Two runs in one command:
#   quiet   no HTTP load; tasks finished/s over the window
#   loaded  wrk with 32 connections: first on GET /api/jobs, then on a paged
#           GET /api/tasks?job=scrape1&limit=100, each for half the window
# and prints p50/p99 latency and requests/s of each route (targets: p99 under
# 50 ms) and loaded/quiet task throughput (target: >= 0.9).
#
# Progress goes to stderr; one JSON line goes to stdout.
#
# Usage: benchmarks/http_load.sh [--build-dir DIR] [--window S] [--force]
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
build_dir="build"
window=20
warmup=15
force=0
while [[ $# -gt 0 ]]; do
  case "$1" in
    --build-dir) build_dir="$2"; shift 2 ;;
    --build-dir=*) build_dir="${1#*=}"; shift ;;
    --window) window="$2"; shift 2 ;;
    --window=*) window="${1#*=}"; shift ;;
    --force) force=1; shift ;;
    -h|--help) sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
    *) echo "http_load: unknown argument $1" >&2; exit 2 ;;
  esac
done

log() { echo "http_load: $*" >&2; }
binary="$build_dir/apps/bistro_scheduler"
[[ -x "$binary" ]] || { log "no binary at $binary (build it first)"; exit 2; }
# shellcheck source=benchmarks/lib.sh
source "$here/lib.sh"
check_build_type "$build_dir" "$force"
for tool in wrk curl; do
  if ! command -v "$tool" >/dev/null; then
    log "installing $tool"
    sudo_cmd=(); [[ "$(id -u)" -ne 0 ]] && sudo_cmd=(sudo)
    "${sudo_cmd[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y "$tool" >&2
  fi
done

work="$(mktemp -d /tmp/bistro-bench-http.XXXXXX)"
pid=""
cleanup() {
  if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

port=$((20000 + RANDOM % 20000))
base="http://127.0.0.1:$port"

finished() {  # tasks finished so far, from the scheduler's own counter
  curl -sf "$base/api/status" | python3 -c 'import json,sys; print(json.load(sys.stdin)["tasks_finished"])'
}

wrk_run() {  # $1: path, $2: seconds; prints "p50_ms p99_ms req_per_s"
  wrk -t2 -c32 -d"$2"s --latency "$base$1" 2>&1 | python3 -c '
import re, sys
text = sys.stdin.read()
def ms(v, unit):
    return float(v) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]
pct = {m.group(1): ms(m.group(2), m.group(3))
       for m in re.finditer(r"^\s+(50|99)%\s+([\d.]+)(us|ms|s)\s*$", text, re.M)}
rps = re.search(r"Requests/sec:\s+([\d.]+)", text)
errors = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
print(pct.get("50", -1), pct.get("99", -1), rps.group(1) if rps else 0,
      errors.group(1) if errors else 0)'
}

run() {  # $1: quiet|loaded; prints "tasks_per_s [route stats...]"
  rm -rf "$work/data"
  "$binary" --config_file="$here/configs/db_scraping_300k.json" \
    --benchmark_run --test_task_duration=5000 --test_failure_rate=0 \
    --instance_node_name=inst --data_dir="$work/data" --clean_statuses \
    --http_server_port="$port" --log_level=warning --seed=1 \
    >"$work/$1.log" 2>&1 &
  pid=$!
  local t=0
  until curl -sf "$base/healthz" >/dev/null 2>&1; do
    sleep 0.2; t=$((t + 1))
    (( t < 300 )) || { log "$1: no HTTP answer; $(tail -3 "$work/$1.log")"; exit 1; }
  done
  sleep "$warmup"
  local f0 t0 f1 t1 jobs="" tasks=""
  f0="$(finished)"; t0="$(date +%s.%N)"
  if [[ "$1" == loaded ]]; then
    jobs="$(wrk_run /api/jobs $((window / 2)))"
    tasks="$(wrk_run '/api/tasks?job=scrape1&limit=100' $((window / 2)))"
  else
    sleep "$window"
  fi
  f1="$(finished)"; t1="$(date +%s.%N)"
  kill -TERM "$pid"; wait "$pid" || true; pid=""
  local rate
  rate="$(awk -v a="$f0" -v b="$f1" -v s="$t0" -v e="$t1" 'BEGIN { printf "%.1f", (b - a) / (e - s) }')"
  log "$1: $rate tasks/s${jobs:+; /api/jobs p50 p99 rps non2xx: $jobs}${tasks:+; /api/tasks: $tasks}"
  echo "$rate $jobs $tasks"
}

log "binary $binary ($build_type), 300k nodes x 5 jobs, warm-up ${warmup}s, window ${window}s"
read -r quiet_rate <<<"$(run quiet)"
read -r loaded_rate j50 j99 jrps jbad t50 t99 trps tbad <<<"$(run loaded)"
python3 - "$quiet_rate" "$loaded_rate" "$j50" "$j99" "$jrps" "$jbad" \
  "$t50" "$t99" "$trps" "$tbad" "$build_type" <<'PY'
import json, sys
q, l, j50, j99, jrps, jbad, t50, t99, trps, tbad = map(float, sys.argv[1:11])
print(json.dumps({
    "bench": "http_load_300k",
    "quiet_tasks_per_s": q, "loaded_tasks_per_s": l,
    "throughput_ratio": round(l / q, 3) if q else None,
    "target_throughput_ratio": 0.9,
    "api_jobs_p50_ms": j50, "api_jobs_p99_ms": j99, "api_jobs_rps": jrps,
    "api_jobs_non_2xx": int(jbad),
    "api_tasks_p50_ms": t50, "api_tasks_p99_ms": t99, "api_tasks_rps": trps,
    "api_tasks_non_2xx": int(tbad),
    "target_p99_ms": 50, "connections": 32,
    "build_type": sys.argv[11],
}))
PY
