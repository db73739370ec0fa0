# The posix_spawn ceiling for minimal tasks: benchmarks/spawn_loop.cpp.
bistro_benchmark(spawn_loop
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/spawn_loop.cpp)
