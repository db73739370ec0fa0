#!/usr/bin/env bash
# Every test under AddressSanitizer, LeakSanitizer and UndefinedBehavior-
# Sanitizer: the whole project built with -DBISTRO_SANITIZE=ON (gcc, -O0)
# into build-asan/, then ctest: unit, e2e (the binaries they start are
# sanitized too), faults, browser and the fuzz corpus replay. A report
# aborts the process that hit it, so its test fails. This is the test run
# of scripts/test.sh (CI).
# scripts/ubsan.supp and scripts/lsan.supp silence reports from inside CAF,
# each with its reason.
# Usage: scripts/sanitize.sh [ctest args...]; ASAN_BUILD_DIR overrides the
# folder. Installs nothing (scripts/install-deps.sh); scripts/build.sh
# builds the patched CAF first when .caf/ lacks it (scripts/build-caf.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${ASAN_BUILD_DIR:-build-asan}
BUILD_DIR="$build_dir" ./scripts/build.sh -DBISTRO_SANITIZE=ON \
  -DBISTRO_BUILD_BENCHMARKS=OFF
export ASAN_OPTIONS="abort_on_error=1"
export LSAN_OPTIONS="suppressions=$PWD/scripts/lsan.supp"
export UBSAN_OPTIONS="halt_on_error=1 print_stacktrace=1 suppressions=$PWD/scripts/ubsan.supp"
ctest --test-dir "$build_dir" --output-on-failure -j"$(nproc)" --timeout 300 \
  "$@"
