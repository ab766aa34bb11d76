#!/usr/bin/env bash
# The main job: set up and build, compile a shipped kernel and show what came
# out (tile IR, the stages, PTX and its launch metadata), run it on the CPU
# target, and, where an NVIDIA GPU and PyTorch are present, run the GPU check.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${TILEC_BUILD_DIR:-$root/build}
bash "$root/tools/bootstrap.sh"
out=$(mktemp -d)

echo
echo "== tilec kernels/gemm.tl (tile IR, block_M=64 via -D), first lines"
"$build/tools/tilec" "$root/kernels/gemm.tl" -D block_M=64 | head -30
echo "   ..."
echo
echo "== the stages tile-dump can show (tile-dump kernels/gemm.tl --only=<stage>)"
"$build/tools/tile-dump" --list | tr '\n' ' '
echo
echo
echo "== tilec kernels/gemm.tl -o gemm.ptx (PTX for sm_90a + launch metadata)"
"$build/tools/tilec" "$root/kernels/gemm.tl" -o "$out/gemm.ptx"
grep -E "^\.(version|target)|\.entry|maxntid" "$out/gemm.ptx"
cat "$out/gemm.json"
echo
echo "== run it on the CPU target (ragged sizes, random data, checked mode)"
"$build/tools/tilec" "$root/kernels/gemm.tl" --run --dims M=100,N=70,K=50 --seed 1 \
  -D block_M=32 -D block_N=32 -D block_K=16 --out "$out/run"
ls -l "$out/run"
# The result against NumPy's product of the same inputs (float64).
for python in python3 /usr/bin/python3; do
  if "$python" -c "import numpy" 2>/dev/null; then
    "$python" - "$out/run" <<'CHECK'
import sys
import numpy as np
run = sys.argv[1]
a, b, c = (np.load(f"{run}/{name}.npy").astype(np.float64) for name in "ABC")
ref = a @ b
error = np.abs(c - ref).max() / np.abs(ref).max()
print(f"C = A @ B on the cpu target: max relative error {error:.1e} against NumPy "
      f"({'correct' if error < 1e-2 else 'WRONG'})")
sys.exit(0 if error < 1e-2 else 1)
CHECK
    break
  fi
done
if command -v nvidia-smi >/dev/null 2>&1 && nvidia-smi >/dev/null 2>&1 &&
   python3 -c "import torch; assert torch.cuda.is_available()" 2>/dev/null; then
  echo
  echo "== a GPU is present: numerics and timings against PyTorch (quick sizes)"
  bash "$root/tests/gpu/prepare.sh" >/dev/null
  bash "$root/tests/gpu/run.sh" --quick
else
  echo
  echo "== no GPU here: on a GPU machine, 'bash tests/gpu/run.sh' runs every kernel"
  echo "   (after 'bash tests/gpu/prepare.sh' on a machine with MLIR; see docs/performance.md)"
fi
