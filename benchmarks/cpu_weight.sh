#!/usr/bin/env bash
# Whether a task's CPU resource becomes its share of a contended CPU: two
# tasks in cgroups (task_subprocess.cgroups, v1 `cpu` and `cpuacct`), both
# pinned to one CPU with taskset, spin for the same wall time. Their job's
# `cpu` resource maps to cpu_core with `"enforcement": "soft"`, so each
# gets cpu.shares = 1024 per core asked for. The heavy job asks for
# --heavy cores, the light one for 1: the CPU time each got should come
# out in that ratio.
#
# Prints one JSON line: each task's CPU seconds and their ratio with
# cgroups (on) and, as the control, without (off), and the ratio asked for.
#
# Usage: benchmarks/cpu_weight.sh [--build-dir DIR] [--heavy N]
#          [--seconds S] [--cpu C] [--force]
# Defaults: heavy 3, 6 s of spinning, CPU 0, root /sys/fs/cgroup (v1).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
build_dir="build"
heavy=3
seconds=6
cpu=0
force=0

usage() { sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
while [[ $# -gt 0 ]]; do
  case "$1" in
    --build-dir) build_dir="$2"; shift 2 ;;
    --heavy) heavy="$2"; shift 2 ;;
    --seconds) seconds="$2"; shift 2 ;;
    --cpu) cpu="$2"; shift 2 ;;
    --force) force=1; shift ;;
    -h|--help) usage ;;
    *) echo "cpu_weight: unknown argument $1" >&2; usage ;;
  esac
done

log() { echo "cpu_weight: $*" >&2; }

binary="$build_dir/apps/bistro_scheduler"
[[ -x "$binary" ]] || { log "no binary at $binary (build it first)"; exit 2; }
# shellcheck source=benchmarks/lib.sh
source "$here/lib.sh"
check_build_type "$build_dir" "$force"
for s in cpu cpuacct; do
  [[ -d /sys/fs/cgroup/$s ]] || { log "cgroup v1 $s is not mounted at /sys/fs/cgroup/$s"; exit 2; }
done

work="$(mktemp -d /tmp/bistro-bench-cpuweight.XXXXXX)"
slice="bistro-bench-cpu-$$"
cleanup() {
  for s in cpu cpuacct; do rmdir "/sys/fs/cgroup/$s/$slice" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

# Each task waits for the other (bounded), spins on the one CPU, then
# writes the CPU time its children used (`times`' second line).
cat >"$work/spin.sh" <<EOF
#!/bin/sh
JOB=\$(printf '%s' "\$3" | sed -n 's/.*"id":"\\([^"]*\\)".*/\\1/p')
touch "$work/ready.\$JOB"
i=0
while [ \$i -lt 1000 ] && [ ! -e "$work/ready.heavy" -o ! -e "$work/ready.light" ]; do
  sleep 0.01; i=\$((i+1))
done
taskset -c $cpu timeout $seconds sh -c 'while :; do :; done' || true
# Not in a pipeline: a subshell would report its own (no) children.
times > "$work/times.\$JOB.both"
tail -1 "$work/times.\$JOB.both" > "$work/times.\$JOB"
echo done > "\$2"
EOF
chmod +x "$work/spin.sh"

cat >"$work/config.template" <<EOF
{"bistro_settings": {
  "nodes": {"levels": ["level1", "level2"], "node_source": "manual",
            "node_source_prefs": {"a": ["a1"]}},
  "enabled": true, "idle_wait": 0.2, "working_wait": 0.05,
  "resources": {"worker": {"cpu": {"limit": 1000, "default": 1}}},
  "physical_resources": {"cpu_core": {"logical_resource": "cpu",
                                      "enforcement": "soft"}}
  CGROUPS},
 "bistro_job->heavy": {"owner": "bench", "command": ["$work/spin.sh"],
                       "resources": {"cpu": $heavy}},
 "bistro_job->light": {"owner": "bench", "command": ["$work/spin.sh"],
                       "resources": {"cpu": 1}}}
EOF

# The same two tasks without cgroups: the CPU is split evenly, whatever
# they asked for (the control).
cgroups_json=', "task_subprocess": {"cgroups": {"root": "/sys/fs/cgroup", "slice": "'"$slice"'", "subsystems": ["cpu", "cpuacct"]}}'
sed "s|CGROUPS|$cgroups_json|" "$work/config.template" >"$work/config.on.json"
sed "s|CGROUPS||" "$work/config.template" >"$work/config.off.json"

log "binary $binary ($build_type), heavy $heavy : light 1 on CPU $cpu for ${seconds}s, cgroups on and off"
for mode in on off; do
  rm -f "$work"/ready.* "$work"/times.*
  "$binary" --config_file="$work/config.$mode.json" \
    --worker_command="$work/spin.sh" --exit_when_done \
    --instance_node_name=inst --data_dir="$work/data.$mode" \
    --clean_statuses --log_level=info >"$work/scheduler.$mode.log" 2>&1 ||
    { log "the scheduler failed ($mode): $(tail -5 "$work/scheduler.$mode.log")"; exit 1; }
  for j in heavy light; do
    [[ -s "$work/times.$j" ]] || { log "task $j left no CPU time ($mode): $(grep -m3 "$j" "$work/scheduler.$mode.log" || true)"; exit 1; }
    cp "$work/times.$j" "$work/result.$mode.$j"
  done
done

python3 - "$work" "$heavy" "$seconds" "$build_type" <<'PY'
import json, re, sys
def cpu_s(path):
    # "0m4.512s 0m0.004s": user, system.
    total = 0.0
    for m, s in re.findall(r"(\d+)m([\d.]+)s", open(path).read()):
        total += int(m) * 60 + float(s)
    return total
work, heavy, seconds, build_type = sys.argv[1:]
out = {"bench": "cpu_weight", "cgroup": "v1 cpu.shares",
       "seconds": float(seconds), "heavy_cores": float(heavy),
       "light_cores": 1.0, "asked_ratio": float(heavy)}
for mode in ("on", "off"):
    h = cpu_s("%s/result.%s.heavy" % (work, mode))
    l = cpu_s("%s/result.%s.light" % (work, mode))
    out["%s_heavy_cpu_s" % mode] = round(h, 3)
    out["%s_light_cpu_s" % mode] = round(l, 3)
    out["%s_ratio" % mode] = round(h / l, 3) if l > 0 else None
out["build_type"] = build_type
print(json.dumps(out))
PY
