"""On a GPU machine: the warp-specialized GEMM at each pipeline depth, one
configuration a process, so that a configuration that hangs is reported
(and stopped) instead of holding up the others. Each is checked against
cuBLAS and timed. Needs the tilec tool ($TILEC).

    python3 tests/gpu/stages.py [--timeout 30]"""

import argparse
import os
import subprocess
import sys

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
TILES = [(64, 128, 32), (64, 128, 64), (128, 128, 64), (128, 256, 64)]
STAGES = [1, 2, 3, 4, 5]


def run_one(block_m, block_n, block_k, stages):
    """In the child: compile, run, check, time one configuration."""
    sys.path.insert(0, os.path.join(ROOT, "runtime", "python"))
    import torch
    import tilec
    try:
        kernel = tilec.compile(os.path.join(ROOT, "kernels", "gemm.tl"), "gemm", defines=dict(
            block_M=block_m, block_N=block_n, block_K=block_k, num_stages=stages))
    except tilec.CompileError as error:  # e.g. more shared memory than a block has
        print("does not compile: " + str(error).strip().splitlines()[0])
        sys.exit(3)
    m = n = k = 4096
    a = torch.randn(m, k, device="cuda", dtype=torch.float16)
    b = torch.randn(k, n, device="cuda", dtype=torch.float16)
    c = torch.full((m, n), float("nan"), device="cuda", dtype=torch.float16)
    kernel(a, b, c)
    torch.cuda.synchronize()
    ref = a.double() @ b.double()
    err = ((c.double() - ref).abs().max() / ref.abs().max()).item()
    ms = tilec.bench(lambda: kernel(a, b, c))
    print(f"{err:.1e} {2 * m * n * k / ms / 1e9:.0f}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--timeout", type=float, default=30)
    parser.add_argument("--child", nargs=4, type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        run_one(*args.child)
        return
    bad = 0
    for tiles in TILES:
        for stages in STAGES:
            label = f"gemm {tiles[0]}x{tiles[1]}x{tiles[2]} stages {stages}"
            try:
                done = subprocess.run([sys.executable, __file__, "--child", *map(str, tiles),
                                       str(stages)], capture_output=True, text=True,
                                      timeout=args.timeout)
            except subprocess.TimeoutExpired:
                print(f"stages: {label}: did not finish in {args.timeout:.0f} s", flush=True)
                bad += 1
                continue
            lines = (done.stdout + done.stderr).strip().splitlines()
            if done.returncode != 0:
                why = lines[-1] if lines else f"exit {done.returncode}"
                print(f"stages: {label}: {why[:200]}", flush=True)
                bad += done.returncode != 3  # 3: a located compile error
                continue
            err, tflops = lines[-1].split()
            ok = float(err) < 1e-2
            bad += not ok
            print(f"stages: {label}: max rel err {err}, {tflops} TFLOP/s"
                  f"{'' if ok else '  WRONG'}", flush=True)
    print("stages: ok" if bad == 0 else f"stages: {bad} configurations failed")
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
