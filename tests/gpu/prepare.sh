#!/usr/bin/env bash
# On the build machine (MLIR available): compiles the kernels the GPU check
# runs to PTX + metadata under build/gpu/, with the one header the CUDA
# runtime needs from Debian, so that build/gpu can be carried to a GPU machine.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
build=${TILEC_BUILD_DIR:-$root/build}
out=$root/build/gpu
target=${TILEC_GPU_TARGET:-sm_90a}
rm -rf "$out" && mkdir -p "$out/kernels" "$out/include/nlohmann"
cp -r /usr/include/nlohmann/. "$out/include/nlohmann/"
compile() { # file kernel name [-D ...]
  local file=$1 kernel=$2 name=$3; shift 3
  "$build/tools/tilec" "$root/kernels/$file" --kernel "$kernel" --emit=ptx \
    --target "$target" -o "$out/kernels/$name.ptx" "$@"
}
compile elementwise.tl vector_add vector_add
compile elementwise.tl gelu gelu
compile softmax.tl softmax softmax
compile layernorm.tl layernorm layernorm
compile reduction.tl row_sum_max row_sum_max
compile gemm.tl gemm gemm_simt_fp16 -D block_M=64 -D block_N=64 -D block_K=32 -D threads=256
ls "$out/kernels"
