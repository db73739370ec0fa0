#!/usr/bin/env python3
"""Prints the README's markdown results table from one benchmarks/run
results file, so that the README quotes measured figures only.

Usage: benchmarks/results_table.py RESULTS.json
"""
import json
import sys


def main():
    data = json.load(open(sys.argv[1]))
    figs = data["figures"]
    m = data["machine"]
    print("Measured %s on `%s`: %s, %d cores, %.0f GiB RAM, Linux %s; commit "
          "%s, %s, CAF %s; `benchmarks/run%s` (%d s); other builds ran at the "
          "same time (load average %s at the start)." % (
              data["date"][:10], data["host"], m["cpu_model"], m["cores"],
              m["ram_bytes"] / 2**30, m["kernel"], data["versions"]["git_commit"][:10],
              data["versions"]["compiler"], data["versions"]["caf"],
              " --quick" if data["mode"] == "quick" else "", data["wall_seconds"],
              " / ".join(str(x) for x in m["load_avg_at_start"])))
    print()
    print("| what | figure |")
    print("| --- | --- |")
    rows = []
    scale = [f for f in figs if f.get("case") == "scale"]
    for f in sorted((f for f in scale if f["step"].startswith("round_nodes")),
                    key=lambda f: f["nodes"]):
        rows.append(("full round, %s nodes x 10 jobs" % format(f["nodes"], ","),
                     "%.3f s; RSS %.0f B/node, %.1f B/(job, node)" % (
                         f["seconds"], f["rss_bytes_per_node"], f["rss_bytes_per_job_node"])))
    for f in sorted((f for f in scale if f["step"].startswith("round_threads2_")),
                    key=lambda f: f["nodes"]):
        rows.append(("full round, %s nodes x 10 jobs, per-job work on 2 threads" % format(
            f["nodes"], ","), "%.3f s" % f["seconds"]))
    for f in figs:
        if f.get("case") == "threads":
            rows.append(("full round, %s nodes x %d jobs, 1 thread against %d (same run)" % (
                format(f["nodes"], ","), f["jobs"], f["threads"]),
                "%.3f s against %.3f s: speed-up %.2f" % (
                    f["seconds_1_thread"], f["seconds_threads"], f["speedup"])))
        if f.get("case") == "incremental":
            rows.append(("round after 1,000 tasks end, 1M nodes x 10 jobs",
                         "%.4f s (the 1,000 finishes %.4f s more)" % (
                             f["round_in_place_seconds"], f["finish_1000_seconds"])))
    for f in sorted((f for f in scale if f["step"].startswith("round_jobs")),
                    key=lambda f: f["jobs"]):
        rows.append(("full round, %s nodes x %d jobs" % (format(f["nodes"], ","), f["jobs"]),
                     "%.3f s" % f["seconds"]))
    for f in figs:
        if f.get("case") == "round_300k":
            rows.append(("full round, 300k nodes x 5 jobs (Bistro paper: ~5 s brute force)",
                         "%.3f s" % f["seconds"]))
    for f in figs:
        if str(f.get("bench", "")).startswith("benchmark_run_") and "normalized_throughput" in f:
            rows.append(("`--benchmark_run`, %s nodes, %d jobs, mean task %g s" % (
                format(f["nodes"], ","), f["jobs"], f["task_ms"] / 1000),
                "%.3f of ideal (%s of %s tasks/s)" % (
                    f["normalized_throughput"], format(round(f["finished_per_s"]), ","),
                    format(round(f["ideal_per_s"]), ","))))
    for f in figs:
        if f.get("bench") == "processes" and "tasks_per_s" in f:
            rows.append(("%s minimal tasks, %s, concurrency %d" % (
                format(f["tasks"], ","), f["system"], f["concurrency"]),
                "%s tasks/s (%.1f s)%s" % (format(round(f["tasks_per_s"]), ","), f["seconds"],
                                          "" if f["all_done"] else ", NOT all done")))
        if f.get("bench") == "slurm" and "error" in f:
            rows.append(("Slurm", "could not run: " + f["error"]))
        if f.get("bench") == "hierarchical" and f.get("makespan_s"):
            rows.append(("hierarchical limits (%d hosts x %d dbs x %d jobs, %g s tasks, "
                         "2/host, 1/db), %s" % (f["hosts"], f["dbs"], f["jobs"], f["task_s"],
                                                f["system"]),
                         "makespan %.1f s (ideal %g s), submit to first start %.2f s, "
                         "slot free to next start %.0f ms median; max %d/host, %d/db" % (
                             f["makespan_s"], f["ideal_makespan_s"],
                             f["submit_to_first_start_s"],
                             f["slot_free_to_next_start_ms_p50"] or 0,
                             f["max_tasks_per_host"], f["max_tasks_per_db"])))
        if f.get("figure") == "restart_load_s":
            rows.append(("restart: reopen and load %s statuses" % format(f["statuses"], ","),
                         "%.3f s" % f["value"]))
        if f.get("bench") == "worker_loss_detection" and f.get("seconds") is not None:
            rows.append(("kill -9 of a worker to \"lost\", health settings %d s" % f["health_s"],
                         "%.2f s median of %d" % (f["seconds"], f["detected"])))
        if "error" in f and f.get("bench") not in ("slurm",):
            rows.append((f.get("step", "?"), "failed: " + f["error"]))
    for what, fig in rows:
        print("| %s | %s |" % (what, fig))


if __name__ == "__main__":
    main()
