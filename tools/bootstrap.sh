#!/usr/bin/env bash
# Installs what tilec needs that this Debian machine lacks, then configures
# and builds it into build/ (Ninja, ccache). Safe to run again: it installs
# nothing that is present and rebuilds only what changed.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${TILEC_BUILD_DIR:-$root/build}

packages=(cmake ninja-build ccache g++ python3 python3-dev python3-numpy python3-venv llvm-22-dev llvm-22-tools lld-22 rocm-device-libs
          libamdhip64-dev libdlpack-dev
          libmlir-22-dev mlir-22-tools catch2 nlohmann-json3-dev libzstd-dev)
[ "${TILEC_WITH_FUZZER:-0}" = 1 ] && packages+=(clang-22 libclang-rt-22-dev)
missing=()
for p in "${packages[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "== installing: ${missing[*]}"
  sudo=""
  [ "$(id -u)" = 0 ] || sudo=sudo
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi

export CCACHE_DIR=${CCACHE_DIR:-$HOME/.cache/ccache}
# Paths relative to the checkout: a fresh clone elsewhere still hits the cache.
export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$root}
if [ ! -f "$build/build.ninja" ]; then
  # Python's C call path (tilec._launcher) is built for Debian's python3,
  # the interpreter that the tests and tools run.
  cmake -G Ninja -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release \
    -DPython3_EXECUTABLE=/usr/bin/python3 >/dev/null
fi
ninja -C "$build"
