"""Times kernels/gemm.tl built several ways against cuBLAS, in one process.

    python3 tests/gpu/gemm_builds.py [--builds default,stream-k,...] [--once]
                                     8192x8192x8192 2048x1000x8192 ...

On a GPU machine with TILEC and TILEC_CUDA_LIB set (as for bench.py). The
builds (BUILDS; all of them unless --builds names some): four stages (-D
num_stages=4, not persistent: no room for the staged epilogue), the default
(three stages, persistent blocks), both with each iteration's wgmma gemm
left in flight into the next (`--enable=carry-gemms`: stages released one
iteration late), and the default with a short last wave split along K
over all SMs (`--enable=stream-k`). Each output element of each build is
checked against a float32 product; the builds and torch.matmul take turns
in three rounds of 20 timed runs (CUDA events, L2 flushed before each run,
median of the rounds' medians). Prints a Markdown table: ms (TFLOP/s) per
build and cuBLAS, each build's time over the default's, the fastest build /
cuBLAS, and the errors.

--load NAME=FILE.ptx adds a build compiled elsewhere (its metadata beside
it, as `tilec -o FILE.ptx` writes them): another compiler's GEMM, timed
in the same rounds as this one's.

--once runs each build and cuBLAS once per shape after one warm-up call,
untimed: what a profiler (ncu --launch-skip ...) attaches to.
"""
import argparse
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
    "4 stages carried": dict(defines={"num_stages": 4}, enable=("carry-gemms",)),
    "carried": dict(enable=("carry-gemms",)),
    "stream-k": dict(enable=("stream-k",)),
}


def load_build(item, kernels, tool):
    """Adds `item`, NAME=FILE.ptx (its metadata beside it), to `kernels` as
    NAME: a build compiled ahead of time, perhaps by another compiler."""
    name, _, path = item.partition("=")
    if not path or name in kernels:
        raise SystemExit(f"{tool}: {item}: expected a new NAME=FILE.ptx")
    kernels[name] = tilec.load(path)
    return name


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
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--builds", default=",".join(BUILDS),
                        help="comma-separated names of BUILDS ('default' is always run)")
    parser.add_argument("--once", action="store_true", help="one untimed call each, for a profiler")
    parser.add_argument("--load", action="append", default=[], metavar="NAME=FILE.ptx",
                        help="a build compiled ahead of time (repeatable)")
    parser.add_argument("shapes", nargs="*", default=["8192x8192x8192"])
    args = parser.parse_args()
    names = [name.strip() for name in args.builds.split(",") if name.strip()]
    unknown = [name for name in names if name not in BUILDS]
    if unknown:
        raise SystemExit(f"gemm_builds: unknown builds {unknown}; there are {list(BUILDS)}")
    if "default" not in names:
        names.insert(0, "default")
    gemm = os.path.join(root, "kernels", "gemm.tl")
    kernels = {name: tilec.compile(gemm, "gemm", **BUILDS[name]) for name in names}
    for item in args.load:
        names.append(load_build(item, kernels, "gemm_builds: --load"))
    shapes = [tuple(map(int, arg.split("x"))) for arg in args.shapes]
    if not args.once:
        print("| M x N x K | " + " | ".join(names + ["cuBLAS"]) + " | " +
              " | ".join(f"{name} / default" for name in names if name != "default") +
              " | fastest / cuBLAS | max rel err |")
        print("|---" * (2 * len(names) + 3) + "|")
    for m, n, k in shapes:
        torch.manual_seed(m + n + k)
        a = torch.randn(m, k, device="cuda", dtype=torch.float16)
        b = torch.randn(k, n, device="cuda", dtype=torch.float16)
        if args.once:
            c = torch.empty(m, n, device="cuda", dtype=torch.float16)
            for kernel in kernels.values():
                kernel(a, b, c)
            torch.matmul(a, b)
            torch.cuda.synchronize()
            for kernel in kernels.values():
                kernel(a, b, c)
            torch.matmul(a, b)
            torch.cuda.synchronize()
            continue
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
        fastest = min(ms[name] for name in names)
        print(f"| {m}x{n}x{k} | " + " | ".join(f"{ms[x]:.3f} ms ({tflops[x]:.0f})" for x in calls) +
              " | " + " | ".join(f"{ms[name] / ms['default']:.3f}" for name in names
                                 if name != "default") +
              f" | {ms['cuBLAS'] / fastest:.3f} | " + " ".join(f"{e:.1e}" for e in errors) + " |",
              flush=True)
        if not max(errors) <= 1e-2:  # NaN fails too
            raise SystemExit(f"gemm_builds: {m}x{n}x{k}: error {max(errors):.1e}")


if __name__ == "__main__":
    main()
