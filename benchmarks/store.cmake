bistro_benchmark(task_log_bench
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/task_log_bench.cpp
  DEPS bistro_store)
