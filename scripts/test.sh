#!/usr/bin/env bash
# README command 2: install what is missing, build, and run every test.
# Ends with ctest's summary line.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
./scripts/build.sh
cd "${BUILD_DIR:-build}"
ctest --output-on-failure -j"$(nproc)" --timeout 300 "$@"
