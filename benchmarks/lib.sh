# Shared by the benchmark scripts; source it, after defining log().

# check_build_type BUILD_DIR FORCE: sets build_type from BUILD_DIR's CMake
# cache; exits 3 unless it is an optimised build (or FORCE is 1).
check_build_type() {
  local cache="$1/CMakeCache.txt"
  build_type="$(sed -n 's/^CMAKE_BUILD_TYPE:[A-Z]*=//p' "$cache" 2>/dev/null || true)"
  # A sanitized build (scripts/test.sh's build-ci) is no place for timings.
  if grep -Eq '^BISTRO_(SANITIZE|TSAN):BOOL=ON' "$cache" 2>/dev/null; then
    build_type="$build_type+sanitizers"
  fi
  case "$build_type" in
    Release|RelWithDebInfo|MinSizeRel) ;;
    *)
      if [[ $2 -eq 1 ]]; then
        log "WARNING: build type '${build_type:-unknown}' in $cache; running anyway (--force)"
      else
        log "refusing to run: build type '${build_type:-unknown}' in $cache (want Release; --force overrides)"
        exit 3
      fi ;;
  esac
}
