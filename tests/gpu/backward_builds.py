"""Times FlashAttention's backward (kernels/flash_attention_bwd.tl) against
SDPA's cuDNN backward, in one process, and each of its launches.

    python3 tests/gpu/backward_builds.py [--against DIR]
        [SHAPES: BxSxH[c], e.g. 32x1024x16 4x8192x16c]

On a GPU machine with TILEC and TILEC_CUDA_LIB set (as for bench.py); bf16,
head dim 128, MHA; a trailing "c" makes a shape causal. --against DIR adds
the same kernel from DIR/kernels (another version of the kernels), compiled
by the same tilec. The forward's log-sum-exp comes from
flash_attention_lse; the builds and cuDNN take turns in three rounds (CUDA
events, L2 flushed before each run, median of the rounds' medians), and
their gradients are compared with cuDNN's. Then PyTorch's profiler times
each launch of this tree's kernel (and cuDNN's kernels) over five calls."""
import argparse
import os
import statistics
import sys

import torch
import torch.nn.functional as F

root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
sys.path.insert(0, os.path.join(root, "runtime", "python"))
import tilec  # noqa: E402
import tilec.ops  # noqa: E402
from tilec._bench import cuda_times  # noqa: E402

SHAPES = ["32x1024x16", "32x1024x16c", "4x8192x16", "4x8192x16c"]


def launch_times(fn):
    """name -> µs a call of each GPU kernel `fn` runs, over five calls."""
    from torch.profiler import profile, ProfilerActivity
    with profile(activities=[ProfilerActivity.CUDA]) as prof:
        for _ in range(5):
            fn()
        torch.cuda.synchronize()
    times = {}
    for event in prof.key_averages():
        total = getattr(event, "self_device_time_total", 0)
        if total:
            times[event.key] = total / 5
    return times


def run_shape(shape, trees):
    causal = shape.endswith("c")
    batch, seq, heads = (int(x) for x in shape.rstrip("c").split("x"))
    torch.manual_seed(seq + batch)
    q, k, v, do = (torch.randn(batch, seq, heads, 128, device="cuda", dtype=torch.bfloat16)
                   for _ in range(4))
    out = torch.empty_like(q)
    lse = torch.empty(batch, heads, seq, device="cuda", dtype=torch.float32)
    tilec.ops._kernel("flash_attention_lse", 128, 1, causal, "bfloat16")(q, k, v, out, lse)
    from torch.nn.attention import sdpa_kernel, SDPBackend
    qt, kt, vt = (x.transpose(1, 2).detach().requires_grad_() for x in (q, k, v))
    with sdpa_kernel([SDPBackend.CUDNN_ATTENTION]):
        ref = F.scaled_dot_product_attention(qt, kt, vt, is_causal=causal)

    def cudnn():
        with sdpa_kernel([SDPBackend.CUDNN_ATTENTION]):
            return torch.autograd.grad(ref, (qt, kt, vt), do.transpose(1, 2), retain_graph=True)
    want = [g.transpose(1, 2) for g in cudnn()]
    calls, errors = {}, {}
    for name, path in trees.items():
        kernel = tilec.compile(path, "flash_attention_bwd", fast_math=True, defines=dict(
            dim=128, groups=1, is_causal=causal, dtype="bfloat16"))
        grads = [torch.full_like(x, float("nan")) for x in (q, k, v)]
        calls[name] = lambda kernel=kernel, grads=grads: kernel(q, k, v, out, do, lse, *grads)
        calls[name]()
        torch.cuda.synchronize()
        errors[name] = max(((g.float() - w.float()).abs().max() / w.float().abs().max()).item()
                           for g, w in zip(grads, want))
    calls["cuDNN"] = cudnn
    times = {name: [] for name in calls}
    for _ in range(3):
        for name, fn in calls.items():
            times[name].append(statistics.median(cuda_times(fn, warmup=10, rep=60,
                                                            flush_l2=True)))
    ms = {name: statistics.median(t) for name, t in times.items()}
    print(f"b{batch} s{seq} h{heads} d128{' causal' if causal else ''}: " + ", ".join(
        f"{name} {t:.3f} ms" + (f" (cuDNN x{ms['cuDNN'] / t:.3f}, max rel err vs cuDNN "
                                f"{errors[name]:.1e})" if name in errors else "")
        for name, t in ms.items()))
    for name in ("this", "cuDNN"):
        launches = launch_times(calls[name])
        print(f"  {name} per launch: " + ", ".join(
            f"{key[:60]} {t:.1f} us" for key, t in sorted(launches.items(), key=lambda i: -i[1])))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--against", help="a folder holding another version of kernels/")
    parser.add_argument("shapes", nargs="*", default=SHAPES)
    args = parser.parse_args()
    trees = {"this": os.path.join(root, "kernels", "flash_attention_bwd.tl")}
    if args.against:
        trees[os.path.basename(os.path.normpath(args.against))] = os.path.join(
            args.against, "kernels", "flash_attention_bwd.tl")
    print(f"{torch.cuda.get_device_name()}: {' '.join(sys.argv)}")
    for shape in args.shapes:
        run_shape(shape, trees)


if __name__ == "__main__":
    main()
