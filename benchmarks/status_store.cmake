bistro_benchmark(status_store_bench
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/status_store_bench.cpp
  DEPS bistro_store)
