#!/usr/bin/env bash
# Compiles tile-size variants of the memory-bound kernels into build/gpu/sweep
# (run here), for `tests/gpu/run.sh --sweep` on a GPU machine.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
build=${TILEC_BUILD_DIR:-$root/build}
out=$root/build/gpu/sweep
rm -rf "$out" && mkdir -p "$out"
variant() { # file kernel name -D...
  local file=$1 kernel=$2 name=$3; shift 3
  "$build/tools/tilec" "$root/kernels/$file" --kernel "$kernel" -o "$out/$name.ptx" "$@"
}
for bm in 1 2 4 8; do
  for bn in 512 1024 2048; do
    for t in 128 256 512; do
      variant softmax.tl softmax "softmax_${bm}_${bn}_${t}" -D block_M=$bm -D block_N=$bn -D threads=$t
    done
  done
done
for bn in 256 512 1024 2048; do
  for t in 128 256 512; do
    variant layernorm.tl layernorm "layernorm_${bn}_${t}" -D block_N=$bn -D threads=$t
  done
done
for b in 1024 2048 4096; do
  for t in 128 256 512; do
    variant elementwise.tl gelu "gelu_${b}_${t}" -D block=$b -D threads=$t
  done
done
ls "$out" | wc -l
