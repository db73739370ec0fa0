bistro_benchmark(status_row_bench
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/status_row_bench.cpp
  DEPS bistro_jobs)
