#!/usr/bin/env bash
# Compiles tile-size variants of the memory-bound kernels into build/gpu/sweep
# (run here), for `tests/gpu/run.sh --sweep` on a GPU machine.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
build=${TILEC_BUILD_DIR:-$root/build}
out=$root/build/gpu/sweep
rm -rf "$out" && mkdir -p "$out"
only=${1:-} # compile only the variants whose name starts with this
variant() { # file kernel name -D...
  local file=$1 kernel=$2 name=$3; shift 3
  [[ $name == "$only"* ]] || return 0
  "$build/tools/tilec" "$root/kernels/$file" --kernel "$kernel" -o "$out/$name.ptx" "$@"
}
# Softmax and layernorm: rows up to block_N stay on chip, longer ones are
# streamed in chunks of block_N (timed at 16384x4096 and 16384x4099).
for bm in 1 2; do
  for bn in 4096 8192; do
    for t in 256 512 1024; do
      variant softmax.tl softmax "softmax_${bm}_${bn}_${t}" -D block_M=$bm -D block_N=$bn -D threads=$t
    done
  done
done
for bn in 2048 4096 8192; do
  for t in 256 512 1024; do
    variant layernorm.tl layernorm "layernorm_${bn}_${t}" -D block_N=$bn -D threads=$t
  done
done
for b in 1024 2048 4096 8192; do
  for t in 128 256 512; do
    variant elementwise.tl gelu "gelu_${b}_${t}" -D block=$b -D threads=$t
  done
done
# FlashAttention (head dim 128): key block and pipeline depth.
for cfg in 64,2 80,2 96,2 96,3 112,2 128,2; do
  IFS=, read -r bn st <<< "$cfg"
  variant flash_attention.tl flash_attention "fa_${bn}_${st}" -D block_N=$bn -D num_stages=$st
done
# Flash decoding: KV splits, key block, threads (the combine per split count).
for cfg in 8,64,128 16,64,128 32,64,128 32,128,128 32,64,256 64,64,128; do
  IFS=, read -r ns bn t <<< "$cfg"
  variant flash_decoding.tl flash_decode_split "decode_${ns}_${bn}_${t}" -D num_split=$ns \
    -D block_N=$bn -D threads=$t
  [[ -f "$out/dcombine_${ns}.ptx" ]] ||
    variant flash_decoding.tl flash_decode_combine "dcombine_${ns}" -D num_split=$ns
done
for b in 4096 8192 16384; do
  for t in 128 256; do
    variant elementwise.tl gelu "gelufast_${b}_${t}" -D block=$b -D threads=$t --fast-math
  done
done
# GEMM tiles and pipeline depths (wgmma on sm_90a).
for cfg in 128,128,64,2,128 128,128,64,3,128 128,128,64,4,128 128,128,64,5,128 \
           128,128,64,4,256 128,256,64,3,256 128,256,64,4,256 256,128,64,3,256 \
           256,128,64,4,256 128,192,64,4,128 128,128,128,3,128 128,256,32,6,256; do
  IFS=, read -r bm bn bk st t <<< "$cfg"
  variant gemm.tl gemm "gemm_${bm}_${bn}_${bk}_${st}_${t}" -D block_M=$bm -D block_N=$bn \
    -D block_K=$bk -D num_stages=$st -D threads=$t
done
ls "$out" | wc -l
