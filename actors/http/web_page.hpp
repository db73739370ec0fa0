// The web page served on GET /: one self-contained document (HTML, CSS and
// vanilla JS, no build step, nothing fetched but the /api/* routes) that
// refreshes itself every few seconds. Views by URL fragment: the overview
// (#/), a job (#/job/NAME: config, node grid with status filters, plots,
// recent runs), a task (#/task/JOB/NODE: status, data, run history, logs
// followed live), workers (#/workers) and the event log (#/events). The
// plots are drawn on canvases from /api/timeseries. Elements carry stable
// ids and data-attributes (data-job, data-node, data-status) for scripts
// and the browser test.
#pragma once

#include <string_view>

namespace bistro::http {

/// The page, compiled into the binary; immutable.
std::string_view web_page_html();

/// The page's script alone (web_page_script.cpp), inlined by web_page_html.
std::string_view web_page_script();

}  // namespace bistro::http
