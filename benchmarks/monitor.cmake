# The monitor's Bistro-format answers at scale: benchmarks/monitor_bench.cpp.
bistro_benchmark(monitor_bench
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/monitor_bench.cpp
  DEPS bistro_monitor_handlers bistro_policies bistro_jobs bistro_nodes
       bistro_config)
