#!/usr/bin/env bash
# ThreadSanitizer for the actor code. TSan cannot see the synchronization
# inside uninstrumented code: against a CAF built without TSan, every
# mailbox handoff would be a false race. So this script builds the patched
# CAF (Debian's CAF 0.17.6 source through apt-get source, patches/caf/)
# with -fsanitize=thread into .caf/tsan/prefix (scripts/build-caf.sh tsan,
# once), builds the actor tests against it (-DBISTRO_TSAN=ON) and runs them.
#
# The third step of scripts/test.sh (CI).
# Usage: scripts/tsan-actors.sh [Catch args...]; TSAN_BUILD_DIR overrides
# the build folder of our tests (default build-tsan-actors).
set -euo pipefail
cd "$(dirname "$0")/.."
root="$PWD"
build="$root/${TSAN_BUILD_DIR:-build-tsan-actors}"
./scripts/build-caf.sh tsan

# Our tests against that CAF: CMAKE_PREFIX_PATH makes find_library and
# find_path pick it; the build RPATH points at it.
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_PREFIX_PATH="$root/.caf/tsan/prefix" -DBISTRO_TSAN=ON \
  -DBISTRO_BUILD_BENCHMARKS=OFF \
  -DBISTRO_TEST_DIRS="actors/http;actors/config_watcher;actors/nodes;actors/scheduler;actors/tasks;actors/store;actors/workers;actors/runtime;actors/rounds" \
  >/dev/null
tests=(actors/http/bistro_http_tests
       actors/config_watcher/bistro_config_watcher_tests
       actors/nodes/bistro_nodes_tests
       actors/scheduler/bistro_scheduler_actor_tests
       actors/tasks/bistro_tasks_tests actors/store/bistro_store_tests
       actors/workers/bistro_workers_tests
       actors/runtime/bistro_runtime_tests
       actors/rounds/bistro_rounds_tests)
cmake --build "$build" -j"$(nproc)" --target "${tests[@]##*/}"
# Tests tagged [affinity] assert which thread runs what, a timing property
# that TSan's slowdown makes a coin toss (seen failing 1 run in about 10);
# they run in the other builds. With Catch args given, those args decide.
spec=("$@")
if [[ $# -eq 0 ]]; then spec=("~[affinity]"); fi
failed=0
for t in "${tests[@]}"; do
  echo "== $t"
  TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1" \
    "$build/tests/$t" "${spec[@]}" || failed=1
done
exit "$failed"
