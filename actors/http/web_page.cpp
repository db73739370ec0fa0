#include "actors/http/web_page.hpp"

namespace bistro::http {

namespace {

// The grid asks for one page of tasks at a time (/api/tasks limit/after),
// so 100,000+ nodes cost the browser one page, not the whole job; the job
// table's bars come from the aggregated counts of /api/jobs.
constexpr std::string_view page = R"HTML(<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Bistro</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
:root { --done:#2e9d4f; --running:#2f74d0; --backoff:#e0a11b; --failed:#d0352f;
        --waiting:#b8bec6; --avoided:#e4e7eb; --disabled:#6b7280; --bg:#f6f7f9; --fg:#1d2330; }
* { box-sizing: border-box; }
body { margin:0; font:14px/1.4 system-ui, sans-serif; background:var(--bg); color:var(--fg); }
header { background:#1d2330; color:#fff; padding:8px 16px; display:flex; gap:16px; align-items:center; }
header h1 { font-size:18px; margin:0; }
header .meta { opacity:.8; font-size:12px; }
main { display:grid; grid-template-columns: 1fr 1fr; gap:12px; padding:12px; }
section { background:#fff; border-radius:6px; padding:10px 12px; box-shadow:0 1px 2px #0002; min-width:0; }
section.wide { grid-column: 1 / 3; }
h2 { font-size:15px; margin:0 0 8px; }
table { border-collapse:collapse; width:100%; }
th, td { text-align:left; padding:3px 6px; border-bottom:1px solid #eee; vertical-align:middle; }
th { font-weight:600; font-size:12px; color:#555; }
.bar { display:flex; height:14px; width:100%; min-width:120px; border-radius:3px; overflow:hidden; background:var(--waiting); }
.bar span { display:block; height:100%; }
.s-done { background:var(--done); } .s-running { background:var(--running); }
td.killing { color:var(--failed); font-weight:bold; }
.s-backoff { background:var(--backoff); } .s-failed { background:var(--failed); }
.s-waiting { background:var(--waiting); }
.s-invalid { background:repeating-linear-gradient(45deg, var(--failed) 0 4px, #f3c4c2 4px 8px); }
.job-error { color:var(--failed); font-size:12px; }
#startup-wait { display:none; background:#e8f0fb; padding:6px 16px; font-size:13px; }
#startup-wait.shown { display:block; }
td.silent { color:var(--failed); font-weight:600; }
.s-avoided { background:var(--avoided); } .s-disabled { background:var(--disabled); }
.legend span { display:inline-block; padding:0 6px; margin-right:4px; border-radius:3px; color:#fff; font-size:12px; }
.legend .s-waiting, .legend .s-avoided { color:#222; }
#grid { display:flex; flex-wrap:wrap; gap:2px; max-height:360px; overflow:auto; }
#grid .cell { width:14px; height:14px; border-radius:2px; cursor:pointer; }
#grid .cell.selected { outline:2px solid #000; }
button { font:inherit; padding:2px 8px; border-radius:4px; border:1px solid #888; background:#fff; cursor:pointer; }
button.kill { border-color:var(--failed); color:var(--failed); }
button:disabled { opacity:.5; cursor:default; }
#logs-lines { background:#111; color:#ddd; font:12px/1.35 ui-monospace, monospace; padding:8px; height:240px; overflow:auto; white-space:pre-wrap; margin:6px 0 0; }
#auth { display:none; background:#fff3cd; padding:8px 16px; gap:8px; align-items:center; }
#auth.shown { display:flex; }
#message { font-size:12px; }
.error { color:var(--failed); }
.controls { display:flex; gap:8px; align-items:center; flex-wrap:wrap; margin-bottom:6px; }
</style>
</head>
<body>
<header>
  <h1>Bistro</h1>
  <span class="meta" id="summary">loading…</span>
  <span class="meta" id="refreshed"></span>
  <span id="message"></span>
</header>
<div id="startup-wait"></div>
<div id="auth">
  <span>This action needs the server's token:</span>
  <input id="token-input" type="password" size="40" autocomplete="off">
  <button id="token-save">Use token</button>
</div>
<main>
<section class="wide">
  <h2>Jobs</h2>
  <div class="legend"><span class="s-done">done</span><span class="s-running">running</span><span class="s-backoff">backoff</span><span class="s-failed">failed</span><span class="s-waiting">waiting</span><span class="s-avoided" title="the job's filters exclude these nodes">avoided</span><span class="s-disabled" title="these nodes are disabled">disabled</span></div>
  <table id="jobs"><thead><tr><th>job</th><th>tasks</th><th style="width:45%">status</th><th>done</th><th>running</th><th>backoff</th><th>failed</th><th>waiting</th><th>avoided</th><th>disabled</th><th></th></tr></thead><tbody></tbody></table>
</section>
<section class="wide">
  <h2>Tasks</h2>
  <div class="controls">
    <label>job <select id="grid-job"></select></label>
    <label>state <select id="grid-state"><option value="">all</option><option>running</option><option>done</option><option>incomplete</option><option>incomplete_backoff</option><option>error_backoff</option><option>failed</option><option>never_started</option><option>avoided</option><option>disabled</option></select></label>
    <button id="grid-prev">◀ prev</button><button id="grid-next">next ▶</button>
    <span id="grid-info"></span>
  </div>
  <div id="grid"></div>
</section>
<section>
  <h2>Running tasks</h2>
  <table id="running"><thead><tr><th>job</th><th>node</th><th>worker</th><th>run time</th><th title="killing: signaled, its processes not all gone yet">state</th><th title="what the task's cgroups hold now">memory</th><th title="CPU time the task used so far">cpu</th><th></th></tr></thead><tbody></tbody></table>
</section>
<section>
  <h2>Workers</h2>
  <table id="workers"><thead><tr><th>shard</th><th>host</th><th>health</th><th>last heard</th><th>running</th><th>remote</th><th>machine</th><th>limits</th></tr></thead><tbody></tbody></table>
</section>
<section class="wide">
  <h2>Task logs</h2>
  <div class="controls">
    <label>job <input id="logs-job" size="18"></label>
    <label>node <input id="logs-node" size="18"></label>
    <label>type <select id="logs-type"><option>stdout</option><option>stderr</option><option>statuses</option></select></label>
    <button id="logs-show">Show</button>
  </div>
  <pre id="logs-lines"></pre>
</section>
</main>
<script>
"use strict";
const PAGE = 2000;          // grid cells per page
const REFRESH_MS = 3000;
const grid = { job: "", state: "", cursors: [""], page: 0, next: null };
const jobStates = {};       // job -> "ok" | "disabled" | "invalid" | "blocked"
let pendingAction = null;   // retried once the token is given

function token() { return sessionStorage.getItem("bistro_token") || ""; }
function el(tag, attrs, text) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k.startsWith("data-")) e.setAttribute(k, v); else e[k] = v;
  }
  if (text !== undefined) e.textContent = text;
  return e;
}
function say(text, isError) {
  const m = document.getElementById("message");
  m.textContent = text; m.className = isError ? "error" : "";
}
async function api(path, options) {
  const opts = Object.assign({ headers: {} }, options || {});
  if (token()) opts.headers["Authorization"] = "Bearer " + token();
  const res = await fetch(path, opts);
  let body = null;
  try { body = await res.json(); } catch (e) { body = { error: "not JSON" }; }
  if (!res.ok) { const err = new Error(body && body.error || res.statusText); err.status = res.status; throw err; }
  return body;
}
// Status names -> the five colours of the bars.
function bucket(status) {
  if (status === "done") return "done";
  if (status === "running") return "running";
  if (status === "incomplete_backoff" || status === "error_backoff" || status === "worker_lost") return "backoff";
  if (status === "failed") return "failed";
  if (status === "avoided" || status === "disabled") return status;
  return "waiting";
}
function buckets(counts) {
  const b = { done: 0, running: 0, backoff: 0, failed: 0, waiting: 0, avoided: 0, disabled: 0 };
  let total = 0;
  for (const [s, n] of Object.entries(counts || {})) { b[bucket(s)] += n; total += n; }
  return [b, total];
}
async function act(path, what) {
  try {
    const r = await api(path, { method: "POST" });
    say(what + ": " + (r.result || "ok"));
    refresh();
  } catch (e) {
    if (e.status === 401) {
      pendingAction = () => act(path, what);
      document.getElementById("auth").classList.add("shown");
      say("token needed", true);
    } else say(what + ": " + e.message, true);
  }
}
function renderJobs(jobs) {
  const tbody = document.querySelector("#jobs tbody");
  tbody.replaceChildren();
  const select = document.getElementById("grid-job");
  const names = Object.keys(jobs).sort();
  if (select.options.length !== names.length || names.some((n, i) => select.options[i].value !== n)) {
    const keep = select.value;
    select.replaceChildren(...names.map(n => el("option", { value: n }, n)));
    if (names.includes(keep)) select.value = keep;
    if (!grid.job && names.length) { grid.job = names[0]; select.value = grid.job; }
  }
  for (const name of names) {
    const j = jobs[name];
    jobStates[name] = j.state || "ok";
    const [b, total] = buckets(j.counts);
    const state = j.state || (j.enabled ? "ok" : "disabled");
    const invalid = state === "invalid";
    const tr = el("tr", { "data-job": name, "data-state": state });
    const nameCell = el("td", {}, name);
    if (state !== "ok") nameCell.textContent += " (" + state + ")";
    if (j.blocked) nameCell.title = j.blocked;
    // A job with config errors cannot run: say why in the row itself.
    if (invalid) nameCell.append(el("div", { className: "job-error", "data-job": name }, (j.errors || []).join("; ")));
    tr.append(nameCell, el("td", {}, String(total)));
    const bar = el("div", { className: "bar", "data-job": name });
    if (invalid && b.waiting) {
      const seg = el("span", { className: "s-invalid", title: "cannot run: " + (j.errors || []).join("; "), "data-status": "invalid" });
      seg.style.width = (100 * b.waiting / total) + "%";
      bar.append(seg);
    }
    for (const k of ["done", "running", "backoff", "failed", "waiting", "avoided", "disabled"]) {
      if (!b[k] || (invalid && k === "waiting")) continue;
      const seg = el("span", { className: "s-" + k, title: k + ": " + b[k], "data-status": k });
      seg.style.width = (100 * b[k] / total) + "%";
      bar.append(seg);
    }
    const barCell = el("td"); barCell.append(bar); tr.append(barCell);
    for (const k of ["done", "running", "backoff", "failed", "waiting", "avoided", "disabled"])
      tr.append(el("td", { className: "count-" + k, "data-status": k }, String(b[k])));
    const forgive = el("button", { className: "forgive", "data-job": name, title: "clear failed and backoff states" }, "forgive");
    forgive.addEventListener("click", () => act("/api/jobs/" + encodeURIComponent(name) + "/forgive", "forgive " + name));
    const fc = el("td"); fc.append(forgive); tr.append(fc);
    tbody.append(tr);
  }
}
async function loadGrid() {
  if (!grid.job) return;
  const q = new URLSearchParams({ job: grid.job, limit: PAGE });
  if (grid.state) q.set("state", grid.state);
  if (grid.cursors[grid.page]) q.set("after", grid.cursors[grid.page]);
  const data = await api("/api/tasks?" + q);
  const box = document.getElementById("grid");
  const selected = document.getElementById("logs-node").value;
  const cells = data.tasks.map(t => {
    let s = t.status && t.status.label || "never_started";
    if (jobStates[t.job] === "invalid" && s !== "running") s = "invalid";
    const c = el("div", { className: "cell s-" + (s === "invalid" ? "invalid" : bucket(s)), title: t.node + ": " + s,
                          "data-job": t.job, "data-node": t.node, "data-status": s });
    if (t.node === selected) c.classList.add("selected");
    c.addEventListener("click", () => showLogs(t.job, t.node));
    return c;
  });
  box.replaceChildren(...cells);
  box.dataset.job = grid.job;
  grid.next = data.next;
  document.getElementById("grid-info").textContent =
    "page " + (grid.page + 1) + ", " + data.tasks.length + " tasks" + (data.next ? ", more…" : "");
  document.getElementById("grid-prev").disabled = grid.page === 0;
  document.getElementById("grid-next").disabled = !data.next;
}
function renderRunning(running) {
  const tbody = document.querySelector("#running tbody");
  const now = Date.now() / 1000;
  const rows = [];
  for (const job of Object.keys(running).sort())
    for (const node of Object.keys(running[job]).sort()) {
      const r = running[job][node];
      const tr = el("tr", { "data-job": job, "data-node": node, "data-run-id": r.run_id });
      const secs = Math.max(0, Math.round(now - r.start_time));
      tr.append(el("td", {}, job), el("td", {}, node), el("td", {}, r.worker_shard),
                el("td", { className: "runtime" }, secs + " s"),
                el("td", { className: "state" + (r.state === "killing" ? " killing" : "") }, r.state || "running"),
                el("td", { className: "memory" }, r.memory_bytes === undefined ? "-" : (r.memory_bytes / 1048576).toFixed(1) + " MiB"),
                el("td", { className: "cpu" }, r.cpu_seconds === undefined ? "-" : r.cpu_seconds.toFixed(2) + " s"));
      const kill = el("button", { className: "kill", "data-job": job, "data-node": node }, "kill");
      kill.addEventListener("click", () => {
        kill.disabled = true;
        act("/api/tasks/" + encodeURIComponent(job) + "/" + encodeURIComponent(node) + "/kill", "kill " + job + " " + node);
      });
      const kc = el("td"); kc.append(kill); tr.append(kc);
      rows.push(tr);
    }
  tbody.replaceChildren(...rows);
}
function physicalText(p) {
  if (!p) return "-";
  const gpus = (p.gpus || []).map(g => g.name);
  return Math.round(p.memory_mb) + " MB, " + p.cpu_cores + (p.cpu_cores === 1 ? " core, " : " cores, ") + gpus.length + " GPUs" +
    (gpus.length ? " (" + gpus.join(", ") + ")" : "");
}
function renderWorkers(workers) {
  const tbody = document.querySelector("#workers tbody");
  tbody.replaceChildren(...workers.map(w => {
    const tr = el("tr", { "data-shard": w.shard, "data-health": w.health });
    const heard = w.last_heard_ms_ago === null || w.last_heard_ms_ago === undefined
      ? "-" : Math.round(w.last_heard_ms_ago / 1000) + " s ago";
    tr.append(el("td", {}, w.shard), el("td", {}, w.host), el("td", { className: "health" }, w.health + (w.drained ? ", drained" : "")),
              el("td", { className: "last-heard" + (w.silent ? " silent" : ""), title: w.silent ? "heartbeats stopped arriving" : "" }, heard),
              el("td", {}, String(w.running)), el("td", {}, w.remote ? "yes" : "no"),
              el("td", { className: "physical", title: w.physical && w.physical.error ? w.physical.error : "" }, physicalText(w.physical)),
              el("td", { className: "limits" }, Object.keys(w.resources || {}).sort().map(k => k + " " + w.resources[k]).join(", ")));
    return tr;
  }));
}
function renderStartupWait(status) {
  const box = document.getElementById("startup-wait");
  const w = status.startup_wait;
  if (!w || w.over) { box.classList.remove("shown"); box.textContent = ""; return; }
  const left = Math.max(0, Math.round((w.until_ms - status.now_ms) / 1000));
  box.textContent = "Waiting for workers: no task starts for " + left + " s more (until " +
    new Date(w.until_ms).toLocaleTimeString() + "): " + w.reason;
  box.classList.add("shown");
}
async function showLogs(job, node) {
  if (job !== undefined) {
    document.getElementById("logs-job").value = job;
    document.getElementById("logs-node").value = node;
  }
  const q = new URLSearchParams({ type: document.getElementById("logs-type").value, limit: 500, sort: "asc" });
  const j = document.getElementById("logs-job").value, n = document.getElementById("logs-node").value;
  if (j) q.set("job", j);
  if (n) q.set("node", n);
  const pre = document.getElementById("logs-lines");
  try {
    const data = await api("/api/logs?" + q);
    const missing = (data.unanswered || []).map(u => "! worker " + u.worker + " did not answer (" + u.why + "): its lines are missing");
    pre.textContent = data.lines.map(l => new Date(l[2] * 1000).toISOString() + " " + l[0] + " " + l[1] + ": " + l[3]).concat(missing).join("\n") || "(no lines)";
    pre.dataset.job = j; pre.dataset.node = n;
  } catch (e) { pre.textContent = "error: " + e.message; }
}
async function refresh() {
  try {
    const [status, jobs, running, workers] = await Promise.all(
      [api("/api/status"), api("/api/jobs"), api("/api/running"), api("/api/workers")]);
    document.getElementById("summary").textContent =
      status.jobs + " jobs, " + status.nodes + " nodes, " + status.running + " running, " +
      status.tasks_finished + " finished" + (Object.keys(status.errors).length ? ", errors: " + Object.values(status.errors).join("; ") : "");
    renderStartupWait(status);
    renderJobs(jobs);
    renderRunning(running);
    renderWorkers(workers);
    await loadGrid();
    document.getElementById("refreshed").textContent = "updated " + new Date().toLocaleTimeString();
    document.body.dataset.refreshes = String(Number(document.body.dataset.refreshes || 0) + 1);
  } catch (e) { say("refresh: " + e.message, true); }
}
document.getElementById("grid-job").addEventListener("change", e => { grid.job = e.target.value; grid.cursors = [""]; grid.page = 0; loadGrid(); });
document.getElementById("grid-state").addEventListener("change", e => { grid.state = e.target.value; grid.cursors = [""]; grid.page = 0; loadGrid(); });
document.getElementById("grid-next").addEventListener("click", () => { if (!grid.next) return; grid.cursors[grid.page + 1] = grid.next; grid.page++; loadGrid(); });
document.getElementById("grid-prev").addEventListener("click", () => { if (grid.page) { grid.page--; loadGrid(); } });
document.getElementById("logs-show").addEventListener("click", () => showLogs());
document.getElementById("token-save").addEventListener("click", () => {
  sessionStorage.setItem("bistro_token", document.getElementById("token-input").value.trim());
  document.getElementById("auth").classList.remove("shown");
  const again = pendingAction; pendingAction = null;
  if (again) again();
});
refresh();
setInterval(refresh, REFRESH_MS);
</script>
</body>
</html>
)HTML";

}  // namespace

std::string_view web_page_html() { return page; }

}  // namespace bistro::http
