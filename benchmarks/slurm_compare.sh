#!/usr/bin/env bash
# Bistro beside a peer scheduler on the same host: Slurm (single node on
# localhost, started and stopped by /work/shared/peers/slurm/slurm-peer.sh or
# --peer PATH, with its high-throughput settings and 1,024 CPU slots).
#
#   processes/slurm_array  N minimal tasks (default 10,000) as one job array;
#                          tasks/s and the time to the first task's end.
#                          process_peers.sh gives Bistro's side.
#   hierarchical           H hosts x D dbs (default 10 x 5), J jobs (default
#                          4), each task sleeps S s (default 1); at most 2
#                          tasks per host and 1 per db. Run by Slurm and by
#                          bistro_scheduler (local worker) with the same task
#                          script; per side: makespan against the ideal, tasks/s,
#                          submit -> first start, the gap between a host slot
#                          freeing and its next start (scheduling latency),
#                          and the largest concurrency seen per host and per
#                          db (the limits held if <= 2 and <= 1).
#
# Slurm has no node tree, so the limits are expressed as it allows: one
# array per db holding that db's J tasks with the throttle %1 (per-db
# limit), each array task taking one license host<h> of 2 (per-host limit).
# The JSON says what this cannot express. If Slurm cannot run, one JSON line
# says exactly why. Progress goes to stderr.
#
# Usage: benchmarks/slurm_compare.sh [--build-dir DIR] [--tasks N]
#          [--hosts H] [--dbs D] [--jobs J] [--task-s S] [--peer PATH]
#          [--force]
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
build_dir="build"
tasks=10000
hosts=10
dbs=5
jobs=4
task_s=1
peer=/work/shared/peers/slurm/slurm-peer.sh
force=0

usage() { sed -n '2,27p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
while [[ $# -gt 0 ]]; do
  case "$1" in
    --build-dir) build_dir="$2"; shift 2 ;;
    --tasks) tasks="$2"; shift 2 ;;
    --hosts) hosts="$2"; shift 2 ;;
    --dbs) dbs="$2"; shift 2 ;;
    --jobs) jobs="$2"; shift 2 ;;
    --task-s) task_s="$2"; shift 2 ;;
    --peer) peer="$2"; shift 2 ;;
    --force) force=1; shift ;;
    -h|--help) usage ;;
    *) echo "slurm_compare: unknown argument $1" >&2; usage ;;
  esac
done

log() { echo "slurm_compare: $*" >&2; }
now() { date +%s.%N; }
fail() {  # $1: why Slurm could not run
  log "$1"
  python3 -c 'import json, sys; print(json.dumps({"bench": "slurm", "error": sys.argv[1]}))' "$1"
  exit 0
}

scheduler_bin="$build_dir/apps/bistro_scheduler"
[[ -x "$scheduler_bin" ]] || { log "no binary at $scheduler_bin (build it first)"; exit 2; }
# shellcheck source=benchmarks/lib.sh
source "$here/lib.sh"
check_build_type "$build_dir" "$force"

work="$(mktemp -d /tmp/bistro-bench-slurm.XXXXXX)"
export PEER_DIR="$work/slurm"
slurm_up=0
cleanup() {
  if [[ $slurm_up -eq 1 ]]; then bash "$peer" down >/dev/null 2>&1 || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

[[ -f "$peer" ]] || fail "no Slurm peer script at $peer"
if ! command -v sbatch >/dev/null || ! command -v slurmctld >/dev/null; then
  log "Slurm is not installed; trying: $peer install"
  bash "$peer" install >&2 || fail "'$peer install' failed (apt-get install slurm-wlm munge)"
fi
[[ "$(id -u)" -eq 0 ]] || fail "slurm-peer.sh runs slurmctld/slurmd as root (SlurmUser=root); this script is not root"

licenses="$(python3 -c 'import sys; print(",".join("host%d:2" % h for h in range(int(sys.argv[1]))))' "$hosts")"
export SLURM_EXTRA_CONF="Licenses=$licenses"
slurm_up=1
if ! bash "$peer" up >"$work/up.log" 2>&1; then
  fail "'$peer up' failed: $(tail -3 "$work/up.log" | tr '\n' ' ')"
fi
export SLURM_CONF="$PEER_DIR/etc/slurm.conf"
log "$(tail -1 "$work/up.log")"
slurm_version="$(sinfo -V 2>/dev/null || echo unknown)"

# ---------------------------------------------------------------------------
# N minimal tasks as one job array.
# ---------------------------------------------------------------------------
mkdir -p "$work/array"
cat >"$work/array_task.sh" <<TASK
#!/bin/sh
# The same work as benchmarks/configs/done_task.sh: one sh, one small write.
echo done > "$work/array/node\$1"
TASK
chmod +x "$work/array_task.sh"
log "array of $tasks minimal tasks"
t0="$(now)"
peer_s="$(bash "$peer" array "$tasks" "$work/array_task.sh")"
t1="$(now)"
python3 - "$work/array" "$tasks" "$t0" "$t1" "$peer_s" "$slurm_version" <<'PY'
import json, os, sys
d, n, t0, t1, peer_s, version = sys.argv[1:]
n, t0, t1 = int(n), float(t0), float(t1)
done = 0
first = None
for name in os.listdir(d):
    p = os.path.join(d, name)
    if open(p).read().strip() == "done":
        done += 1
    m = os.stat(p).st_mtime
    first = m if first is None else min(first, m)
secs = t1 - t0
print(json.dumps({
    "bench": "processes", "system": "slurm_array", "tasks": n,
    "concurrency": 1024, "seconds": round(secs, 3),
    "tasks_per_s": round(n / secs, 1), "all_done": done == n,
    "done": done, "peer_script_s": float(peer_s),
    "submit_to_first_task_end_s": round(first - t0, 3) if first else None,
    "slurm_version": version,
    "note": "Slurm with 1024 CPU slots on this node (its best case); the "
            "others run at the concurrency in their own lines",
}))
PY

# ---------------------------------------------------------------------------
# Hierarchical limits: hosts x dbs, 2 per host, 1 per db.
# ---------------------------------------------------------------------------
hier_task="$work/hier_task.sh"
cat >"$hier_task" <<TASK
#!/bin/sh
# argv: <node host.db> <status file> ...: log start and end, report done.
s=\$(date +%s.%N)
sleep $task_s
e=\$(date +%s.%N)
echo "\$1 \$s \$e" >> "\$HIER_LOG"
echo done > "\$2"
TASK
chmod +x "$hier_task"
total=$((hosts * dbs * jobs))
log "hierarchical: $hosts hosts x $dbs dbs x $jobs jobs = $total tasks of ${task_s}s, Slurm"
export HIER_LOG="$work/hier_slurm.log"
: >"$HIER_LOG"
t0="$(now)"
for h in $(seq 0 $((hosts - 1))); do
  for d in $(seq 0 $((dbs - 1))); do
    sbatch -Q --parsable -o /dev/null -e /dev/null -J hier -L "host$h:1" \
      --export=ALL --array="0-$((jobs - 1))%1" \
      --wrap "$hier_task host$h.db$d /dev/null" >/dev/null
  done
done
t_submitted="$(now)"
for _ in $(seq 1 100000); do
  [[ -z "$(squeue -h -r --name=hier -o %i 2>/dev/null)" ]] && break
  sleep 0.2
done
echo "$t0 $t_submitted" >"$work/hier_slurm.t0"

log "hierarchical: the same on bistro_scheduler (local worker)"
python3 - "$work/hier.json" "$hosts" "$dbs" "$jobs" <<'PY'
import json, sys
path, hosts, dbs, jobs = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
cfg = {"bistro_settings": {
    "enabled": True,
    "nodes": {"levels": ["host", "db"], "node_sources": [
        {"source": "range_label", "prefs": {"parent_level": "instance",
         "start": 0, "end": hosts - 1, "format": "host{i}"}},
        {"source": "range_label", "prefs": {"parent_level": "host",
         "start": 0, "end": dbs - 1, "format": "{parent}.db{i}"}}]},
    "resources": {"host": {"host_concurrency": {"limit": 2, "default": 1}},
                  "db": {"db_concurrency": {"limit": 1, "default": 1}}}}}
for j in range(jobs):
    cfg["bistro_job->job%d" % j] = {"owner": "bench"}
json.dump(cfg, open(path, "w"), indent=2)
PY
export HIER_LOG="$work/hier_bistro.log"
: >"$HIER_LOG"
t0="$(now)"
"$scheduler_bin" --config_file="$work/hier.json" --worker_command="$hier_task" \
  --exit_when_done --instance_node_name=inst --data_dir="$work/bistro_data" \
  --clean_statuses --config_update_ms=600000 --nodes_update_ms=600000 \
  --log_level=info >"$work/bistro.log" 2>&1 || log "bistro_scheduler exited $?: $(tail -2 "$work/bistro.log")"
echo "$t0 $t0" >"$work/hier_bistro.t0"

python3 - "$work" "$hosts" "$dbs" "$jobs" "$task_s" <<'PY'
import collections, json, math, sys
work, hosts, dbs, jobs, task_s = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5])
total = hosts * dbs * jobs
ideal = max(math.ceil(dbs * jobs / 2) * task_s, jobs * task_s)
def max_overlap(intervals):
    ev = sorted([(s, 1) for s, e in intervals] + [(e, -1) for s, e in intervals],
                key=lambda x: (x[0], x[1]))
    cur = best = 0
    for _, k in ev:
        cur += k
        best = max(best, cur)
    return best
for side in ("slurm", "bistro_local"):
    name = "slurm" if side == "slurm" else "bistro"
    t0, t_sub = map(float, open(f"{work}/hier_{name}.t0").read().split())
    rows = [l.split() for l in open(f"{work}/hier_{name}.log") if l.strip()]
    rows = [(r[0], float(r[1]), float(r[2])) for r in rows]
    by_host, by_db = collections.defaultdict(list), collections.defaultdict(list)
    for node, s, e in rows:
        by_host[node.split(".")[0]].append((s, e))
        by_db[node].append((s, e))
    gaps = []
    for iv in by_host.values():
        # a slot frees at each end; the next start on the host takes it
        ends = sorted(e for _, e in iv)
        starts = sorted(s for s, _ in iv)[2:]
        for s in starts:
            freed = [e for e in ends if e <= s + 1e-3]
            if freed:
                gaps.append(s - max(freed))
    gaps.sort()
    makespan = max(e for _, _, e in rows) - t0 if rows else None
    out = {
        "bench": "hierarchical", "system": side, "hosts": hosts, "dbs": dbs,
        "jobs": jobs, "task_s": task_s, "tasks": total, "done": len(rows),
        "makespan_s": round(makespan, 3) if makespan else None,
        "ideal_makespan_s": ideal,
        "makespan_over_ideal": round(makespan / ideal, 3) if makespan else None,
        "tasks_per_s": round(len(rows) / makespan, 2) if makespan else None,
        "submit_s": round(t_sub - t0, 3),
        "submit_to_first_start_s": round(min(s for _, s, _ in rows) - t0, 3) if rows else None,
        "slot_free_to_next_start_ms_p50": round(1000 * gaps[len(gaps) // 2], 1) if gaps else None,
        "slot_free_to_next_start_ms_mean": round(1000 * sum(gaps) / len(gaps), 1) if gaps else None,
        "max_tasks_per_host": max((max_overlap(v) for v in by_host.values()), default=0),
        "max_tasks_per_db": max((max_overlap(v) for v in by_db.values()), default=0),
    }
    if side == "slurm":
        out["expressed_as"] = ("one array per db holding its %d job tasks with "
                               "the throttle %%1 (per-db limit); license host<h> "
                               "with count 2, one per array task (per-host limit)" % jobs)
        out["not_expressible"] = (
            "Slurm has no node tree: hosts and dbs are not Slurm objects, so the "
            "limits are cluster-wide license counters the submitter must keep in "
            "step with the data; the natural shape (one array per job over all "
            "dbs) cannot carry a per-db limit, because an array throttle (%N) "
            "only limits tasks of the same array and a license per db would be "
            "needed instead (hosts x dbs licenses in slurm.conf, a restart of "
            "slurmctld to change them); the jobs therefore had to be transposed "
            "into per-db arrays, so adding a job means resubmitting every db; "
            "no per-job priority across the transposed arrays; tasks cannot "
            "be re-run from a stored per-(job, db) status as Bistro does")
    print(json.dumps(out))
PY
