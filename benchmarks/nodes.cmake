bistro_benchmark(node_tree_bench
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/node_tree_bench.cpp
  DEPS bistro_nodes)
