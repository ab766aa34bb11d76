#!/usr/bin/env bash
# On a GPU machine: builds the CUDA runtime (no MLIR needed) and runs
# check.py over the kernels that prepare.sh compiled into build/gpu.
#   locally:   bash tests/gpu/prepare.sh
#   on the GPU: bash tests/gpu/run.sh        (carry build/gpu/{kernels,include,
#               differential} and build/gpu-jit, about 55 MB: the static tilec
#               there compiles @tilec.jit, tilec.ops and TileLang programs;
#               build/gpu/tilec-jit-example.gz, 25 MB, in a call of its own;
#               build/gpu/differential-template, 22 MB, with build/gpu/include
#               in another: bash tests/gpu/run.sh --template)
#               bash tests/gpu/run.sh --ab   (each feature against its absence;
#               TILEC_AB_ROUNDS=n rounds, TILEC_AB_ONLY=gemm|attention)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
gpu=$root/build/gpu
cmake -S "$root/runtime/cuda" -B "$gpu/runtime" -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_CXX_FLAGS="-I$gpu/include" >/dev/null
cmake --build "$gpu/runtime" -j >/dev/null
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader
if [ "${1:-}" = --ab ]; then
  exec python3 "$root/tests/gpu/check.py" --lib "$gpu/runtime/libtilec_cuda.so" --kernels "$gpu/kernels" --ab
fi
if [ "${1:-}" = --template ]; then  # only build/gpu/differential-template's check
  exec python3 "$root/tests/gpu/differential.py" check "$gpu/differential-template" \
    --lib "$gpu/runtime/libtilec_cuda.so"
fi
if [ "${1:-}" = --sweep ]; then
  exec python3 "$root/tests/gpu/check.py" --lib "$gpu/runtime/libtilec_cuda.so" --kernels "$gpu/kernels" --sweep "$gpu/sweep"
fi
status=0
# The GEMM's machine code: HGMMA (wgmma) instructions and no spills.
if command -v cuobjdump >/dev/null; then
  for g in gemm_fp16 gemm_bf16 gemm_fp8; do
    ptxas -arch=sm_90a -v "$gpu/kernels/$g.ptx" -o "$gpu/$g.cubin" 2>&1 | grep -E "registers|spill" | tr -s ' ' | sed "s/^/$g: /"
    echo "$g: $(cuobjdump -sass "$gpu/$g.cubin" | grep -cE "HGMMA|QGMMA") HGMMA/QGMMA instructions in the SASS, $(cuobjdump -sass "$gpu/$g.cubin" | grep -c QGMMA) QGMMA"
  done
  # The epilogue and register moves: stmatrix (STSM), TMA stores (UTMASTG),
  # setmaxnreg (USETMAXREG); the sm_80 path: ldmatrix (LDSM) and HMMA.
  sass=$(cuobjdump -sass "$gpu/gemm_fp16.cubin" || true)
  echo "gemm_fp16: $(grep -c STSM <<<"$sass") STSM, $(grep -c UTMASTG <<<"$sass") UTMASTG, $(grep -c USETMAXREG <<<"$sass") USETMAXREG"
  ptxas -arch=sm_80 "$gpu/kernels/gemm_fp16_sm80.ptx" -o "$gpu/gemm_fp16_sm80.cubin" || true
  sass=$(cuobjdump -sass "$gpu/gemm_fp16_sm80.cubin" || true)
  echo "gemm_fp16_sm80: $(grep -c LDSM <<<"$sass") LDSM, $(grep -c HMMA <<<"$sass") HMMA"
fi
# A kernel that hangs must not take the machine's whole time: the check
# stops after TILEC_CHECK_SECONDS (rows print as they finish).
timeout "${TILEC_CHECK_SECONDS:-480}" python3 "$root/tests/gpu/check.py" \
  --lib "$gpu/runtime/libtilec_cuda.so" --kernels "$gpu/kernels" "$@" || status=1
# The differential check: the GPU agrees with the cpu target on every
# program (inputs and cpu results from prepare.sh); then the same programs
# under compute-sanitizer's memcheck, racecheck and synccheck.
diff=(python3 "$root/tests/gpu/differential.py" check "$gpu/differential"
      --lib "$gpu/runtime/libtilec_cuda.so")
timeout 300 "${diff[@]}" || status=1
# The attention template's instances, when build/gpu/differential-template
# was carried (a call of its own: carry it with build/gpu/include).
if [ -d "$gpu/differential-template" ]; then
  timeout 300 python3 "$root/tests/gpu/differential.py" check "$gpu/differential-template" \
    --lib "$gpu/runtime/libtilec_cuda.so" || status=1
fi
if [ "${TILEC_SANITIZE:-1}" = 1 ] && command -v compute-sanitizer >/dev/null; then
  for tool in memcheck racecheck synccheck; do
    timeout 300 compute-sanitizer --tool "$tool" --error-exitcode 3 "${diff[@]}" \
      > "$gpu/sanitizer-$tool.log" 2>&1
    code=$?
    echo "compute-sanitizer --tool $tool: $(grep -E "ERROR SUMMARY|RACECHECK SUMMARY" "$gpu/sanitizer-$tool.log" | tail -1) (exit $code)"
    [ $code = 0 ] || { status=1; grep -m 20 -E "=========  ?[A-Z]" "$gpu/sanitizer-$tool.log"; }
  done
fi
# The Python binding on kernels compiled ahead of time.
python3 "$root/tests/gpu/binding.py" || status=1
# TileLang-style kernel factories through @tilec.jit, compiled here by the
# static tilec tool (when build/gpu-jit was carried too).
if [ -f "$root/build/gpu-jit/tilec.xz" ]; then
  tool=$(mktemp -d)/tilec
  xz -dc "$root/build/gpu-jit/tilec.xz" > "$tool" && chmod +x "$tool"
  TILEC=$tool TILEC_CUDA_LIB=$gpu/runtime/libtilec_cuda.so TILEC_CACHE_DIR=$(mktemp -d) \
    python3 "$root/tests/gpu/jit.py" || status=1
  # FlashAttention's backward through torch.autograd (tilec.ops), checked
  # and timed against SDPA.
  TILEC=$tool TILEC_CUDA_LIB=$gpu/runtime/libtilec_cuda.so TILEC_CACHE_DIR=$(mktemp -d) \
    python3 "$root/tests/gpu/training.py" || status=1
  # The attention template's instances: numerics against float64 PyTorch,
  # then time against the hand-written kernels, SDPA and FlexAttention.
  TILEC=$tool TILEC_CUDA_LIB=$gpu/runtime/libtilec_cuda.so TILEC_CACHE_DIR=$(mktemp -d) \
    python3 "$root/tests/gpu/attention_template.py" || status=1
  # torch.library custom ops, torch.compile and CUDA graphs.
  TILEC=$tool TILEC_CUDA_LIB=$gpu/runtime/libtilec_cuda.so TILEC_CACHE_DIR=$(mktemp -d) \
    python3 "$root/tests/gpu/torch_integration.py" || status=1
  # tilec.autotune over the GEMM and FlashAttention (24 and 16 candidates).
  TILEC=$tool TILEC_CUDA_LIB=$gpu/runtime/libtilec_cuda.so TILEC_CACHE_DIR=$(mktemp -d) \
    python3 "$root/tests/gpu/autotune.py" || status=1
  # ReSA's decoding loop: time per generated token at 16K, 64K and 256K
  # against dense decoding.
  TILEC=$tool TILEC_CUDA_LIB=$gpu/runtime/libtilec_cuda.so TILEC_CACHE_DIR=$(mktemp -d) \
    python3 "$root/docs/examples/resa_decode.py" --device cuda || status=1
  # Two small models trained with tilec's kernels and with PyTorch's: the
  # loss curves (build/gpu/losses.csv, .svg) agree.
  TILEC=$tool TILEC_CUDA_LIB=$gpu/runtime/libtilec_cuda.so TILEC_CACHE_DIR=$(mktemp -d) \
    python3 "$root/tests/gpu/train_models.py" --out "$gpu/losses.csv" --svg "$gpu/losses.svg" \
    || status=1
  # A TileLang program, unchanged, through tilec's TileLang API.
  TILEC=$tool TILEC_CUDA_LIB=$gpu/runtime/libtilec_cuda.so TILEC_CACHE_DIR=$(mktemp -d) \
    PYTHONPATH=$root/runtime/python python3 -m tilec.tilelang "$root/tests/gpu/tilelang_program.py" \
    || status=1
  # TileLang's own examples (TILEC_TILELANG_EXAMPLES=<tilelang>/examples).
  if [ -n "${TILEC_TILELANG_EXAMPLES:-}" ]; then
    TILEC=$tool TILEC_CUDA_LIB=$gpu/runtime/libtilec_cuda.so TILEC_CACHE_DIR=$(mktemp -d) \
      python3 "$root/tests/compat/tilelang_examples.py" "$TILEC_TILELANG_EXAMPLES" --jobs 8 \
      || status=1
  fi
fi
# The C++ JIT example: compiles on this machine (no MLIR installed: it is
# linked in), launches, checks; the second run finds the kernel in the cache.
if [ -f "$gpu/tilec-jit-example.gz" ]; then
  example=$(mktemp -d)/tilec-jit-example
  gunzip -c "$gpu/tilec-jit-example.gz" > "$example" && chmod +x "$example"
  export TILEC_CACHE_DIR=$(mktemp -d)
  for run in 1 2; do
    /usr/bin/time -f "jit example run $run: %e s" "$example" "$root/kernels" || status=1
  done
fi
exit $status
