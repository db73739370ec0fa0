# The web page at 300k nodes x 5 jobs, in headless Chromium when installed:
# benchmarks/web_page_bench.cpp. Starts the real scheduler.
bistro_benchmark(web_page_bench
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/web_page_bench.cpp
  DEPS bistro_config Boost::json Threads::Threads)
target_compile_definitions(web_page_bench PRIVATE
  BISTRO_SCHEDULER_BIN="$<TARGET_FILE:bistro_scheduler>"
  BISTRO_BENCH_CONFIG="${CMAKE_CURRENT_LIST_DIR}/configs/db_scraping_300k.json")
add_dependencies(web_page_bench bistro_scheduler)
