"""Times builds of one kernel against each other, in one process: what a
compiler change is worth on a GPU, each build compiled ahead of time by
another compiler or with other options.

    python3 tests/gpu/ab.py NAME=FILE.ptx NAME=FILE.ptx [...] [--rounds 3]
                            [--dims batch=4,seq=8192,...]
                            [--sorted NAME[:RATE],...]

On a GPU machine with TILEC_CUDA_LIB set (as for bench.py). Each FILE.ptx
has its launch metadata beside it (FILE.json, as `tilec -o FILE.ptx`
writes them); the builds take the same parameters, of fixed shapes or with their
symbolic dimensions (and any scalar parameters, else 1) given by --dims.
Inputs are random (normal floats, small integers; --sorted integer tensors
rise by one with probability RATE, 0.01 by default, at each step along
their last dimension: the document ids of packed sequences); every build
runs on the same ones, outputs poisoned with NaN before, and each build's outputs are
compared with the first build's (max abs difference, relative to the
first's largest magnitude). Then the builds take turns in rounds of 20
timed calls (CUDA events, L2 flushed before each); each keeps the median of
its rounds' medians. Prints one Markdown row per build: ms, its time over
the first build's, its difference to the first.
"""
import argparse
import os
import statistics
import sys

import torch

root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
sys.path.insert(0, os.path.join(root, "runtime", "python"))
import tilec  # noqa: E402
from tilec._arguments import TORCH  # noqa: E402
from gemm_builds import load_build, median_ms  # noqa: E402  (the L2 flushed before each call)


def random_input(param, dims, sorted_rates):
    if param["kind"] != "tensor":
        if param["name"] in dims:
            return dims[param["name"]]
        return 1.0 if param["dtype"].startswith(("float", "bfloat")) else 1
    missing = [e for e in param["shape"] if isinstance(e, str) and e not in dims]
    if missing:
        raise SystemExit(f"ab: '{param['name']}' needs --dims for {missing}")
    shape = [dims[e] if isinstance(e, str) else e for e in param["shape"]]
    dtype = getattr(torch, TORCH[param["dtype"]])
    if dtype.is_floating_point:
        return torch.randn(shape, device="cuda").to(dtype)
    if param["name"] in sorted_rates:
        steps = torch.rand(shape, device="cuda") < sorted_rates[param["name"]]
        return torch.cumsum(steps, -1).to(dtype)
    return torch.randint(-2, 3, shape, device="cuda").to(dtype)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("builds", nargs="+", metavar="NAME=FILE.ptx")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--dims", default="",
                        help="symbolic dimensions and scalar parameters: name=value,...")
    parser.add_argument("--sorted", default="",
                        help="non-decreasing integer tensors: name[:rate],...")
    args = parser.parse_args()
    kernels = {}
    for item in args.builds:
        load_build(item, kernels, "ab")
    first = next(iter(kernels.values()))
    params = first.metadata["params"]
    for name, kernel in kernels.items():
        if [(p["name"], p.get("shape"), p["dtype"]) for p in kernel.metadata["params"]] != \
                [(p["name"], p.get("shape"), p["dtype"]) for p in params]:
            raise SystemExit(f"ab: {name} takes other parameters than the first build")
    torch.manual_seed(0)
    dims = {k: int(v) for k, _, v in (d.partition("=") for d in args.dims.split(",") if d)}
    sorted_rates = {name: float(rate or 0.01)
                    for name, _, rate in (s.partition(":") for s in args.sorted.split(",") if s)}
    inputs = [random_input(p, dims, sorted_rates) for p in params]
    written = [i for i, p in enumerate(params) if p["kind"] == "tensor" and not p.get("read_only")]
    outputs = {}
    for name, kernel in kernels.items():
        arguments = list(inputs)
        for i in written:
            arguments[i] = torch.full_like(inputs[i], float("nan")) \
                if inputs[i].dtype.is_floating_point else inputs[i].clone()
        kernel(*arguments)
        torch.cuda.synchronize()
        outputs[name] = [arguments[i].float() for i in written]
    reference = outputs[next(iter(kernels))]
    scale = max((r.abs().max().item() for r in reference), default=1.0) or 1.0
    rounds = {name: [] for name in kernels}
    for _ in range(args.rounds):
        for name, kernel in kernels.items():
            rounds[name].append(median_ms(lambda kernel=kernel: kernel(*inputs)))
    ms = {name: statistics.median(times) for name, times in rounds.items()}
    base = ms[next(iter(kernels))]
    print(f"{first.metadata['kernel']}: | build | ms | time / first | max diff / max |")
    for name in kernels:
        diff = max(((o - r).abs().max().item() for o, r in zip(outputs[name], reference)),
                   default=0.0)
        print(f"| {name} | {ms[name]:.4f} | {ms[name] / base:.3f} | {diff / scale:.1e} |",
              flush=True)
        if not diff / scale <= 1e-2:  # NaN fails too
            raise SystemExit(f"ab: {name} differs from the first build by {diff / scale:.1e}")


if __name__ == "__main__":
    main()
