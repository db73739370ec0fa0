#!/usr/bin/env bash
# README command 2: install what is missing, build, and run every test.
#   1. build/ (Release): every ctest test: unit, end-to-end, faults,
#      browser, and the fuzz corpus replayed.
#   2. scripts/fuzz.sh: each libFuzzer target (clang, ASan + UBSan) for
#      15 s (BISTRO_FUZZ_SECONDS).
#   3. scripts/tsan.sh: ThreadSanitizer build of the tests of the parts
#      with threads of their own.
# Arguments go to the first ctest. scripts/sanitize.sh runs every test
# under ASan and UBSan (too long for CI; see there).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
./scripts/build.sh
ctest --test-dir "${BUILD_DIR:-build}" --output-on-failure -j"$(nproc)" \
  --timeout 300 "$@"
./scripts/fuzz.sh "${BISTRO_FUZZ_SECONDS:-15}"
./scripts/tsan.sh
