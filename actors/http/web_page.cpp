#include "actors/http/web_page.hpp"

#include <string>

namespace bistro::http {

namespace {

// The document around the script (web_page_script.cpp): the style, then
// one <main> per view (overview, job, task, workers, events); the script
// shows the one the URL's fragment names. The grids ask for one page of
// tasks at a time (/api/tasks limit/after), so 100,000+ nodes cost the
// browser one page, not the whole job; the job table's bars come from the
// aggregated counts of /api/jobs.
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
nav a { color:#fff; opacity:.85; margin-right:10px; text-decoration:none; }
nav a.current { opacity:1; text-decoration:underline; }
a { color:#2f74d0; }
.view[hidden] { display:none; }
.plots { display:flex; gap:12px; flex-wrap:wrap; }
.plot { flex:1 1 380px; min-width:0; }
.plot canvas { width:100%; height:180px; display:block; background:#fbfcfd; border:1px solid #eee; border-radius:4px; }
.plot .plot-title { font-size:12px; color:#555; margin-bottom:2px; }
.filters button { margin:0 4px 4px 0; }
.filters button.current { background:#1d2330; color:#fff; }
#job-grid { display:flex; flex-wrap:wrap; gap:2px; max-height:420px; overflow:auto; }
#job-grid .cell { width:14px; height:14px; border-radius:2px; cursor:pointer; }
pre.json { background:#f3f4f6; padding:8px; border-radius:4px; max-height:360px; overflow:auto; font:12px/1.35 ui-monospace, monospace; margin:0; }
#task-logs { background:#111; color:#ddd; font:12px/1.35 ui-monospace, monospace; padding:8px; height:320px; overflow:auto; white-space:pre-wrap; margin:6px 0 0; }
table.fields th { width:140px; }
.events td.kind { white-space:nowrap; font-size:12px; }
.k-worker_lost, .k-config_rejected, .k-error, .k-worker_silent { color:var(--failed); font-weight:600; }
.k-worker_joined, .k-config_loaded, .k-worker_heard { color:var(--done); }
.k-kill { color:var(--backoff); }
ul.health { margin:0; padding-left:16px; font-size:12px; max-height:90px; overflow:auto; }
td.resources { font-size:12px; }
</style>
</head>
<body>
<header>
  <h1>Bistro</h1>
  <nav id="nav"><a href="#/" data-view="overview">overview</a><a href="#/workers" data-view="workers">workers</a><a href="#/events" data-view="events">events</a></nav>
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
<main id="view-overview" class="view">
<section class="wide">
  <h2>Activity, last hour</h2>
  <div class="plots">
    <div class="plot"><div class="plot-title">running tasks</div><canvas id="plot-running"></canvas></div>
    <div class="plot"><div class="plot-title">starts, finishes and failures per second</div><canvas id="plot-rates"></canvas></div>
  </div>
</section>
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
  <table id="workers"><thead><tr><th>shard</th><th>host</th><th>health</th><th>last heard</th><th>running</th><th>remote</th><th>machine</th></tr></thead><tbody></tbody></table>
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
<section class="wide">
  <h2>Recent events <a href="#/events" style="font-size:12px">all</a></h2>
  <table id="recent-events" class="events"><thead><tr><th>time</th><th>event</th><th>about</th><th>what</th></tr></thead><tbody></tbody></table>
</section>
</main>
<main id="view-job" class="view" hidden>
<section class="wide">
  <h2>Job <span id="job-name"></span> <span id="job-state" class="meta"></span></h2>
  <div id="job-errors" class="job-error"></div>
  <div class="bar" id="job-bar"></div>
</section>
<section class="wide">
  <h2>Nodes</h2>
  <div class="controls filters" id="job-filters"></div>
  <div class="controls">
    <button id="job-prev">◀ prev</button><button id="job-next">next ▶</button>
    <span id="job-grid-info"></span>
  </div>
  <div id="job-grid"></div>
</section>
<section class="wide">
  <h2>Activity, last hour</h2>
  <div class="plots">
    <div class="plot"><div class="plot-title">running tasks</div><canvas id="plot-job-running"></canvas></div>
    <div class="plot"><div class="plot-title">starts, finishes and failures per second</div><canvas id="plot-job-rates"></canvas></div>
  </div>
</section>
<section>
  <h2>Recent runs</h2>
  <div id="job-history-note" class="meta"></div>
  <table id="job-history"><thead><tr><th>node</th><th>status</th><th>ended</th><th>took</th><th>worker</th><th>message</th></tr></thead><tbody></tbody></table>
</section>
<section>
  <h2>Config</h2>
  <pre id="job-config" class="json"></pre>
</section>
</main>
<main id="view-task" class="view" hidden>
<section>
  <h2>Task <span id="task-title"></span></h2>
  <table id="task-fields" class="fields"><tbody></tbody></table>
  <div class="controls"><button id="task-kill" class="kill" hidden>kill</button> <a id="task-job-link" href="#/">back to the job</a></div>
</section>
<section>
  <h2>Data</h2>
  <pre id="task-data" class="json"></pre>
</section>
<section class="wide">
  <h2>Run history</h2>
  <div id="task-history-note" class="meta"></div>
  <table id="task-history"><thead><tr><th>run</th><th>status</th><th>started</th><th>ended</th><th>took</th><th>worker</th><th>message</th></tr></thead><tbody></tbody></table>
</section>
<section class="wide">
  <h2>Logs</h2>
  <div class="controls">
    <label>type <select id="task-log-type"><option>stdout</option><option>stderr</option><option>statuses</option></select></label>
    <label><input type="checkbox" id="task-follow" checked> follow live</label>
    <span id="task-log-info" class="meta"></span>
  </div>
  <pre id="task-logs"></pre>
</section>
</main>
<main id="view-workers" class="view" hidden>
<section class="wide">
  <h2>Workers</h2>
  <table id="workers-full"><thead><tr><th>shard</th><th>host</th><th>health</th><th>last heartbeat</th><th title="what a remote worker measured at start">machine</th><th>resources</th><th>running</th><th>health history</th></tr></thead><tbody></tbody></table>
</section>
</main>
<main id="view-events" class="view" hidden>
<section class="wide">
  <h2>Events</h2>
  <div class="controls"><label>kind <select id="events-kind"><option value="">all</option></select></label> <span id="events-info" class="meta"></span></div>
  <table id="events-table" class="events"><thead><tr><th>time</th><th>event</th><th>about</th><th>what</th></tr></thead><tbody></tbody></table>
</section>
</main>
<script>
)HTML";

constexpr std::string_view page_end = R"HTML(</script>
</body>
</html>
)HTML";

}  // namespace

std::string_view web_page_html() {
  // Built once (thread-safe static initialisation), then shared read-only.
  static const std::string whole = std::string{page} +
                                   std::string{web_page_script()} +
                                   std::string{page_end};
  return whole;
}

}  // namespace bistro::http
