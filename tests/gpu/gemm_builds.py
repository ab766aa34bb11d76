"""Times kernels/gemm.tl built four ways against cuBLAS, in one process.

    python3 tests/gpu/gemm_builds.py 8192x8192x8192 2048x1000x8192 ...

On a GPU machine with TILEC and TILEC_CUDA_LIB set (as for bench.py). The
builds: four stages (-D num_stages=4, not persistent: no room for the staged
epilogue), the default (three stages, persistent blocks), and both with each
iteration's wgmma gemm left in flight into the next (`--enable=carry-gemms`:
stages released one iteration late). Each output element of each build is
checked against a float32 product; the builds and torch.matmul take turns in
three rounds of 20 timed runs (CUDA events, L2 flushed before each run,
median of the rounds' medians). Prints a Markdown table: ms (TFLOP/s) per
build and cuBLAS, carried / default, the fastest build / cuBLAS, and the
errors.
"""
import os
import statistics
import sys

import torch

root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
sys.path.insert(0, os.path.join(root, "runtime", "python"))
import tilec  # noqa: E402

BUILDS = {
    "4 stages": dict(defines={"num_stages": 4}),
    "default": dict(),
    "4 stages, carried": dict(defines={"num_stages": 4}, enable=("carry-gemms",)),
    "default, carried": dict(enable=("carry-gemms",)),
}


def median_ms(fn, reps=20):
    flush = torch.empty(64 << 20, dtype=torch.int8, device="cuda")
    for _ in range(3):
        fn()
    times = []
    for _ in range(reps):
        flush.zero_()
        start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        start.record()
        fn()
        end.record()
        torch.cuda.synchronize()
        times.append(start.elapsed_time(end))
    return statistics.median(times)


def main():
    gemm = os.path.join(root, "kernels", "gemm.tl")
    kernels = {name: tilec.compile(gemm, "gemm", **options) for name, options in BUILDS.items()}
    shapes = [tuple(map(int, arg.split("x"))) for arg in sys.argv[1:]] or [(8192, 8192, 8192)]
    print("| M x N x K | " + " | ".join(list(BUILDS) + ["cuBLAS"]) +
          " | carried / default | fastest / cuBLAS | max rel err |")
    print("|---" * (len(BUILDS) + 5) + "|")
    for m, n, k in shapes:
        torch.manual_seed(m + n + k)
        a = torch.randn(m, k, device="cuda", dtype=torch.float16)
        b = torch.randn(k, n, device="cuda", dtype=torch.float16)
        reference = a.float() @ b.float()
        errors = []
        for kernel in kernels.values():
            c = torch.full((m, n), float("nan"), device="cuda", dtype=torch.float16)
            kernel(a, b, c)
            torch.cuda.synchronize()
            errors.append(((c.float() - reference).abs().max() / reference.abs().max()).item())
        c = torch.empty(m, n, device="cuda", dtype=torch.float16)
        calls = {name: (lambda kernel=kernel: kernel(a, b, c)) for name, kernel in kernels.items()}
        calls["cuBLAS"] = lambda: torch.matmul(a, b)
        rounds = {name: [] for name in calls}
        for _ in range(3):
            for name, fn in calls.items():
                rounds[name].append(median_ms(fn))
        ms = {name: statistics.median(times) for name, times in rounds.items()}
        tflops = {name: 2 * m * n * k / (t * 1e-3) / 1e12 for name, t in ms.items()}
        fastest = min(ms[name] for name in BUILDS)
        print(f"| {m}x{n}x{k} | " + " | ".join(f"{ms[x]:.3f} ms ({tflops[x]:.0f})" for x in calls) +
              f" | {ms['default'] / ms['default, carried']:.3f} | {ms['cuBLAS'] / fastest:.3f} | " +
              " ".join(f"{e:.1e}" for e in errors) + " |", flush=True)
        if max(errors) > 1e-2:
            raise SystemExit(f"gemm_builds: {m}x{n}x{k}: error {max(errors):.1e}")


if __name__ == "__main__":
    main()
