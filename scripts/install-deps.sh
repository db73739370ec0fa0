#!/usr/bin/env bash
# Installs the Debian 12 packages bistro-caf builds and tests with.
# Idempotent and non-interactive: when every package is present it does nothing.
set -euo pipefail

packages=(
  build-essential cmake pkg-config ninja-build
  # CAF itself is built from Debian's source with patches/caf/
  # (scripts/build-caf.sh): what it needs to build its three libraries.
  libssl-dev patch
  libboost1.81-dev libboost-json1.81-dev
  liblmdb-dev lmdb-utils
  libspdlog-dev
  catch2
  openssl
  chromium
  libedit-dev
  clang libclang-rt-14-dev
  iproute2
  curl
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then sudo_cmd=(sudo); fi
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
