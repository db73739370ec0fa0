// The web page served on GET /: one self-contained document (HTML, CSS and
// vanilla JS, no build step) that reads the /api/* routes and refreshes
// itself every few seconds. Elements carry stable ids and data-attributes
// (data-job, data-node, data-status) for scripts and the browser test.
#pragma once

#include <string_view>

namespace bistro::http {

/// The page, compiled into the binary; immutable.
std::string_view web_page_html();

}  // namespace bistro::http
