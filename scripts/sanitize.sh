#!/usr/bin/env bash
# Every test under AddressSanitizer and UndefinedBehaviorSanitizer: the
# whole project built with -DBISTRO_SANITIZE=ON (gcc, -O1) into build-asan/,
# then ctest: unit, e2e (the binaries they start are sanitized too),
# faults, browser and the fuzz corpus replay. A report aborts the process
# that hit it, so its test fails.
# Not part of scripts/test.sh: the sanitized build alone takes about 40 CPU
# minutes (20 on 2 cores), past CI's budget; CI sanitizes the fuzz targets
# (scripts/fuzz.sh) and the threaded plain parts (scripts/tsan.sh) instead.
# Usage: scripts/sanitize.sh [ctest args...]; ASAN_BUILD_DIR overrides the
# folder. Installs nothing (scripts/install-deps.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${ASAN_BUILD_DIR:-build-asan}
BUILD_DIR="$build_dir" ./scripts/build.sh -DBISTRO_SANITIZE=ON \
  -DBISTRO_BUILD_BENCHMARKS=OFF
export ASAN_OPTIONS="abort_on_error=1"
export UBSAN_OPTIONS="halt_on_error=1 print_stacktrace=1 suppressions=$PWD/scripts/ubsan.supp"
ctest --test-dir "$build_dir" --output-on-failure -j"$(nproc)" --timeout 300 \
  "$@"
