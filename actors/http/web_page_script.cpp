// The web page's script (web_page.hpp): vanilla JS, no library, nothing
// fetched but the /api/* routes. A view per URL fragment; every view
// refreshes every few seconds, one request per table, one page of grid
// cells at a time; the plots are drawn on canvases; a task page follows
// its task's output by asking for the lines after the last one shown.
#include "actors/http/web_page.hpp"

namespace bistro::http {

namespace {

constexpr std::string_view script = R"JS("use strict";
const PAGE = 2000;          // grid cells per page
const REFRESH_MS = 3000;
const FOLLOW_MS = 1000;     // a task page polls its logs this often
const grid = { job: "", state: "", cursors: [""], page: 0, next: null };
const jobGrid = { job: "", state: "", cursors: [""], page: 0, next: null };
const view = { name: "overview", job: "", node: "" };
const jobStates = {};       // job -> "ok" | "disabled" | "invalid" | "blocked"
const follow = { key: "", lastId: null, busy: false, lines: 0 };
const events = { lastSeq: 0, list: [] };   // newest last, at most 1000
let pendingAction = null;   // retried once the token is given
let refreshing = false, refreshAgain = false;

function token() { return sessionStorage.getItem("bistro_token") || ""; }
function el(tag, attrs, text) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k.startsWith("data-")) e.setAttribute(k, v); else e[k] = v;
  }
  if (text !== undefined) e.textContent = text;
  return e;
}
function link(href, text, attrs) { return el("a", Object.assign({ href: href }, attrs || {}), text); }
function jobHref(job) { return "#/job/" + encodeURIComponent(job); }
function taskHref(job, node) { return "#/task/" + encodeURIComponent(job) + "/" + encodeURIComponent(node); }
function say(text, isError) {
  const m = document.getElementById("message");
  m.textContent = text; m.className = isError ? "error" : "";
}
function fmtTime(ms) { return ms ? new Date(ms).toLocaleString() : "-"; }
function fmtTook(start, end) {
  if (!start || !end || end < start) return "-";
  const s = (end - start) / 1000;
  return s < 10 ? s.toFixed(1) + " s" : s < 3600 ? Math.round(s) + " s" : (s / 3600).toFixed(1) + " h";
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
// Status names -> the colours of the bars.
function bucket(status) {
  if (status === "done") return "done";
  if (status === "running") return "running";
  if (status === "incomplete_backoff" || status === "error_backoff" || status === "worker_lost") return "backoff";
  if (status === "failed") return "failed";
  if (status === "avoided" || status === "disabled") return status;
  return "waiting";
}
const BUCKETS = ["done", "running", "backoff", "failed", "waiting", "avoided", "disabled"];
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
function killTask(job, node) {
  return act("/api/tasks/" + encodeURIComponent(job) + "/" + encodeURIComponent(node) + "/kill", "kill " + job + " " + node);
}
function fillBar(bar, j) {
  const [b, total] = buckets(j.counts);
  const invalid = (j.state || "ok") === "invalid";
  bar.replaceChildren();
  if (invalid && b.waiting) {
    const seg = el("span", { className: "s-invalid", title: "cannot run: " + (j.errors || []).join("; "), "data-status": "invalid" });
    seg.style.width = (100 * b.waiting / total) + "%";
    bar.append(seg);
  }
  for (const k of BUCKETS) {
    if (!b[k] || (invalid && k === "waiting")) continue;
    const seg = el("span", { className: "s-" + k, title: k + ": " + b[k], "data-status": k });
    seg.style.width = (100 * b[k] / total) + "%";
    bar.append(seg);
  }
  return [b, total];
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
    const state = j.state || (j.enabled ? "ok" : "disabled");
    const tr = el("tr", { "data-job": name, "data-state": state });
    const nameCell = el("td");
    nameCell.append(link(jobHref(name), name, { className: "job-link", "data-job": name }));
    if (state !== "ok") nameCell.append(" (" + state + ")");
    if (j.blocked) nameCell.title = j.blocked;
    // A job with config errors cannot run: say why in the row itself.
    if (state === "invalid") nameCell.append(el("div", { className: "job-error", "data-job": name }, (j.errors || []).join("; ")));
    const bar = el("div", { className: "bar", "data-job": name });
    const [b, total] = fillBar(bar, j);
    tr.append(nameCell, el("td", {}, String(total)));
    const barCell = el("td"); barCell.append(bar); tr.append(barCell);
    for (const k of BUCKETS)
      tr.append(el("td", { className: "count-" + k, "data-status": k }, String(b[k])));
    const forgive = el("button", { className: "forgive", "data-job": name, title: "clear failed and backoff states" }, "forgive");
    forgive.addEventListener("click", () => act("/api/jobs/" + encodeURIComponent(name) + "/forgive", "forgive " + name));
    const fc = el("td"); fc.append(forgive); tr.append(fc);
    tbody.append(tr);
  }
}
// One page of a job's tasks as cells; `onClick(task)` per cell.
async function loadCells(g, box, info, prev, next, onClick, selected) {
  if (!g.job) return;
  const q = new URLSearchParams({ job: g.job, limit: PAGE });
  if (g.state) q.set("state", g.state);
  if (g.cursors[g.page]) q.set("after", g.cursors[g.page]);
  const data = await api("/api/tasks?" + q);
  const cells = data.tasks.map(t => {
    let s = t.status && t.status.label || "never_started";
    if (jobStates[t.job] === "invalid" && s !== "running") s = "invalid";
    const c = el("div", { className: "cell s-" + (s === "invalid" ? "invalid" : bucket(s)), title: t.node + ": " + s,
                          "data-job": t.job, "data-node": t.node, "data-status": s });
    if (t.node === selected) c.classList.add("selected");
    c.addEventListener("click", () => onClick(t));
    return c;
  });
  box.replaceChildren(...cells);
  box.dataset.job = g.job;
  box.dataset.state = g.state;
  g.next = data.next;
  info.textContent = "page " + (g.page + 1) + ", " + data.tasks.length + " tasks" + (data.next ? ", more…" : "");
  prev.disabled = g.page === 0;
  next.disabled = !data.next;
}
function loadGrid() {
  return loadCells(grid, document.getElementById("grid"), document.getElementById("grid-info"),
                   document.getElementById("grid-prev"), document.getElementById("grid-next"),
                   t => showLogs(t.job, t.node), document.getElementById("logs-node").value);
}
// The first RUNNING_ROWS running tasks (a page of /api/tasks: tens of
// thousands may run), and how many more there are.
const RUNNING_ROWS = 100;
function renderRunning(page, total) {
  const tbody = document.querySelector("#running tbody");
  const now = Date.now();
  const rows = page.tasks.map(t => {
    const job = t.job, node = t.node;
    const tr = el("tr", { "data-job": job, "data-node": node, "data-run-id": t.run_id || "" });
    const secs = t.start_ms ? Math.max(0, Math.round((now - t.start_ms) / 1000)) : 0;
    const jc = el("td"); jc.append(link(jobHref(job), job));
    const nc = el("td"); nc.append(link(taskHref(job, node), node, { className: "task-link" }));
    tr.append(jc, nc, el("td", {}, t.worker || ""), el("td", { className: "runtime" }, secs + " s"),
              el("td", { className: "state" + (t.state === "killing" ? " killing" : "") }, t.state || "running"),
              el("td", { className: "memory" }, t.memory_bytes === undefined ? "-" : (t.memory_bytes / 1048576).toFixed(1) + " MiB"),
              el("td", { className: "cpu" }, t.cpu_seconds === undefined ? "-" : t.cpu_seconds.toFixed(2) + " s"));
    const kill = el("button", { className: "kill", "data-job": job, "data-node": node }, "kill");
    kill.addEventListener("click", () => { kill.disabled = true; killTask(job, node); });
    const kc = el("td"); kc.append(kill); tr.append(kc);
    return tr;
  });
  if (total > rows.length) {
    const tr = el("tr", { className: "more" });
    tr.append(el("td", { colSpan: 8 }, "… " + (total - rows.length) + " more running"));
    rows.push(tr);
  }
  tbody.replaceChildren(...rows);
}
function lastHeard(w) {
  return w.last_heard_ms_ago === null || w.last_heard_ms_ago === undefined
    ? "-" : Math.round(w.last_heard_ms_ago / 1000) + " s ago";
}
function renderWorkers(workers) {
  const tbody = document.querySelector("#workers tbody");
  tbody.replaceChildren(...workers.map(w => {
    const tr = el("tr", { "data-shard": w.shard, "data-health": w.health });
    tr.append(el("td", {}, w.shard), el("td", {}, w.host), el("td", { className: "health" }, w.health + (w.drained ? ", drained" : "")),
              el("td", { className: "last-heard" + (w.silent ? " silent" : ""), title: w.silent ? "heartbeats stopped arriving" : "" }, lastHeard(w)),
              el("td", {}, String(w.running)), el("td", {}, w.remote ? "yes" : "no"),
              el("td", { className: "physical", title: w.physical && w.physical.error ? w.physical.error : "" }, physicalText(w.physical)));
    return tr;
  }));
}
// What a remote worker measured of its machine; "-" for the in-process one.
function physicalText(p) {
  if (!p) return "-";
  const gpus = (p.gpus || []).map(g => g.name);
  return Math.round(p.memory_mb) + " MB, " + p.cpu_cores + (p.cpu_cores === 1 ? " core, " : " cores, ") + gpus.length + " GPUs" +
    (gpus.length ? " (" + gpus.join(", ") + ")" : "");
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
    pre.textContent = logText(data.lines).concat(missingWorkers(data)).join("\n") || "(no lines)";
    pre.dataset.job = j; pre.dataset.node = n;
  } catch (e) { pre.textContent = "error: " + e.message; }
}
function logText(lines) {
  return lines.map(l => new Date(l[2] * 1000).toISOString() + " " + l[0] + " " + l[1] + ": " + l[3]);
}
function missingWorkers(data) {
  return (data.unanswered || []).map(u => "! worker " + u.worker + " did not answer (" + u.why + "): its lines are missing");
}

// ---- plots: lines on a canvas, no library ----
const PLOT_COLORS = { running: "#2f74d0", "starts/s": "#2e9d4f", "finishes/s": "#6b7280", "failures/s": "#d0352f" };
// rows: [t_ms, span_ms, running, started, finished, failed] (/api/timeseries)
function drawPlot(canvas, rows, names, now) {
  const perSec = (r, i) => r[i] * 1000 / Math.max(1, r[1]);
  const pick = { running: r => r[2], "starts/s": r => perSec(r, 3), "finishes/s": r => perSec(r, 4), "failures/s": r => perSec(r, 5) };
  const series = names.map(n => ({ name: n, color: PLOT_COLORS[n], values: rows.map(pick[n]) }));
  const dpr = window.devicePixelRatio || 1;
  const w = canvas.clientWidth || 400, h = canvas.clientHeight || 180;
  canvas.width = Math.round(w * dpr); canvas.height = Math.round(h * dpr);
  const ctx = canvas.getContext("2d");
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.clearRect(0, 0, w, h);
  const left = 48, right = 8, top = 18, bottom = 20;
  // The last hour, or less while the samples cover less (at least a minute).
  const oldest = rows.length ? rows[0][0] - rows[0][1] : now;
  const t1 = now, t0 = Math.max(now - 3600 * 1000, Math.min(oldest, now - 60 * 1000));
  let max = 0;
  for (const s of series) for (const v of s.values) max = Math.max(max, v);
  max = max > 0 ? niceCeil(max) : 1;
  const x = t => left + (w - left - right) * (t - t0) / (t1 - t0);
  const y = v => h - bottom - (h - top - bottom) * v / max;
  ctx.font = "11px system-ui, sans-serif";
  ctx.strokeStyle = "#e5e7eb"; ctx.fillStyle = "#6b7280"; ctx.lineWidth = 1;
  for (let i = 0; i <= 4; i++) {
    const v = max * i / 4, yy = Math.round(y(v)) + 0.5;
    ctx.beginPath(); ctx.moveTo(left, yy); ctx.lineTo(w - right, yy); ctx.stroke();
    ctx.fillText(shortNumber(v), 4, yy + 4);
  }
  for (let i = 4; i >= 0; i--) {
    const ago = (t1 - t0) * i / 4 / 1000, xx = x(t1 - ago * 1000);
    const label = !i ? "now" : ago >= 120 ? "-" + Math.round(ago / 60) + " min" : "-" + Math.round(ago) + " s";
    ctx.fillText(label, Math.max(left, Math.min(xx - 12, w - 30)), h - 5);
  }
  for (const s of series) {
    ctx.strokeStyle = s.color; ctx.lineWidth = 1.5; ctx.beginPath();
    s.values.forEach((v, i) => { const xx = x(rows[i][0]), yy = y(v); if (i) ctx.lineTo(xx, yy); else ctx.moveTo(xx, yy); });
    ctx.stroke();
  }
  let lx = left + 4;
  for (const s of series) {
    ctx.fillStyle = s.color; ctx.fillRect(lx, 4, 10, 10);
    ctx.fillStyle = "#333"; ctx.fillText(s.name, lx + 13, 13);
    lx += ctx.measureText(s.name).width + 26;
  }
  canvas.dataset.points = String(rows.length);
  canvas.dataset.max = String(max);
}
function niceCeil(v) {
  const p = Math.pow(10, Math.floor(Math.log10(v)));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}
function shortNumber(v) {
  if (v >= 1e6) return (v / 1e6).toFixed(1) + "M";
  if (v >= 1e3) return (v / 1e3).toFixed(1) + "k";
  return Number.isInteger(v) ? String(v) : v.toFixed(2);
}
async function loadPlots(job, runningId, ratesId) {
  const q = new URLSearchParams();
  if (job) q.set("jobs", job);
  const data = await api("/api/timeseries?" + q);
  const rows = job ? (data.jobs[job] || []) : data.total;
  drawPlot(document.getElementById(runningId), rows, ["running"], data.now_ms);
  drawPlot(document.getElementById(ratesId), rows, ["starts/s", "finishes/s", "failures/s"], data.now_ms);
}

// ---- events ----
async function loadEvents() {
  const data = await api("/api/events?" + new URLSearchParams({ after: events.lastSeq, limit: 1000 }));
  if (data.missed) events.list = [];
  for (const e of data.events) events.list.push(e);
  if (events.list.length > 1000) events.list.splice(0, events.list.length - 1000);
  if (data.events.length) events.lastSeq = data.events[data.events.length - 1].seq;
}
function eventRow(e) {
  const tr = el("tr", { "data-kind": e.kind, "data-seq": String(e.seq) });
  tr.append(el("td", {}, fmtTime(e.time_ms)), el("td", { className: "kind k-" + e.kind }, e.kind.replace(/_/g, " ")),
            el("td", {}, e.subject), el("td", {}, e.message));
  return tr;
}
function renderEvents(tbodySelector, kind, limit) {
  const list = events.list.filter(e => !kind || e.kind === kind);
  const shown = list.slice(Math.max(0, list.length - limit)).reverse();
  document.querySelector(tbodySelector).replaceChildren(...shown.map(eventRow));
  return list.length;
}

// ---- views ----
function parseHash() {
  const parts = location.hash.replace(/^#\/?/, "").split("/").map(p => { try { return decodeURIComponent(p); } catch (e) { return p; } });
  if (parts[0] === "job" && parts[1]) return { name: "job", job: parts[1], node: "" };
  if (parts[0] === "task" && parts.length >= 3) return { name: "task", job: parts[1], node: parts.slice(2).join("/") };
  if (parts[0] === "workers" || parts[0] === "events") return { name: parts[0], job: "", node: "" };
  return { name: "overview", job: "", node: "" };
}
function route() {
  const next = parseHash();
  if (next.name === "job" && next.job !== jobGrid.job) Object.assign(jobGrid, { job: next.job, state: "", cursors: [""], page: 0, next: null });
  Object.assign(view, next);
  for (const v of document.querySelectorAll("main.view")) v.hidden = v.id !== "view-" + view.name;
  for (const a of document.querySelectorAll("#nav a")) a.classList.toggle("current", a.dataset.view === view.name);
  document.body.dataset.view = view.name;
  refresh();
  if (view.name === "task") pollTaskLogs();
}
async function refreshOverview(status, jobs, workers) {
  renderJobs(jobs);
  renderRunning(await api("/api/tasks?" + new URLSearchParams({ state: "running", limit: RUNNING_ROWS })), status.running);
  renderWorkers(workers);
  renderEvents("#recent-events tbody", "", 10);
  await Promise.all([loadGrid(), loadPlots("", "plot-running", "plot-rates")]);
}
function renderJobFilters(summary) {
  const box = document.getElementById("job-filters");
  const counts = summary.counts || {};
  const states = [["", "all"]].concat(Object.keys(counts).sort().map(s => [s, s]));
  box.replaceChildren(...states.map(([s, label]) => {
    const n = s ? counts[s] : Object.values(counts).reduce((a, b) => a + b, 0);
    const b = el("button", { "data-state": s, className: s === jobGrid.state ? "current" : "" }, label + " (" + n + ")");
    b.addEventListener("click", () => { jobGrid.state = s; jobGrid.cursors = [""]; jobGrid.page = 0; refresh(); });
    return b;
  }));
}
async function refreshJob() {
  const name = view.job;
  const [summary, cfg] = await Promise.all([api("/api/jobs/" + encodeURIComponent(name)),
                                            api("/api/jobs/" + encodeURIComponent(name) + "/config")]);
  jobStates[name] = summary.state || "ok";
  document.getElementById("job-name").textContent = name;
  document.getElementById("job-state").textContent = summary.state && summary.state !== "ok" ? "(" + summary.state + ")" : "";
  document.getElementById("job-errors").textContent = (summary.errors || []).join("; ");
  fillBar(document.getElementById("job-bar"), summary);
  renderJobFilters(summary);
  document.getElementById("job-config").textContent = JSON.stringify(cfg, null, 2);
  await Promise.all([
    loadCells(jobGrid, document.getElementById("job-grid"), document.getElementById("job-grid-info"),
              document.getElementById("job-prev"), document.getElementById("job-next"),
              t => { location.hash = taskHref(t.job, t.node); }, ""),
    loadPlots(name, "plot-job-running", "plot-job-rates"),
    jobHistory.job !== name || Date.now() - jobHistory.at > JOB_HISTORY_MS ? loadJobHistory(name) : null]);
}
// A job's history is read from the store by scanning the job's runs: it is
// asked for when the page opens and then every JOB_HISTORY_MS, not at every
// refresh.
const JOB_HISTORY_MS = 30000;
const jobHistory = { job: "", at: 0 };
async function loadJobHistory(name) {
  jobHistory.job = name; jobHistory.at = Date.now();
  const note = document.getElementById("job-history-note");
  const tbody = document.querySelector("#job-history tbody");
  try {
    const data = await api("/api/jobs/" + encodeURIComponent(name) + "/history?limit=50");
    note.textContent = data.runs.length ? "" : "no ended runs yet";
    tbody.replaceChildren(...data.runs.map(r => {
      const tr = el("tr", { "data-node": r.node, "data-label": r.label, "data-run-id": r.run_id });
      const nc = el("td"); nc.append(link(taskHref(name, r.node), r.node));
      tr.append(nc, el("td", {}, r.label), el("td", {}, fmtTime(r.end_ms)),
                el("td", {}, fmtTook(r.start_ms, r.end_ms)), el("td", {}, r.worker), el("td", {}, r.message));
      return tr;
    }));
  } catch (e) { note.textContent = e.message; tbody.replaceChildren(); }
}
async function refreshTask() {
  const { job, node } = view;
  const base = "/api/tasks/" + encodeURIComponent(job) + "/" + encodeURIComponent(node);
  document.getElementById("task-title").textContent = job + " on " + node;
  document.getElementById("task-job-link").href = jobHref(job);
  const t = await api(base);
  const status = t.status || {};
  const fields = [["job", t.job], ["node", t.node], ["status", status.label || "never_started"]];
  if (t.job_state && t.job_state !== "ok") fields.push(["job state", t.job_state + (t.job_errors ? ": " + t.job_errors : "")]);
  if (status.time_ms) fields.push(["since", fmtTime(status.time_ms)]);
  if (status.message) fields.push(["message", status.message]);
  if (status.backoff_until_ms) fields.push(["backoff until", fmtTime(status.backoff_until_ms)]);
  if (t.node_enabled === false) fields.push(["node", "disabled"]);
  if (t.run) {
    fields.push(["worker", t.run.worker + (t.run.host ? " on " + t.run.host : "")], ["run", t.run.run_id],
                ["started", fmtTime(t.run.start_ms) + " (" + fmtTook(t.run.start_ms, Date.now()) + " ago)"]);
  }
  document.querySelector("#task-fields tbody").replaceChildren(...fields.map(([k, v]) => {
    const tr = el("tr", { "data-field": k }); tr.append(el("th", {}, k), el("td", {}, String(v))); return tr;
  }));
  const kill = document.getElementById("task-kill");
  kill.hidden = !t.run;
  kill.disabled = false;
  const data = status.data;
  document.getElementById("task-data").textContent =
    data === undefined || data === null ? "(none)" : typeof data === "string" ? tryPretty(data) : JSON.stringify(data, null, 2);
  const note = document.getElementById("task-history-note");
  const tbody = document.querySelector("#task-history tbody");
  try {
    const h = await api(base + "/history");
    note.textContent = h.history.length ? "" : "no ended runs yet";
    tbody.replaceChildren(...h.history.slice().reverse().map(r => {
      const tr = el("tr", { "data-run-id": r.run_id, "data-label": r.label });
      tr.append(el("td", {}, r.run_id), el("td", {}, r.label), el("td", {}, fmtTime(r.start_ms)), el("td", {}, fmtTime(r.end_ms)),
                el("td", {}, fmtTook(r.start_ms, r.end_ms)), el("td", {}, r.worker), el("td", {}, r.message));
      return tr;
    }));
  } catch (e) { note.textContent = e.message; tbody.replaceChildren(); }
}
function tryPretty(text) { try { return JSON.stringify(JSON.parse(text), null, 2); } catch (e) { return text; } }
// The task page's log box follows the task's output: each poll asks for
// the lines after the last one shown (line ids are int64: BigInt).
async function pollTaskLogs() {
  if (view.name !== "task" || follow.busy) return;
  const type = document.getElementById("task-log-type").value;
  const key = view.job + "\n" + view.node + "\n" + type;
  const pre = document.getElementById("task-logs");
  if (key !== follow.key) { follow.key = key; follow.lastId = null; follow.lines = 0; pre.textContent = ""; }
  else if (!document.getElementById("task-follow").checked) return;
  follow.busy = true;
  try {
    for (let pages = 0; pages < 20; pages++) {
      const q = new URLSearchParams({ type: type, job: view.job, node: view.node, sort: "asc", limit: 500 });
      if (follow.lastId !== null) q.set("after", follow.lastId.toString());
      const data = await api("/api/logs?" + q);
      if (key !== follow.key) return;
      const fresh = data.lines.filter(l => follow.lastId === null || BigInt(l[4]) > follow.lastId);
      const atBottom = pre.scrollTop + pre.clientHeight >= pre.scrollHeight - 4;
      if (fresh.length) {
        pre.append((follow.lines ? "\n" : "") + logText(fresh).join("\n"));
        follow.lines += fresh.length;
        follow.lastId = BigInt(fresh[fresh.length - 1][4]);
        if (atBottom) pre.scrollTop = pre.scrollHeight;
      }
      document.getElementById("task-log-info").textContent =
        follow.lines + " lines" + missingWorkers(data).map(m => "; " + m).join("");
      if (data.next_line_id === "-1" || !fresh.length) break;
    }
    pre.dataset.lines = String(follow.lines);
  } catch (e) {
    document.getElementById("task-log-info").textContent = "logs: " + e.message;
  } finally { follow.busy = false; }
}
function workerResources(w, cfg) {
  // The scheduler's limits for this worker (physical_resources and
  // overrides applied); none when the config has no worker resources.
  if (w.resources && typeof w.resources === "object" && Object.keys(w.resources).length)
    return Object.entries(w.resources).map(([k, v]) => k + ": " + (typeof v === "object" ? JSON.stringify(v) : v)).join(", ");
  const rs = (cfg && cfg.config && cfg.config.resources || []).filter(r => r.level === "worker");
  return rs.length ? rs.map(r => r.name + ": " + r.limit).join(", ") : "-";
}
async function refreshWorkers(workers) {
  const cfg = await api("/api/config");
  const health = {};
  for (const e of events.list)
    if (e.kind.startsWith("worker_")) (health[e.subject] = health[e.subject] || []).push(e);
  document.querySelector("#workers-full tbody").replaceChildren(...workers.map(w => {
    const tr = el("tr", { "data-shard": w.shard, "data-health": w.health });
    const beat = w.last_heartbeat_ms ? fmtTime(w.last_heartbeat_ms) + " (" + lastHeard(w) + ")" : "- (in-process)";
    const runCell = el("td", { className: "running" }, String(w.running));
    const hist = el("ul", { className: "health" });
    for (const e of (health[w.shard] || []).slice(-10).reverse())
      hist.append(el("li", { "data-kind": e.kind }, fmtTime(e.time_ms) + " " + e.kind.replace("worker_", "") + (e.message ? ": " + e.message : "")));
    const hc = el("td"); hc.append(hist);
    tr.append(el("td", {}, w.shard), el("td", {}, w.host + (w.pid ? " (pid " + w.pid + ")" : "")),
              el("td", { className: "health" }, w.health + (w.drained ? ", drained" : "") + (w.silent ? ", silent" : "")),
              el("td", { className: "last-heartbeat" + (w.silent ? " silent" : "") }, beat),
              el("td", { className: "physical", title: w.physical && w.physical.error ? w.physical.error : "" }, physicalText(w.physical)),
              el("td", { className: "resources" }, workerResources(w, cfg)), runCell, hc);
    return tr;
  }));
}
function refreshEventsView() {
  const select = document.getElementById("events-kind");
  const kinds = [...new Set(events.list.map(e => e.kind))].sort();
  const have = [...select.options].map(o => o.value).slice(1);
  if (kinds.join() !== have.join()) {
    const keep = select.value;
    select.replaceChildren(el("option", { value: "" }, "all"), ...kinds.map(k => el("option", { value: k }, k)));
    select.value = kinds.includes(keep) ? keep : "";
  }
  const n = renderEvents("#events-table tbody", select.value, 1000);
  document.getElementById("events-info").textContent = n + " events kept (the scheduler keeps the newest 1000)";
}
async function refresh() {
  // One refresh at a time; a view change during one runs another after it.
  if (refreshing) { refreshAgain = true; return; }
  refreshing = true;
  try {
    const [status, jobs, workers] = await Promise.all(
      [api("/api/status"), api("/api/jobs"), api("/api/workers"), loadEvents()]);
    document.getElementById("summary").textContent =
      status.jobs + " jobs, " + status.nodes + " nodes, " + status.running + " running, " +
      status.tasks_finished + " finished" + (Object.keys(status.errors).length ? ", errors: " + Object.values(status.errors).join("; ") : "");
    renderStartupWait(status);
    if (view.name === "overview") await refreshOverview(status, jobs, workers);
    else if (view.name === "job") await refreshJob();
    else if (view.name === "task") await refreshTask();
    else if (view.name === "workers") await refreshWorkers(workers);
    else if (view.name === "events") refreshEventsView();
    document.getElementById("refreshed").textContent = "updated " + new Date().toLocaleTimeString();
    document.body.dataset.refreshes = String(Number(document.body.dataset.refreshes || 0) + 1);
  } catch (e) { say("refresh: " + e.message, true); }
  finally {
    refreshing = false;
    if (refreshAgain) { refreshAgain = false; refresh(); }
  }
}
document.getElementById("grid-job").addEventListener("change", e => { grid.job = e.target.value; grid.cursors = [""]; grid.page = 0; loadGrid(); });
document.getElementById("grid-state").addEventListener("change", e => { grid.state = e.target.value; grid.cursors = [""]; grid.page = 0; loadGrid(); });
document.getElementById("grid-next").addEventListener("click", () => { if (!grid.next) return; grid.cursors[grid.page + 1] = grid.next; grid.page++; loadGrid(); });
document.getElementById("grid-prev").addEventListener("click", () => { if (grid.page) { grid.page--; loadGrid(); } });
document.getElementById("job-next").addEventListener("click", () => { if (!jobGrid.next) return; jobGrid.cursors[jobGrid.page + 1] = jobGrid.next; jobGrid.page++; refresh(); });
document.getElementById("job-prev").addEventListener("click", () => { if (jobGrid.page) { jobGrid.page--; refresh(); } });
document.getElementById("logs-show").addEventListener("click", () => showLogs());
document.getElementById("task-kill").addEventListener("click", e => { e.target.disabled = true; killTask(view.job, view.node); });
document.getElementById("task-log-type").addEventListener("change", () => pollTaskLogs());
document.getElementById("events-kind").addEventListener("change", () => refreshEventsView());
document.getElementById("token-save").addEventListener("click", () => {
  sessionStorage.setItem("bistro_token", document.getElementById("token-input").value.trim());
  document.getElementById("auth").classList.remove("shown");
  const again = pendingAction; pendingAction = null;
  if (again) again();
});
window.addEventListener("hashchange", route);
route();
setInterval(refresh, REFRESH_MS);
setInterval(pollTaskLogs, FOLLOW_MS);
)JS";

}  // namespace

std::string_view web_page_script() { return script; }

}  // namespace bistro::http
