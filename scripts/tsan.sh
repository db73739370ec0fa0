#!/usr/bin/env bash
# ThreadSanitizer build (gcc, -O1) of the tests of the parts that run
# threads of their own without CAF: the task processes and the fd_waker
# thread that wakes the local worker (tests/actors/tasks), the LMDB
# stores read and written from several threads (tests/actors/store), and
# a round's per-job work on round_threads (tests/actors/rounds).
# The release CAF (scripts/build-caf.sh) is not built with TSan, so a TSan
# run of actor code would see CAF's own mailbox handoffs as races:
# scripts/tsan-actors.sh builds the patched CAF with TSan for that.
# Usage: scripts/tsan.sh [ctest args...]; TSAN_BUILD_DIR overrides the
# folder (default build-tsan). Installs nothing (scripts/install-deps.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${TSAN_BUILD_DIR:-build-tsan}
./scripts/build-caf.sh release
cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_PREFIX_PATH="$PWD/.caf/release/prefix" \
  -DBISTRO_TSAN=ON -DBISTRO_BUILD_BENCHMARKS=OFF \
  -DBISTRO_TEST_DIRS="actors/tasks;actors/store;actors/rounds" >/dev/null
cmake --build "$build_dir" -j"$(nproc)" --target bistro_tasks_tests \
  bistro_store_tests bistro_rounds_tests
TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1" \
  ctest --test-dir "$build_dir" -j"$(nproc)" --timeout 300 \
  --output-on-failure "$@"
