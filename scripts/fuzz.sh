#!/usr/bin/env bash
# Builds the libFuzzer targets of tests/fuzz/ with clang into build-fuzz/ and
# fuzzes each for SECONDS (default 20): `scripts/fuzz.sh [SECONDS]`, or
# BISTRO_FUZZ_SECONDS=600. Fails when a target crashes, hangs, leaks or
# trips a sanitizer; the input that did it is in
# build-fuzz/tests/fuzz/artifacts/<target>/ (see tests/fuzz/README.md).
# Needs clang++ and libclang-rt-14-dev (scripts/install-deps.sh); installs
# nothing but the patched CAF (scripts/build-caf.sh, cached in .caf/).
# FUZZ_BUILD_DIR and FUZZ_JOBS (default 2) override the defaults.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-${BISTRO_FUZZ_SECONDS:-20}}
build_dir=${FUZZ_BUILD_DIR:-build-fuzz}
jobs=${FUZZ_JOBS:-2}
# The whole build is instrumented (coverage and sanitizers reach the
# project's libraries); the fuzz executables add -fsanitize=fuzzer at link.
# _GLIBCXX_ASSERTIONS bounds-checks std::array/vector/string indexing.
flags="-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all"
flags+=" -fno-omit-frame-pointer -D_GLIBCXX_ASSERTIONS"
./scripts/build-caf.sh release
cmake -S . -B "$build_dir" -G Ninja \
  -DCMAKE_PREFIX_PATH="$PWD/.caf/release/prefix" \
  -DCMAKE_CXX_COMPILER=clang++ \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_FLAGS="$flags" \
  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -gline-tables-only" \
  -DBISTRO_FUZZ=ON -DBISTRO_FUZZ_SECONDS="$seconds" \
  -DBISTRO_BUILD_BENCHMARKS=OFF -DBISTRO_TEST_DIRS=fuzz >/dev/null
cmake --build "$build_dir" -j"$jobs" --target \
  fuzz_config fuzz_status_line fuzz_http_routes fuzz_messages
ctest --test-dir "$build_dir" -L fuzz -j"$jobs" --output-on-failure
