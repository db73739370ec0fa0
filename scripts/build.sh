#!/usr/bin/env bash
# Configures and builds bistro-caf into build/ (Release unless BUILD_TYPE is
# set) against the patched CAF of .caf/release/prefix, which
# scripts/build-caf.sh builds first when it is missing or out of date.
# Extra arguments go to cmake's configure step, e.g. -DBISTRO_SANITIZE=ON.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/build-caf.sh release
build_dir=${BUILD_DIR:-build}
cmake -S . -B "$build_dir" -G Ninja \
  -DCMAKE_PREFIX_PATH="$PWD/.caf/release/prefix" \
  -DCMAKE_BUILD_TYPE="${BUILD_TYPE:-Release}" "$@" >/dev/null
cmake --build "$build_dir" -j"$(nproc)"
