#!/usr/bin/env bash
# README command 2: install what is missing, build, and run every test.
#   1. scripts/sanitize.sh: every ctest test (unit, end-to-end, faults,
#      browser, the fuzz corpus replayed) in the ASan + UBSan build
#      (build-asan/), real binaries and all.
#   2. scripts/fuzz.sh: each libFuzzer target (clang, ASan + UBSan) for
#      15 s (BISTRO_FUZZ_SECONDS).
#   3. scripts/tsan-actors.sh: ThreadSanitizer build of the actor tests
#      (and of the task and store tests) against the patched CAF built
#      with TSan (scripts/build-caf.sh tsan).
# Every build links the patched CAF (patches/caf/) that
# scripts/build-caf.sh builds from Debian's source (apt-get source) once
# into .caf/.
# Arguments go to the first ctest. The Release build (build/, what
# scripts/demo.sh and benchmarks/ use) runs the same tests with
#   ./scripts/build.sh && ctest --test-dir build
# CI runs the sanitized build only: both builds would not fit its budget.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
# The patched CAF every build links (once; cached in .caf/).
./scripts/build-caf.sh release
./scripts/sanitize.sh "$@"
./scripts/fuzz.sh "${BISTRO_FUZZ_SECONDS:-15}"
./scripts/tsan-actors.sh
