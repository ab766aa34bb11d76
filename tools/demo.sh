#!/usr/bin/env bash
# The main job: set up and build, then compile a shipped kernel and show what
# came out at each stage. (Running it on a GPU arrives with the PTX back end.)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${TILEC_BUILD_DIR:-$root/build}
bash "$root/tools/bootstrap.sh"
kernel=${1:-$root/kernels/gemm.tl}
echo
echo "== tilec $(basename "$kernel") --emit=tile (block_M=64 via -D)"
"$build/tools/tilec" "$kernel" -D block_M=64
echo
echo "== tile-dump stages"
"$build/tools/tile-dump" --list
echo
echo "== tile-dump --only=cse"
"$build/tools/tile-dump" "$kernel" --only=cse
if command -v nvidia-smi >/dev/null 2>&1 && nvidia-smi >/dev/null 2>&1; then
  echo "== a GPU is present, but this build has no GPU back end yet: nothing to run"
fi
