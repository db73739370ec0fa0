#!/usr/bin/env bash
# Builds the CAF every build of bistro-caf links: Debian's CAF 0.17.6 source
# with the patches of patches/caf/ (see patches/caf/README.md), installed
# into .caf/<variant>/prefix. Usage: scripts/build-caf.sh [release|tsan]
#   release  -O2, what scripts/build.sh and everything on top of it use
#   tsan     -O1 -fsanitize=thread, for scripts/tsan-actors.sh
# Idempotent: .caf/<variant>/stamp holds the SHA-256 of the patches (names
# and contents), the flags and CAF's configure options; when it matches,
# nothing is done. Otherwise the source is unpacked afresh, patched in name
# order, built and installed (the build tree is removed afterwards).
#
# The source comes only through `apt-get source`: deb-src entries derived
# from this machine's own apt sources (each `deb` entry of
# /etc/apt/sources.list and /etc/apt/sources.list.d/*.list|*.sources turned
# into `deb-src`) go into a private apt configuration in .caf/apt/ (/etc/apt
# stays untouched). The orig tarball's SHA-256 is checked against the
# Checksums-Sha256 of Debian's .dsc (apt has checked the .dsc against the
# signed Sources index). Debian's own patches (debian.tar.xz) only touch
# packaging; a mirror that lacks that file is fine.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
variant=${1:-release}
cache="$root/.caf"
pkg=actor-framework
version=0.17.6
orig="${pkg}_${version}.orig.tar.gz"
jobs=$(nproc)

case "$variant" in
  release)
    # Build type None: exactly these flags (Debian builds with -O2 too).
    cxx_flags="-O2 -g1"
    linker_flags="" ;;
  tsan)
    # -O1 compiles faster and is what TSan's authors recommend.
    cxx_flags="-O1 -g1 -fsanitize=thread -fno-omit-frame-pointer"
    linker_flags="-fsanitize=thread" ;;
  *)
    echo "build-caf: unknown variant '$variant' (release or tsan)" >&2
    exit 2 ;;
esac

# CAF's configure options (the same for both variants; part of the key).
caf_options=(-DCAF_NO_EXAMPLES=yes -DCAF_NO_UNIT_TESTS=yes -DCAF_NO_TOOLS=yes
  -DCAF_NO_PYTHON=yes -DCAF_NO_OPENCL=yes -DCAF_NO_COMPILER_CHECK=yes)

work="$cache/$variant"
prefix="$work/prefix"
patches=()
while IFS= read -r p; do patches+=("$p"); done < <(
  find "$root/patches/caf" -maxdepth 1 -name '*.patch' | LC_ALL=C sort)
key=$(
  {
    echo "$pkg $version $variant $cxx_flags | $linker_flags | ${caf_options[*]}"
    for p in "${patches[@]}"; do
      echo "${p##*/}"
      sha256sum "$p" | cut -d' ' -f1
    done
  } | sha256sum | cut -d' ' -f1)
if [[ -f "$work/stamp" && "$(cat "$work/stamp")" == "$key" &&
  -f "$prefix/include/caf/bistro_patched.hpp" ]]; then
  exit 0
fi

# One build at a time (scripts/test.sh's steps, parallel shells).
mkdir -p "$cache"
exec 9>"$cache/lock"
flock 9
if [[ -f "$work/stamp" && "$(cat "$work/stamp")" == "$key" &&
  -f "$prefix/include/caf/bistro_patched.hpp" ]]; then
  exit 0
fi

# --- The source, through apt-get source --------------------------------------
dl="$cache/download"
mkdir -p "$dl"
dsc_of() { find "$dl" -maxdepth 1 -name "${pkg}_$version-*.dsc" | sort | tail -1; }
if [[ ! -f "$dl/$orig" || -z "$(dsc_of)" ]]; then
  apt_dir="$cache/apt"
  rm -rf "$apt_dir"
  mkdir -p "$apt_dir/parts" "$apt_dir/lists/partial" \
    "$apt_dir/cache/archives/partial"
  : >"$apt_dir/sources.list"
  # One-line format: "deb [options] uri suite components".
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [[ -f "$f" ]] || continue
    sed -n 's/^[[:space:]]*deb[[:space:]]/deb-src /p' "$f" \
      >>"$apt_dir/sources.list"
  done
  # deb822 format: a stanza whose Types has deb gets Types: deb-src.
  for f in /etc/apt/sources.list.d/*.sources; do
    [[ -f "$f" ]] || continue
    awk '/^Types:/ && / deb( |$)/ { print "Types: deb-src"; next }
      { print }' "$f" >"$apt_dir/parts/${f##*/}"
  done
  apt_opts=(-o "Dir::Etc::SourceList=$apt_dir/sources.list"
    -o "Dir::Etc::SourceParts=$apt_dir/parts"
    -o "Dir::State::Lists=$apt_dir/lists"
    -o "Dir::Cache=$apt_dir/cache")
  echo "build-caf: apt-get update with deb-src entries derived from" \
    "/etc/apt (private lists in $apt_dir)" >&2
  # A third-party repository without sources fails its part; the Debian
  # ones are what apt-get source needs.
  apt-get "${apt_opts[@]}" update -qq >&2 ||
    echo "build-caf: apt-get update reported errors (continuing)" >&2
  (cd "$dl" && apt-get "${apt_opts[@]}" source --download-only -qq \
    "$pkg" >&2) ||
    echo "build-caf: apt-get source did not fetch every file (only the" \
      ".dsc and the orig tarball are needed)" >&2
fi
dsc=$(dsc_of)
if [[ -z "$dsc" || ! -f "$dl/$orig" ]]; then
  echo "build-caf: apt-get source $pkg=$version did not deliver the .dsc" \
    "and $orig into $dl: this machine's apt sources need a Debian" \
    "repository that carries $pkg $version" >&2
  exit 1
fi
want=$(awk '/^Checksums-Sha256:/ { on = 1; next } /^[^ ]/ { on = 0 }
  on && $3 == f { print $1 }' f="$orig" "$dsc")
have=$(sha256sum "$dl/$orig" | cut -d' ' -f1)
if [[ -z "$want" || "$want" != "$have" ]]; then
  echo "build-caf: $dl/$orig has SHA-256 $have, ${dsc##*/} says" \
    "'${want:-nothing}': removed, run again" >&2
  rm -f "$dl/$orig" "$dsc"
  exit 1
fi

# --- Unpack, patch, build, install --------------------------------------------
start=$SECONDS
rm -rf "$work"
mkdir -p "$work/src"
tar xzf "$dl/$orig" -C "$work/src" --strip-components=1
for p in "${patches[@]}"; do
  if ! patch -d "$work/src" -p1 --quiet --no-backup-if-mismatch <"$p"; then
    echo "build-caf: ${p#"$root"/} does not apply to CAF $version" >&2
    exit 1
  fi
done
cmake -S "$work/src" -B "$work/build" -G Ninja \
  -DCMAKE_BUILD_TYPE=None -DCMAKE_INSTALL_PREFIX="$prefix" \
  -DCMAKE_INSTALL_LIBDIR=lib \
  -DCMAKE_CXX_FLAGS="$cxx_flags -Wno-error" \
  -DCMAKE_SHARED_LINKER_FLAGS="$linker_flags" \
  "${caf_options[@]}" >"$work/configure.log"
cmake --build "$work/build" -j"$jobs" >"$work/build.log" || {
  tail -40 "$work/build.log" >&2
  exit 1
}
cmake --install "$work/build" >/dev/null
# The build tree is not needed once installed (about 200 MB).
rm -rf "$work/build"
echo "$key" >"$work/stamp"
echo "build-caf: CAF $version ($variant, ${#patches[@]} patches) built in" \
  "$((SECONDS - start)) s into ${prefix#"$root"/}" >&2
