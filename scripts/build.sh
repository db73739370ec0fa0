#!/usr/bin/env bash
# Configures and builds bistro-caf into build/ (Release unless BUILD_TYPE is
# set). Extra arguments go to cmake's configure step, e.g. -DBISTRO_SANITIZE=ON.
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${BUILD_DIR:-build}
cmake -S . -B "$build_dir" -G Ninja \
  -DCMAKE_BUILD_TYPE="${BUILD_TYPE:-Release}" "$@" >/dev/null
cmake --build "$build_dir" -j"$(nproc)"
