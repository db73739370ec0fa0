# The scheduling round at scale: benchmarks/round_bench.cpp.
bistro_benchmark(round_bench
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/round_bench.cpp
  DEPS bistro_rounds bistro_policies bistro_jobs bistro_nodes
       bistro_config)
