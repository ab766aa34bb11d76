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
#   parts:      bash tests/gpu/run.sh template training ...   runs only the
#               named parts (names below, in the order they run); words that
#               start with -- go to check.py. TILEC_LOG_DIR=dir keeps each
#               part's whole output in dir/<part>.log. All of them take
#               longer than one call of a lent machine may run: split them
#               (seen on an H100: template 116 s, training 35 s, torch 27 s,
#               differential-template 20 s, train-models 24 s, resa 9 s,
#               tilelang-examples 167 s; on an H200: stages 218 s with four
#               configurations stopped at 30 s each, training 50 s,
#               differential-template 28 s; check runs up to its 480 s limit,
#               sanitize up to 900 s), e.g. `sass check`, then
#               `differential differential-template binding jit training
#               template torch`, then the rest.
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
export PYTHONUNBUFFERED=1
status=0
parts=() check_args=()
for arg in "$@"; do
  case $arg in --*) check_args+=("$arg") ;; *) parts+=("$arg") ;; esac
done
selected() { [ ${#parts[@]} = 0 ] || [[ " ${parts[*]} " == *" $1 "* ]]; }
# part NAME SECONDS COMMAND...: runs COMMAND when NAME is selected, for at
# most SECONDS (a kernel that hangs must not take the machine's whole time),
# printing as it goes; a failure marks the whole run failed.
part() {
  local name=$1 seconds=$2; shift 2
  selected "$name" || return 0
  echo "== $name"
  local start=$SECONDS code=0 limit=(timeout "$seconds")
  # A shell function of this script limits the time of what it runs itself.
  declare -F "$1" >/dev/null && limit=()
  if [ -n "${TILEC_LOG_DIR:-}" ]; then
    "${limit[@]}" "$@" 2>&1 | tee "$TILEC_LOG_DIR/$name.log" || code=$?
  else
    "${limit[@]}" "$@" || code=$?
  fi
  echo "== $name: exit $code after $((SECONDS - start)) s"
  [ $code = 0 ] || status=1
}
# The GEMM's machine code: HGMMA (wgmma) instructions and no spills; the
# epilogue and register moves: stmatrix (STSM), TMA stores (UTMASTG),
# setmaxnreg (USETMAXREG); the sm_80 path: ldmatrix (LDSM) and HMMA.
sass_check() {
  command -v cuobjdump >/dev/null || { echo "no cuobjdump"; return 0; }
  for g in gemm_fp16 gemm_bf16 gemm_fp8; do
    ptxas -arch=sm_90a -v "$gpu/kernels/$g.ptx" -o "$gpu/$g.cubin" 2>&1 | grep -E "registers|spill" | tr -s ' ' | sed "s/^/$g: /"
    echo "$g: $(cuobjdump -sass "$gpu/$g.cubin" | grep -cE "HGMMA|QGMMA") HGMMA/QGMMA instructions in the SASS, $(cuobjdump -sass "$gpu/$g.cubin" | grep -c QGMMA) QGMMA"
  done
  local sass
  sass=$(cuobjdump -sass "$gpu/gemm_fp16.cubin" || true)
  echo "gemm_fp16: $(grep -c STSM <<<"$sass") STSM, $(grep -c UTMASTG <<<"$sass") UTMASTG, $(grep -c USETMAXREG <<<"$sass") USETMAXREG"
  ptxas -arch=sm_80 "$gpu/kernels/gemm_fp16_sm80.ptx" -o "$gpu/gemm_fp16_sm80.cubin" || true
  sass=$(cuobjdump -sass "$gpu/gemm_fp16_sm80.cubin" || true)
  echo "gemm_fp16_sm80: $(grep -c LDSM <<<"$sass") LDSM, $(grep -c HMMA <<<"$sass") HMMA"
}
part sass 60 sass_check
# Every kernel's numerics against float64, timed against the peers.
part check "${TILEC_CHECK_SECONDS:-480}" python3 "$root/tests/gpu/check.py" \
  --lib "$gpu/runtime/libtilec_cuda.so" --kernels "$gpu/kernels" "${check_args[@]}"
# The differential check: the GPU agrees with the cpu target on every
# program (inputs and cpu results from prepare.sh); then the same programs
# under compute-sanitizer's memcheck, racecheck and synccheck.
diff=(python3 "$root/tests/gpu/differential.py" check "$gpu/differential"
      --lib "$gpu/runtime/libtilec_cuda.so")
[ -d "$gpu/differential" ] && part differential 300 "${diff[@]}"
# The attention template's instances, when build/gpu/differential-template
# was carried (a call of its own: carry it with build/gpu/include).
[ -d "$gpu/differential-template" ] && part differential-template 300 python3 \
  "$root/tests/gpu/differential.py" check "$gpu/differential-template" \
  --lib "$gpu/runtime/libtilec_cuda.so"
# TileLang's example kernels, when build/gpu/differential-tilelang was
# carried (tests/compat/tilelang_differential.py prepares it, about 40 MB).
[ -d "$gpu/differential-tilelang" ] && part differential-tilelang 300 python3 \
  "$root/tests/gpu/differential.py" check "$gpu/differential-tilelang" \
  --lib "$gpu/runtime/libtilec_cuda.so"
sanitize() {
  local tool code
  for tool in memcheck racecheck synccheck; do
    code=0
    timeout 300 compute-sanitizer --tool "$tool" --error-exitcode 3 "${diff[@]}" \
      > "$gpu/sanitizer-$tool.log" 2>&1 || code=$?
    echo "compute-sanitizer --tool $tool: $(grep -E "ERROR SUMMARY|RACECHECK SUMMARY" "$gpu/sanitizer-$tool.log" | tail -1) (exit $code)"
    [ $code = 0 ] || { grep -m 20 -E "=========  ?[A-Z]" "$gpu/sanitizer-$tool.log"; return 1; }
  done
}
if [ "${TILEC_SANITIZE:-1}" = 1 ] && [ -d "$gpu/differential" ] && command -v compute-sanitizer >/dev/null; then
  part sanitize 900 sanitize
fi
# The Python binding on kernels compiled ahead of time.
part binding 120 python3 "$root/tests/gpu/binding.py"
# What runs through the static tilec tool (when build/gpu-jit was carried):
# it compiles @tilec.jit, tilec.ops and TileLang programs there.
if [ -f "$root/build/gpu-jit/tilec.xz" ]; then
  tool=$(mktemp -d)/tilec
  xz -dc "$root/build/gpu-jit/tilec.xz" > "$tool" && chmod +x "$tool"
  export TILEC=$tool TILEC_CUDA_LIB=$gpu/runtime/libtilec_cuda.so
  # jit PART SECONDS COMMAND...: a part with a cache of its own.
  jit() { TILEC_CACHE_DIR=$(mktemp -d) part "$@"; }
  # TileLang-style kernel factories through @tilec.jit.
  jit jit 300 python3 "$root/tests/gpu/jit.py"
  # The backward passes through torch.autograd (tilec.ops: FlashAttention,
  # DiffQKV, block-sparse, retention), checked against float64 autograd;
  # FlashAttention's timed against SDPA.
  jit training 300 python3 "$root/tests/gpu/training.py"
  # Retention's forward builds and training step against FLA's
  # chunk_retention (fla-core importable), outputs and gradients compared.
  jit retention 400 python3 "$root/tests/gpu/retention_builds.py" fwd bwd
  # GEMMs whose operands' rows TMA cannot address (N, K not multiples of
  # 8): with aligned copies, then without (the kernel's own fallback).
  gemm_aligned() {
    local shapes=(2048x6146x3072 6144x6146x4096 4096x4096x4100 1000x3001x3072)
    timeout 150 python3 "$root/tests/gpu/gemm_builds.py" "${shapes[@]}" &&
      TILEC_ALIGNED_COPIES=0 timeout 150 python3 "$root/tests/gpu/gemm_builds.py" "${shapes[@]}"
  }
  jit gemm-aligned 300 gemm_aligned
  # The GEMM's builds (pipeline depth, gemms carried across iterations)
  # against cuBLAS, at shapes with full and partial last waves.
  jit gemm-builds 300 python3 "$root/tests/gpu/gemm_builds.py" 8192x8192x8192 \
    4096x5120x4096 6144x5120x3072 2048x5120x1000 1000x3000x3072
  # The attention template's instances: numerics against float64 PyTorch,
  # then time against the hand-written kernels, SDPA and FlexAttention.
  jit template 300 python3 "$root/tests/gpu/attention_template.py"
  # torch.library custom ops, torch.compile and CUDA graphs.
  jit torch 200 python3 "$root/tests/gpu/torch_integration.py"
  # tilec.autotune over the GEMM and FlashAttention (24 and 16 candidates).
  jit autotune 200 python3 "$root/tests/gpu/autotune.py"
  # The warp-specialized GEMM at every pipeline depth, a process each (one
  # that hangs is reported and stopped).
  jit stages 600 python3 "$root/tests/gpu/stages.py"
  # ReSA's decoding loop: time per generated token at 16K, 64K and 256K
  # against dense decoding.
  jit resa 120 python3 "$root/docs/examples/resa_decode.py" --device cuda
  # Two small models trained with tilec's kernels and with PyTorch's: the
  # loss curves (build/gpu/losses.csv, .svg) agree.
  jit train-models 300 python3 "$root/tests/gpu/train_models.py" --out "$gpu/losses.csv" \
    --svg "$gpu/losses.svg"
  # Every family at shapes drawn from its grid against its peers
  # (TILEC_BENCH_ARGS, e.g. "--all" or "--draw 16 --seed 3"): the table and
  # the chart in build/gpu/bench/.
  jit bench 540 python3 "$root/tests/gpu/bench.py" ${TILEC_BENCH_ARGS:-} --out "$gpu/bench"
  # A TileLang program, unchanged, through tilec's TileLang API, and
  # TileLang's own examples (TILEC_TILELANG_EXAMPLES=<tilelang>/examples).
  PYTHONPATH=$root/runtime/python${PYTHONPATH:+:$PYTHONPATH} jit tilelang 120 python3 -m \
    tilec.tilelang "$root/tests/gpu/tilelang_program.py"
  if [ -n "${TILEC_TILELANG_EXAMPLES:-}" ]; then
    jit tilelang-examples 540 python3 "$root/tests/compat/tilelang_examples.py" \
      "$TILEC_TILELANG_EXAMPLES" --jobs 4 \
      ${TILEC_LOG_DIR:+--details "$TILEC_LOG_DIR/tilelang-examples-details.log"}
  fi
fi
# The C++ JIT example: compiles on this machine (no MLIR installed: it is
# linked in), launches, checks; the second run finds the kernel in the cache.
jit_example() {
  local example run
  example=$(mktemp -d)/tilec-jit-example
  gunzip -c "$gpu/tilec-jit-example.gz" > "$example" && chmod +x "$example"
  export TILEC_CACHE_DIR=$(mktemp -d)
  for run in 1 2; do
    timeout 150 /usr/bin/time -f "jit example run $run: %e s" "$example" "$root/kernels" || return 1
  done
}
[ -f "$gpu/tilec-jit-example.gz" ] && part jit-example 300 jit_example
exit $status
