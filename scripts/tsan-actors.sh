#!/usr/bin/env bash
# ThreadSanitizer for the actor code. Debian's libcaf is not built with
# TSan, and TSan cannot see the synchronization inside uninstrumented code:
# every mailbox handoff would be a false race. So this script downloads
# the source Debian builds its CAF 0.17.6 from (the orig tarball from
# deb.debian.org, checked against the SHA-256 in Debian's .dsc; Debian's
# patches only touch packaging), builds libcaf_core, libcaf_io and
# libcaf_openssl with -fsanitize=thread into $TSAN_CAF_DIR/caf, builds the
# actor tests against that CAF (-DBISTRO_TSAN=ON) and runs them.
#
# The third step of scripts/test.sh (CI): on 2 cores, 7 minutes from
# scratch (CAF at -O1, our tests, their run); CAF is built once per folder.
# When deb.debian.org cannot be reached it says so and runs scripts/tsan.sh
# (the parts with threads of their own and no CAF) instead.
# Usage: scripts/tsan-actors.sh [Catch args...]; TSAN_CAF_DIR overrides the
# folder (default build-tsan-caf).
set -euo pipefail
cd "$(dirname "$0")/.."
root="$PWD"
work="$root/${TSAN_CAF_DIR:-build-tsan-caf}"
pool=http://deb.debian.org/debian/pool/main/a/actor-framework
orig=actor-framework_0.17.6.orig.tar.gz
orig_sha=e2bf5bd243f08bb7d8adde197cfe3e6d71314ed3378fe0692f8932f4c3b3928c
tsan_flags="-O1 -g1 -fsanitize=thread -fno-omit-frame-pointer"

mkdir -p "$work"
if [[ ! -f "$work/caf/lib/libcaf_core.so" ]]; then
  if [[ ! -f "$work/$orig" ]] &&
    ! curl -fsSL --retry 3 -o "$work/$orig.part" "$pool/$orig"; then
    echo "tsan-actors: cannot download $pool/$orig; the actor tests are" \
      "not run under TSan, only the plain threaded parts (scripts/tsan.sh)" >&2
    exec ./scripts/tsan.sh
  fi
  [[ -f "$work/$orig" ]] || mv "$work/$orig.part" "$work/$orig"
  echo "$orig_sha  $work/$orig" | sha256sum -c --quiet
  if [[ ! -d "$work/src" ]]; then
    mkdir -p "$work/src"
    tar xzf "$work/$orig" -C "$work/src" --strip-components=1
    # GCC 12's headers no longer bring <limits> in by the way (Debian's
    # own build patches the same line).
    sed -i 's|^#pragma once$|#pragma once\n#include <limits>|' \
      "$work/src/libcaf_io/caf/io/network/receive_buffer.hpp"
  fi
  # Build type None: only $tsan_flags, no -O3 after them (-O1 compiles
  # faster and is what TSan's authors recommend).
  cmake -S "$work/src" -B "$work/caf-build" -G Ninja \
    -DCMAKE_BUILD_TYPE=None -DCMAKE_INSTALL_PREFIX="$work/caf" \
    -DCMAKE_INSTALL_LIBDIR=lib \
    -DCMAKE_CXX_FLAGS="$tsan_flags -Wno-error" \
    -DCMAKE_SHARED_LINKER_FLAGS=-fsanitize=thread \
    -DCAF_NO_EXAMPLES=yes -DCAF_NO_UNIT_TESTS=yes -DCAF_NO_TOOLS=yes \
    -DCAF_NO_PYTHON=yes -DCAF_NO_OPENCL=yes \
    -DCAF_NO_COMPILER_CHECK=yes >/dev/null
  cmake --build "$work/caf-build" -j"$(nproc)"
  cmake --install "$work/caf-build" >/dev/null
fi

# Our tests against that CAF: CMAKE_PREFIX_PATH makes find_library and
# find_path pick it before the system's; the build RPATH points at it.
cmake -S . -B "$work/build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_PREFIX_PATH="$work/caf" -DBISTRO_TSAN=ON \
  -DBISTRO_BUILD_BENCHMARKS=OFF \
  -DBISTRO_TEST_DIRS="actors/http;actors/config_watcher;actors/nodes;actors/scheduler;actors/tasks;actors/store;actors/workers;apps" \
  >/dev/null
tests=(actors/http/bistro_http_tests
       actors/config_watcher/bistro_config_watcher_tests
       actors/nodes/bistro_nodes_tests
       actors/scheduler/bistro_scheduler_actor_tests
       actors/tasks/bistro_tasks_tests actors/store/bistro_store_tests
       actors/workers/bistro_workers_tests apps/bistro_apps_tests)
cmake --build "$work/build" -j"$(nproc)" --target "${tests[@]##*/}"
failed=0
for t in "${tests[@]}"; do
  echo "== $t"
  TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1" \
    "$work/build/tests/$t" "$@" || failed=1
done
exit "$failed"
