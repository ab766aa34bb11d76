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
compile elementwise.tl gelu gelu_fast --fast-math
compile softmax.tl softmax softmax
compile layernorm.tl layernorm layernorm
compile softmax.tl softmax softmax_4352 -D block_N=4352
compile layernorm.tl layernorm layernorm_4352 -D block_N=4352
compile reduction.tl row_sum_max row_sum_max
compile gemv.tl gemv gemv
compile gemm.tl gemm gemm_fp16
compile gemm.tl gemm gemm_bf16 -D dtype=bfloat16
compile gemm_fp8.tl gemm_fp8 gemm_fp8
# The same GEMM without one feature each: what it is worth, in the same run.
compile gemm.tl gemm gemm_fp16_unstaged --disable=stage-stores
compile gemm.tl gemm gemm_fp16_no_setmaxnreg --disable=setmaxnreg
# With the opt-in gemm kept in flight across the mainloop's iterations.
compile gemm.tl gemm gemm_fp16_carried --enable=carry-gemms
# LLVM at -O1 instead of -O3 before ptxas (half the compile time of the
# largest kernels): what it costs at run time, in run.sh --ab.
compile gemm.tl gemm gemm_fp16_o1 --opt-level=1
# 64-row tiles: the two consumer warpgroups split the columns (64x128 each).
compile gemm.tl gemm gemm_fp16_m64 -D block_M=64
target=sm_80 compile gemm.tl gemm gemm_fp16_m64_sm80 -D block_M=64 -D block_N=128 -D num_stages=3
compile gemm_transposed.tl gemm_nt gemm_nt
# The sm_80 path (cp.async pipeline, ldmatrix + mma.sync), run on the H200 too.
sm80_gemm_tiles="-D block_N=128 -D num_stages=3"
target=sm_80 compile gemm.tl gemm gemm_fp16_sm80 $sm80_gemm_tiles
target=sm_80 compile gemm.tl gemm gemm_bf16_sm80 $sm80_gemm_tiles -D dtype=bfloat16
target=sm_80 compile gemm_transposed.tl gemm_nt gemm_nt_sm80 $sm80_gemm_tiles
target=sm_80 compile gemm_transposed.tl gemm_tn gemm_tn_sm80 $sm80_gemm_tiles
compile gemm_transposed.tl gemm_tn gemm_tn
ls "$out/kernels"
# The attention family, through the reference schedule (correctness on the
# GPU; tensor cores and pipelining come later).
compile flash_attention.tl flash_attention fa_mha -D dim=64 -D block_M=64 -D block_N=32
compile flash_attention.tl flash_attention fa_mha_fp16 -D dim=64 -D block_M=64 -D block_N=32 \
  -D dtype=float16
compile flash_attention.tl flash_attention fa_gqa_causal -D dim=64 -D block_M=64 -D block_N=32 \
  -D groups=2 -D is_causal=True
# The same kernel with the tiles it is written for (128-row blocks, two
# consumer warpgroups on wgmma), head dims 128 and 64.
compile flash_attention.tl flash_attention fa_d128
compile flash_attention.tl flash_attention fa_d128_causal -D is_causal=True
compile flash_attention.tl flash_attention fa_d128_no_setmaxnreg --disable=setmaxnreg
compile flash_attention.tl flash_attention fa_d128_no_stmatrix --disable=stmatrix,tma
compile flash_attention.tl flash_attention fa_d64 -D dim=64 -D block_N=128
compile flash_attention.tl flash_attention fa_d64_causal -D dim=64 -D block_N=128 -D is_causal=True
# With the opt-in warpgroup turns (run.sh --ab times them against the defaults).
compile flash_attention.tl flash_attention fa_d128_pingpong --enable=pingpong
compile flash_attention.tl flash_attention fa_d128_causal_pingpong -D is_causal=True --enable=pingpong
compile flash_attention.tl flash_attention fa_d64_pingpong -D dim=64 -D block_N=128 --enable=pingpong
compile flash_attention.tl flash_attention fa_d128_o1 --opt-level=1
compile flash_attention.tl flash_attention fa_d128_causal_o1 -D is_causal=True --opt-level=1
compile flash_attention.tl flash_attention fa_d64_o1 -D dim=64 -D block_N=128 --opt-level=1
# Without the rotation of the consumers' loop (P V of the previous step
# beside this step's softmax), for run.sh --ab.
compile flash_attention.tl flash_attention fa_d128_unrotated --disable=rotate-gemms
compile flash_attention.tl flash_attention fa_d128_causal_unrotated -D is_causal=True \
  --disable=rotate-gemms
compile flash_attention.tl flash_attention fa_d64_unrotated -D dim=64 -D block_N=128 \
  --disable=rotate-gemms
# Attention on sm_80: mma.sync with the accumulators and P in registers.
target=sm_80 compile flash_attention.tl flash_attention fa_d128_sm80
target=sm_80 compile flash_attention.tl flash_attention fa_gqa_causal_sm80 -D dim=64 \
  -D block_M=64 -D block_N=32 -D groups=2 -D is_causal=True
compile flash_decoding.tl flash_decode_split decode_split -D num_split=8
compile flash_decoding.tl flash_decode_combine decode_combine -D num_split=8
compile flash_decoding.tl flash_decode decode_one_call -D num_split=8
compile retention.tl retention_chunkwise retention -D dk=64 -D dv=64 -D block_V=64
target=sm_80 compile retention.tl retention_chunkwise retention_sm80 -D dk=64 -D dv=64 -D block_V=64
# Retention's three forms at the head sizes of the FLA anchors
# (K256/V512 as RetNet-6.7B, K128/V256, K128/V128).
compile retention.tl retention_parallel retention_parallel_k256 -D dk=256 -D dv=512
compile retention.tl retention_parallel retention_parallel_k128 -D dk=128 -D dv=256
compile retention.tl retention_parallel retention_parallel_k128v128 -D dk=128 -D dv=128
compile retention.tl retention_chunkwise retention_chunkwise_k256 -D dk=256 -D dv=512 -D block_V=32
compile retention.tl retention_chunkwise retention_chunkwise_k256_c32 -D dk=256 -D dv=512 -D block_V=32 -D chunk=32
compile retention.tl retention_chunkwise retention_chunkwise_k128 -D dk=128 -D dv=256
compile retention.tl retention_chunkwise retention_chunkwise_k128v128 -D dk=128 -D dv=128
compile retention.tl retention_recurrent retention_recurrent_k256 -D dk=256 -D dv=512
compile retention.tl retention_recurrent retention_recurrent_k256_v32 -D dk=256 -D dv=512 -D block_V=32
# The output pass takes 256 columns on two warpgroups where dv has them
# (a sweep: 0.73-1.3x faster than 128 columns on one).
for shape in "k256 -D dk=256 -D dv=512 -D block_V=256 -D threads=256" \
             "k128 -D dk=128 -D dv=256 -D block_V=256 -D threads=256" "k128v128 -D dk=128 -D dv=128"; do
  set -- $shape
  tag=$1; shift
  compile retention.tl retention_chunk_states retention_states_$tag -D "$2" -D "$4"  # dk, dv only
  compile retention.tl retention_chunk_output retention_output_$tag "$@"
done
compile block_sparse_decode.tl block_sparse_decode block_sparse
compile resa.tl resa_decode resa
# A causal chunk of queries at the end of a long cache (chunked prefill,
# ReSA's rectification), GQA 4.
compile flash_attention.tl flash_attention fa_chunk_gqa -D groups=4 -D is_causal=True
compile diffqkv_decode.tl diffqkv_decode_split diffqkv_split
compile diffqkv_decode.tl diffqkv_decode_combine diffqkv_combine
ls "$out/kernels" | wc -l
# The differential check: every program's inputs and its cpu-target results,
# to compare with the GPU's (tests/gpu/differential.py), with 100 generated
# programs (TILEC_GENERATED; another TILEC_GENERATED_SEED gives others).
/usr/bin/python3 "$root/tests/gpu/differential.py" prepare "$out/differential" \
  --tilec "$build/tools/tilec" --target "$target" --generated "${TILEC_GENERATED:-100}" \
  --seed "${TILEC_GENERATED_SEED:-1}" | { grep -v "^prepared" || true; }
# The attention template's instances, a set of their own (about 22 MB:
# carried in a call of its own as build/gpu/differential-template).
/usr/bin/python3 "$root/tests/gpu/differential.py" prepare "$out/differential-template" \
  --tilec "$build/tools/tilec" --target "$target" --set template | { grep -v "^prepared" || true; }
# The C++ JIT example, static (MLIR inside), for a GPU machine without MLIR.
ninja -C "$build" --quiet tilec-jit-example
strip -o "$out/tilec-jit-example" "$build/runtime/tilec-jit-example"
gzip -9 -f "$out/tilec-jit-example"
du -sh "$out"
# The tilec tool, static, for @tilec.jit there (tests/gpu/jit.py): in a
# folder of its own, carried beside build/gpu when the call has room.
jit=$root/build/gpu-jit
rm -rf "$jit" && mkdir -p "$jit"
ninja -C "$build" --quiet tilec-static
strip -o "$jit/tilec" "$build/runtime/tilec-static"
xz -6 -T2 "$jit/tilec"
du -sh "$jit"
