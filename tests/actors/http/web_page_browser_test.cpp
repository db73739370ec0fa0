// The web page in headless Chromium against the real bistro_scheduler: it
// loads, shows simple_job's 4 nodes, and its kill button kills a running
// task. A screenshot is kept as a test artifact.
#include <boost/beast/core/detail/base64.hpp>
#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <filesystem>
#include <iostream>

#include "tests/actors/http/devtools_client.hpp"
#include "tests/actors/http/scheduler_under_test.hpp"

using namespace bistro::testing;
namespace json = boost::json;

TEST_CASE("http: the web page shows simple_job and its kill button works") {
  auto chromium = find_chromium();
  if (chromium.empty()) {
    WARN(
        "SKIPPED: chromium is not installed (apt-get install chromium); "
        "the web page was not tested in a browser");
    return;
  }
  // simple_job's tasks run until killed: 3 run (the concurrency limit).
  scheduler_under_test s{
      R"("bistro_job->simple_job": {"owner": "test", "enabled": true})",
      {},
      "record start\necho \"working on $NODE\"\nexec sleep 300\n"};
  REQUIRE(eventually(
      [&] {
        return s.get_json("/api/running").as_object().contains("simple_job");
      },
      20000));

  devtools_page page{chromium, s.dir};
  page.call("Page.enable");
  page.call("Runtime.enable");
  page.call("Page.navigate",
            {{"url", "http://127.0.0.1:" + std::to_string(s.port) + "/"}});

  // The grid shows simple_job's 4 nodes, the jobs table its row.
  REQUIRE(eventually(
      [&] {
        return page.eval(
                   "document.querySelectorAll("
                   "'#grid .cell[data-job=\"simple_job\"]').length") == 4;
      },
      30000));
  CHECK(page.eval("Array.from(document.querySelectorAll('#grid .cell'))"
                  ".map(c => c.dataset.node).join(',')") ==
        "node11,node12,node21,node22");
  CHECK(page.eval("!!document.querySelector('#jobs tr[data-job=\"simple_job\"]"
                  " .bar')") == true);
  REQUIRE(eventually(
      [&] {
        return page.eval(
                       "document.querySelectorAll('#running button.kill')"
                       ".length")
                   .to_number<int>() >= 1;
      },
      30000));
  CHECK(page.eval("document.querySelector('#workers tr[data-health]')"
                  ".dataset.health") == "HEALTHY");

  // Click the first kill button; the API says that run is gone.
  // (The run id comes from the page: the kill may end the run at once.)
  auto clicked = page.eval(
      "(() => { const b = document.querySelector('#running button.kill'); "
      "b.click(); return [b.dataset.node, b.closest('tr').dataset.runId]; "
      "})()");
  REQUIRE(clicked.is_array());
  std::string killed{clicked.at(0).as_string()};
  json::value run_id = clicked.at(1);
  // The page shows the kill's answer and, after its refresh, the state.
  json::value message;
  bool answered = eventually(
      [&] {
        message = page.eval("document.getElementById('message').textContent");
        return message ==
               json::value("kill simple_job " + killed + ": signaled");
      },
      10000);
  INFO("message: " << json::serialize(message)
                   << "\nscheduler log: " << s.proc->log());
  REQUIRE(answered);

  REQUIRE(eventually(
      [&] {
        auto running = s.get_json("/api/running");
        const auto* job = running.as_object().if_contains("simple_job");
        const auto* task = job ? job->as_object().if_contains(killed) : nullptr;
        return !task || task->at("run_id") != run_id;
      },
      20000));
  CHECK_THAT(s.proc->log(), Catch::Contains("killing simple_job on " + killed));
  // The task logs of the chosen (job, node) through the page.
  auto log_node = page.eval(
      "(() => { const c = document.querySelector('#grid .cell[data-status="
      "\"running\"]'); c.click(); return c.dataset.node; })()");
  REQUIRE(log_node.is_string());
  std::string want = "working on " + std::string{log_node.as_string()};
  CHECK(eventually(
      [&] {
        auto text =
            page.eval("document.getElementById('logs-lines').textContent");
        return text.is_string() &&
               std::string{text.as_string()}.find(want) != std::string::npos;
      },
      15000));

  auto shot = page.call("Page.captureScreenshot", {{"format", "png"}});
  std::string b64{shot.at("data").as_string()};
  std::string png(boost::beast::detail::base64::decoded_size(b64.size()), '\0');
  auto [written, read] =
      boost::beast::detail::base64::decode(png.data(), b64.data(), b64.size());
  png.resize(written);
  std::filesystem::create_directories(BISTRO_ARTIFACT_DIR);
  auto path = std::string{BISTRO_ARTIFACT_DIR} + "/web.png";
  std::ofstream(path, std::ios::binary) << png;
  CHECK(png.substr(1, 3) == "PNG");
  std::cout << "web page screenshot: " << path << std::endl;
}

TEST_CASE(
    "http: the web page shows the start-up wait, an invalid job with its "
    "error, and when workers were last heard") {
  auto chromium = find_chromium();
  if (chromium.empty()) {
    WARN("SKIPPED: chromium is not installed (apt-get install chromium)");
    return;
  }
  scheduler_under_test s{
      R"("bistro_job->simple_job": {"owner": "test"},
         "bistro_job->bad": {"owner": "test", "level_for_tasks": "rack"})",
      {"--CAUTION_startup_wait_for_workers=300"}};
  devtools_page page{chromium, s.dir};
  page.call("Page.enable");
  page.call("Runtime.enable");
  page.call("Page.navigate",
            {{"url", "http://127.0.0.1:" + std::to_string(s.port) + "/"}});
  REQUIRE(eventually(
      [&] {
        // document.body is null until the page has loaded.
        return page.eval(
                       "document.body ? Number(document.body.dataset"
                       ".refreshes || 0) : 0")
                   .to_number<int>() >= 1;
      },
      30000));

  auto banner = page.eval(
      "(() => { const b = document.getElementById('startup-wait'); "
      "return [b.classList.contains('shown'), b.textContent]; })()");
  INFO(json::serialize(banner));
  CHECK(banner.at(0) == true);
  std::string text{banner.at(1).as_string()};
  CHECK(text.find("Waiting for workers: no task starts for ") !=
        std::string::npos);
  CHECK(text.find("--CAUTION_startup_wait_for_workers=300") !=
        std::string::npos);

  CHECK(page.eval("document.querySelector('#jobs tr[data-job=\"bad\"]')"
                  ".dataset.state") == "invalid");
  auto error = page.eval(
      "document.querySelector('#jobs .job-error[data-job=\"bad\"]')"
      ".textContent");
  REQUIRE(error.is_string());
  CHECK(std::string{error.as_string()}.find("unknown level") !=
        std::string::npos);
  CHECK(page.eval("!!document.querySelector('#jobs .bar[data-job=\"bad\"] "
                  "span[data-status=\"invalid\"]')") == true);
  CHECK(page.eval("document.querySelector('#jobs tr[data-job=\"simple_job\"]')"
                  ".dataset.state") == "ok");
  CHECK(page.eval("document.querySelector('#workers td.last-heard')"
                  ".textContent") == "-");  // the in-process worker

  // The grid of the invalid job shows its tasks as invalid, not waiting.
  page.eval(
      "(() => { const s = document.getElementById('grid-job'); "
      "s.value = 'bad'; s.dispatchEvent(new Event('change')); })()");
  CHECK(eventually(
      [&] {
        auto statuses = page.eval(
            "Array.from(document.querySelectorAll('#grid .cell'))"
            ".map(c => c.dataset.status).join(',')");
        return statuses == "invalid,invalid,invalid,invalid";
      },
      10000));
}

TEST_CASE("http: the web page shows the nodes a job's filter avoids") {
  auto chromium = find_chromium();
  if (chromium.empty()) {
    WARN("SKIPPED: chromium is not installed; the page was not tested");
    return;
  }
  scheduler_under_test s{
      R"("bistro_job->picky": {"owner": "test",
           "filters": {"level2": {"whitelist": ["node11"]}}})"};
  REQUIRE(eventually(
      [&] {
        return s.get_json("/api/jobs/picky").at("counts") ==
               json::parse(R"({"done": 1, "avoided": 3})");
      },
      20000));
  devtools_page page{chromium, s.dir};
  page.call("Page.enable");
  page.call("Runtime.enable");
  page.call("Page.navigate",
            {{"url", "http://127.0.0.1:" + std::to_string(s.port) + "/"}});
  REQUIRE(eventually(
      [&] {
        return page.eval(
                   "document.querySelectorAll("
                   "'#grid .cell[data-status=\"avoided\"]').length") == 3;
      },
      30000));
  CHECK(page.eval("document.querySelector('#grid .cell[data-status="
                  "\"done\"]').dataset.node") == "node11");
  CHECK(page.eval("document.querySelector('#jobs tr[data-job=\"picky\"] "
                  "td.count-avoided').textContent") == "3");
  CHECK(page.eval("document.querySelector('#jobs tr[data-job=\"picky\"] "
                  "td.count-waiting').textContent") == "0");
}

namespace {

/// Collects the page's errors (uncaught, rejected promises, console.error)
/// in window.__errors from the first script on.
void watch_errors(devtools_page& page) {
  page.call("Page.addScriptToEvaluateOnNewDocument",
            {{"source",
              "window.__errors = [];"
              "addEventListener('error', e => __errors.push('error: ' + "
              "e.message));"
              "addEventListener('unhandledrejection', e => "
              "__errors.push('rejected: ' + String(e.reason)));"
              "{ const ce = console.error; console.error = (...a) => { "
              "__errors.push('console: ' + a.join(' ')); ce(...a); }; }"}});
}

/// The page's errors so far, and every resource it loaded from elsewhere.
std::string page_problems(devtools_page& page) {
  auto v = page.eval(
      "JSON.stringify({errors: window.__errors, foreign: "
      "performance.getEntriesByType('resource').map(r => r.name)"
      ".filter(n => !n.startsWith(location.origin))})");
  return std::string{v.as_string()};
}

/// Keeps a screenshot of the page as the test artifact NAME.png.
void save_screenshot(devtools_page& page, const std::string& name) {
  auto shot = page.call("Page.captureScreenshot", {{"format", "png"}});
  std::string b64{shot.at("data").as_string()};
  std::string png(boost::beast::detail::base64::decoded_size(b64.size()), '\0');
  auto [written, read] =
      boost::beast::detail::base64::decode(png.data(), b64.data(), b64.size());
  png.resize(written);
  std::filesystem::create_directories(BISTRO_ARTIFACT_DIR);
  std::ofstream(std::string{BISTRO_ARTIFACT_DIR} + "/" + name + ".png",
                std::ios::binary)
      << png;
}

bool text_has(devtools_page& page, const std::string& expression,
              const std::string& want) {
  auto v = page.eval(expression);
  return v.is_string() &&
         std::string{v.as_string()}.find(want) != std::string::npos;
}

}  // namespace

TEST_CASE(
    "http: the web page's job page, task page with its history and live "
    "logs, plots, workers and events work, with no console errors") {
  auto chromium = find_chromium();
  if (chromium.empty()) {
    WARN("SKIPPED: chromium is not installed; the page was not tested");
    return;
  }
  // `again` ends incomplete twice on each node, then done; `live` (node11
  // only) prints a line every 0.3 s for a minute.
  scheduler_under_test s{
      R"("bistro_job->again": {"owner": "test"},
         "bistro_job->live": {"owner": "test",
           "filters": {"level2": {"whitelist": ["node11"]}}})",
      {"--activity_sample_ms=500", "--worker_check_interval=1"},
      "COUNT=\"$(dirname \"$0\")/count_${JOB}_${NODE}\"\n"
      "case \"$JOB\" in\n"
      "  live*) i=0; while [ $i -lt 200 ]; do i=$((i+1)); "
      "echo \"tick $i on $NODE\"; sleep 0.3; done; echo done > \"$2\" ;;\n"
      "  *) n=$(( $(cat \"$COUNT\" 2>/dev/null || echo 0) + 1 )); "
      "echo $n > \"$COUNT\"; echo \"run $n of $JOB on $NODE\";\n"
      "     if [ $n -lt 3 ]; then echo incomplete > \"$2\"; "
      "else echo done > \"$2\"; fi ;;\n"
      "esac\n"};
  REQUIRE(eventually(
      [&] {
        return s.get_json("/api/jobs/again").at("counts") ==
               json::parse(R"({"done": 4})");
      },
      30000));

  devtools_page page{chromium, s.dir};
  page.call("Page.enable");
  page.call("Runtime.enable");
  watch_errors(page);
  page.call("Page.navigate",
            {{"url", "http://127.0.0.1:" + std::to_string(s.port) + "/"}});

  // The overview's plots have samples drawn.
  REQUIRE(eventually(
      [&] {
        return page.eval(
                       "document.body && "
                       "document.getElementById('plot-running')"
                       " ? Number(document.getElementById('plot-running')"
                       ".dataset.points || 0) : 0")
                   .to_number<int>() >= 2;
      },
      30000));
  CHECK(page.eval("Number(document.getElementById('plot-rates').dataset"
                  ".points) >= 2") == true);
  save_screenshot(page, "web-overview");

  // The job page, through the jobs table's link.
  page.eval(
      "document.querySelector('#jobs a.job-link[data-job=\"again\"]')"
      ".click()");
  REQUIRE(eventually(
      [&] {
        return page.eval(
                   "document.querySelectorAll('#job-grid "
                   ".cell[data-job=\"again\"]').length") == 4;
      },
      20000));
  CHECK(page.eval("document.body.dataset.view") == "job");
  CHECK(page.eval("document.getElementById('job-name').textContent") ==
        "again");
  // Names on hover, the config, the filters, the recent runs.
  CHECK(page.eval("document.querySelector('#job-grid .cell[data-node="
                  "\"node12\"]').title") == "node12: done");
  CHECK(text_has(page, "document.getElementById('job-config').textContent",
                 "\"owner\": \"test\""));
  CHECK(page.eval("document.querySelector('#job-filters button[data-state="
                  "\"done\"]').textContent") == "done (4)");
  REQUIRE(eventually(
      [&] {
        return page.eval(
                   "document.querySelectorAll('#job-history tbody "
                   "tr').length") == 12;
      },
      15000));
  CHECK(page.eval("document.querySelectorAll('#job-history tbody "
                  "tr[data-label=\"done\"]').length") == 4);
  REQUIRE(eventually(
      [&] {
        return page.eval(
                   "Number(document.getElementById('plot-job-rates')"
                   ".dataset.points || 0) >= 2") == true;
      },
      15000));

  save_screenshot(page, "web-job");

  // The filter keeps only tasks of that status.
  page.eval(
      "document.querySelector('#job-filters button[data-state=\"done\"]')"
      ".click()");
  REQUIRE(eventually(
      [&] {
        return page.eval("document.getElementById('job-grid').dataset.state") ==
               "done";
      },
      10000));
  CHECK(page.eval("Array.from(document.querySelectorAll('#job-grid .cell'))"
                  ".every(c => c.dataset.status === 'done')") == true);

  // Click through to a task page: its status and its three runs, newest
  // first.
  page.eval(
      "document.querySelector('#job-grid .cell[data-node=\"node12\"]')"
      ".click()");
  REQUIRE(eventually(
      [&] {
        return page.eval(
                   "document.body.dataset.view === 'task' && "
                   "document.querySelectorAll('#task-history tbody "
                   "tr').length === 3") == true;
      },
      15000));
  CHECK(page.eval("location.hash") == "#/task/again/node12");
  CHECK(page.eval("document.querySelector('#task-fields tr[data-field="
                  "\"status\"] td').textContent") == "done");
  CHECK(page.eval("Array.from(document.querySelectorAll('#task-history "
                  "tbody tr')).map(r => r.dataset.label).join(',')") ==
        "done,incomplete,incomplete");
  REQUIRE(eventually(
      [&] {
        return text_has(page,
                        "document.getElementById('task-logs')"
                        ".textContent",
                        "run 3 of again on node12");
      },
      15000));

  // The running task's page follows its output without a click.
  page.eval("location.hash = '#/task/live/node11'");
  REQUIRE(eventually(
      [&] {
        return text_has(page,
                        "document.getElementById('task-logs').textContent",
                        "tick 2 on node11");
      },
      20000));
  auto lines_then =
      page.eval("Number(document.getElementById('task-logs').dataset.lines)")
          .to_number<int>();
  REQUIRE(eventually(
      [&] {
        return page.eval(
                       "Number(document.getElementById('task-logs')"
                       ".dataset.lines)")
                   .to_number<int>() >= lines_then + 4;
      },
      15000));
  CHECK(page.eval("document.querySelector('#task-fields tr[data-field="
                  "\"status\"] td').textContent") == "running");
  CHECK(page.eval("document.getElementById('task-kill').hidden") == false);
  save_screenshot(page, "web-task");

  // Kill it from its page; the event log says so.
  page.eval("document.getElementById('task-kill').click()");
  REQUIRE(eventually(
      [&] {
        return text_has(page, "document.getElementById('message').textContent",
                        "kill live node11: signaled");
      },
      10000));

  // Workers: resources, last heartbeat, health history.
  page.eval("location.hash = '#/workers'");
  REQUIRE(eventually(
      [&] {
        return page.eval(
                   "!!document.querySelector('#workers-full "
                   "tr[data-shard] li[data-kind=\"worker_joined\"]')") == true;
      },
      15000));
  CHECK(text_has(page,
                 "document.querySelector('#workers-full tr[data-shard] "
                 "td.last-heartbeat').textContent",
                 "in-process"));
  CHECK(page.eval("document.querySelector('#workers-full tr[data-shard] "
                  "td.resources').textContent") != "");

  // The event log: the config, the worker, the kill.
  page.eval("location.hash = '#/events'");
  REQUIRE(eventually(
      [&] {
        return page.eval(
                   "!!document.querySelector('#events-table "
                   "tr[data-kind=\"kill\"]')") == true;
      },
      15000));
  CHECK(page.eval("!!document.querySelector('#events-table "
                  "tr[data-kind=\"config_loaded\"]')") == true);
  CHECK(page.eval("!!document.querySelector('#events-table "
                  "tr[data-kind=\"worker_joined\"]')") == true);
  save_screenshot(page, "web-events");

  auto problems = page_problems(page);
  INFO(problems);
  CHECK(problems == R"({"errors":[],"foreign":[]})");
}
