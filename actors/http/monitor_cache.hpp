// A short-lived cache in front of the scheduler for read-only monitor
// requests. Many clients polling the same routes (dashboards, the web page,
// a load test) would otherwise each cost the scheduler actor — which also
// runs the rounds — one request: here identical read-only requests share
// one answer for `ttl`, and those that arrive while one is on its way wait
// for it instead of sending their own (single flight). A request that names
// a mutating handler (actors/monitor/monitor_table.hpp) is never cached and
// empties the cache, so a change made through the API is seen by the next read.
//
// Thread-safe: the returned function may be called from any thread; the
// callbacks run on the thread that delivered the scheduler's answer, or on
// the caller's for a cached one.
#pragma once

#include <chrono>

#include "actors/http/http_server.hpp"

namespace bistro::http {

/// Wraps `inner`; `ttl` 0 returns `inner` itself.
monitor_function cache_monitor(monitor_function inner,
                               std::chrono::milliseconds ttl);

}  // namespace bistro::http
