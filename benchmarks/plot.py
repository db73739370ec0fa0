#!/usr/bin/env python3
"""Renders the PNG plots of one benchmarks/run results file with gnuplot.

Usage: benchmarks/plot.py RESULTS.json [OUT_DIR]
Writes <results name>-<plot>.png beside the results file (or in OUT_DIR);
a plot whose figures are missing from the file is skipped.
"""
import json
import os
import subprocess
import sys
import tempfile

# The one figure not measured here: Bistro's paper reports a brute-force
# scheduling pass of about 5 s at 300k nodes x 5 jobs (quoted in issue #9).
PAPER_ROUND_300K_5_JOBS_S = 5.0


def main():
    results = sys.argv[1]
    out_dir = sys.argv[2] if len(sys.argv) > 2 else os.path.dirname(results)
    base = os.path.splitext(os.path.basename(results))[0]
    data = json.load(open(results))
    figs = data["figures"]
    machine = data["machine"]
    title_tail = "%s, %d cores, %s" % (machine["cpu_model"], machine["cores"],
                                       data["date"][:10])
    work = tempfile.mkdtemp(prefix="bistro-plot-")
    terminal = "pngcairo size 900,560 font 'DejaVu Sans,11'"
    probe = subprocess.run(["gnuplot", "-e", "set terminal pngcairo"],
                           capture_output=True, text=True)
    if probe.returncode != 0 or probe.stderr.strip():
        terminal = "png size 900,560"
    made = []

    def plot(name, datasets, script):
        paths = {}
        for key, rows in datasets.items():
            if not rows:
                return
            path = os.path.join(work, key + ".dat")
            with open(path, "w") as f:
                for row in rows:
                    f.write("\t".join(str(x) for x in row) + "\n")
            paths[key] = path
        png = os.path.join(out_dir, "%s-%s.png" % (base, name))
        text = "set terminal %s\nset termoption noenhanced\nset output '%s'\nset grid\nset key top left\n" % (
            terminal, png) + script.format(tail=title_tail, **paths)
        subprocess.run(["gnuplot"], input=text, text=True, check=True)
        made.append(png)

    scale = [f for f in figs if f.get("bench") == "round_bench" and f.get("case") == "scale"]
    by_nodes = sorted((f["nodes"], f["seconds"]) for f in scale
                      if f["jobs"] == 10 and f["step"].startswith("round_nodes"))
    by_nodes_2 = sorted((f["nodes"], f["seconds"]) for f in scale
                        if f["jobs"] == 10 and f["step"].startswith("round_threads2_"))
    mine_300k = [(f["tasks_started"], f["seconds"]) for f in figs
                 if f.get("case") == "round_300k"]
    plot("round_nodes", {"nodes": by_nodes,
                         "ours5": [(300001, s) for _, s in mine_300k],
                         "paper": [(300000, PAPER_ROUND_300K_5_JOBS_S)]}, """
set title "Full scheduling round vs nodes\\n{tail}"
set logscale xy
set xlabel "nodes (hosts x 25 dbs)"
set ylabel "seconds (median of 3 rounds)"
plot '{nodes}' using 1:2 with linespoints lw 2 pt 7 title "bistro-caf, 10 jobs", \\
     '{ours5}' using 1:2 with points pt 9 ps 2 title "bistro-caf, 300k nodes x 5 jobs", \\
     '{paper}' using 1:2 with points pt 5 ps 2 title "Bistro paper (reported): ~5 s, 300k x 5 jobs"
""")

    plot("round_threads", {"one": by_nodes, "two": by_nodes_2}, """
set title "Full scheduling round as the scheduler runs it, 1 and 2 threads (round robin split by subtree), 10 jobs\\n{tail}"
set logscale xy
set xlabel "nodes (hosts x 25 dbs)"
set ylabel "seconds (median of 3 rounds)"
plot '{one}' using 1:2 with linespoints lw 2 pt 7 title "1 thread", \\
     '{two}' using 1:2 with linespoints lw 2 pt 5 title "2 threads"
""")

    by_jobs = sorted((f["jobs"], f["seconds"]) for f in scale
                     if f["step"].startswith("round_jobs"))
    nodes_j = next((f["nodes"] for f in scale if f["step"].startswith("round_jobs")), 0)
    plot("round_jobs", {"jobs": by_jobs}, """
set title "Full scheduling round vs jobs, %d nodes\\n{tail}"
set xlabel "jobs"
set ylabel "seconds (median of 3 rounds)"
set yrange [0:*]
plot '{jobs}' using 1:2 with linespoints lw 2 pt 7 title "bistro-caf"
""" % nodes_j)

    mem = sorted((f["nodes"], f["rss_bytes_per_node"], f["rss_bytes_per_job_node"],
                  f["scheduler_bytes_per_job_node"]) for f in scale
                 if f["step"].startswith("round_nodes"))
    plot("memory", {"mem": mem}, """
set title "Resident memory per node and per (job, node), 10 jobs\\n{tail}"
set key top right
set logscale x
set xlabel "nodes"
set ylabel "bytes"
set yrange [0:*]
plot '{mem}' using 1:2 with linespoints lw 2 pt 7 title "RSS per node (tree)", \\
     '{mem}' using 1:3 with linespoints lw 2 pt 5 title "RSS per (job, node) (status rows)", \\
     '{mem}' using 1:4 with linespoints lw 2 pt 9 title "scheduler state per (job, node)"
""")

    runs = [f for f in figs if str(f.get("bench", "")).startswith("benchmark_run_")
            and "normalized_throughput" in f]
    sets = {}
    for f in runs:
        sets.setdefault(f["nodes"], []).append((f["task_ms"] / 1000.0, f["normalized_throughput"]))
    keys = sorted(sets)
    if keys:
        datasets = {"n%d" % i: sorted(sets[k]) for i, k in enumerate(keys)}
        lines = ", \\\n     ".join(
            "'{n%d}' using 1:2 with linespoints lw 2 pt 7 title \"%s nodes, 10 jobs\"" % (
                i, format(k, ",")) for i, k in enumerate(keys))
        plot("throughput", datasets, """
set title "--benchmark_run normalized throughput (finished/s over ideal)\\n{tail}"
set xlabel "mean task duration, s"
set ylabel "normalized throughput"
set yrange [0:1.1]
set xrange [0:11]
set key bottom right
plot """ + lines + "\n")

    procs = [f for f in figs if f.get("bench") == "processes" and "tasks_per_s" in f]
    if procs:
        rows = [(f["system"], f["tasks_per_s"]) for f in procs]
        n = procs[0]["tasks"]
        plot("processes", {"p": rows}, """
set title "%s minimal tasks on one host, tasks/s\\n{tail}"
set style data histograms
set style fill solid 0.7
set boxwidth 0.7
set key off
set ylabel "tasks/s"
set yrange [0:*]
set xtics rotate by -25
plot '{p}' using 2:xtic(1) lc rgb "#3070b0", '' using 0:2:(sprintf("%%.0f", $2)) with labels offset 0,0.7 notitle
""" % format(n, ","))

    restart = sorted((f["statuses"], f["value"]) for f in figs
                     if f.get("figure") == "restart_load_s")
    plot("restart", {"r": restart}, """
set title "Restart: reopen + load every stored status\\n{tail}"
set logscale xy
set xlabel "stored statuses"
set ylabel "seconds"
plot '{r}' using 1:2 with linespoints lw 2 pt 7 title "status_store load_all"
""")

    loss = sorted((f["health_s"], f["seconds"], f["max_s"]) for f in figs
                  if f.get("bench") == "worker_loss_detection" and f.get("seconds") is not None)
    plot("loss", {"l": loss}, """
set title "Worker kill -9 to 'lost' vs health settings\\n{tail}"
set xlabel "every heartbeat/healthcheck period and grace, s"
set ylabel "seconds"
set yrange [0:*]
set xrange [0:%g]
plot '{l}' using 1:2 with linespoints lw 2 pt 7 title "median", \\
     '{l}' using 1:3 with points pt 6 ps 1.5 title "max"
""" % (max([h for h, _, _ in loss] + [0]) + 1))

    hier = [f for f in figs if f.get("bench") == "hierarchical" and f.get("makespan_s")]
    if hier:
        rows = [(f["system"], f["makespan_s"], f["ideal_makespan_s"]) for f in hier]
        h = hier[0]
        plot("hierarchical", {"h": rows}, """
set title "Hierarchical limits: %d hosts x %d dbs x %d jobs, %g s tasks, 2/host 1/db\\n{tail}"
set style data histograms
set style fill solid 0.7
set boxwidth 0.7
set ylabel "makespan, s"
set yrange [0:*]
plot '{h}' using 2:xtic(1) title "makespan" lc rgb "#3070b0", '' using 3 title "ideal" lc rgb "#a0a0a0"
""" % (h["hosts"], h["dbs"], h["jobs"], h["task_s"]))

    for png in made:
        print(png)


if __name__ == "__main__":
    main()
