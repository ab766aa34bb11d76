"""Times the attention template's dense decoding (attention_decode, one query
token a sequence) built several ways against SDPA's backends and a
device-to-device copy of the K/V cache, in one process.

    python3 tests/gpu/decode_builds.py [--builds default,"64 keys",...]
        [--build NAME=block_N=64,num_stages=3,...] [--against DIR]
        [SHAPES: BxLxH/KVH, e.g. 1x131072x32/8 64x4096x32/8]

On a GPU machine with TILEC and TILEC_CUDA_LIB set (as for bench.py). The
builds (BUILDS; all of them unless --builds names some; --build adds one of
compile-time parameters: block_N, num_stages, num_split, block_H, threads)
compile a kernel that passes those parameters to attention_decode, the
others left to the template's choice; --against DIR adds the default build of the
template under DIR/kernels/attention (another version of the kernels). Each
build's output is checked against float32 SDPA; the builds, SDPA (cuDNN,
FlashAttention-2) and the copy take turns in two rounds (CUDA events, L2
flushed before each run, median of the rounds' medians). Prints, per shape,
each one's time, bandwidth over the cache's bytes and the fraction of the
copy's (a copy reads and writes each byte: the time per byte moved once is
half of its time), fastest first."""
import argparse
import os
import statistics
import sys

import torch
import torch.nn.functional as F

root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
sys.path.insert(0, os.path.join(root, "runtime", "python"))
import tilec  # noqa: E402
from tilec._bench import cuda_times  # noqa: E402

SOURCE = '''
import tilelang.language as T
from template import *

@T.prim_func
def decode_build(Q: DecodeQueries, K: Keys, V: Values, Output: DecodeQueries,
                 dim: T.const = 128, groups: T.const = 4, dtype: T.const = "bfloat16",
                 {params}):
    attention_decode(Q, K, V, Output, groups=groups, {args})
'''
PARAMS = ("num_split", "block_N", "block_H", "threads", "num_stages")
BUILDS = {
    "default": {},
    "64 keys 2 stages": dict(block_N=64, num_stages=2),
    "128 keys 2 stages": dict(block_N=128, num_stages=2),
    "64 keys 3 stages": dict(block_N=64, num_stages=3),
}
SHAPES = ["1x131072x32/8", "4x131072x32/8", "8x32768x32/8", "64x4096x32/8", "32x8192x16/16",
          "2x262144x32/4"]


def source(params):
    """The kernel's source: `params` as its compile-time parameters, passed
    on to attention_decode (the others are the template's choice)."""
    return SOURCE.format(params=", ".join(f"{p}: T.const = 0" for p in params),
                         args=", ".join(f"{p}={p}" for p in params))


def compile_build(defines, groups, include):
    return tilec.compile(source=source(tuple(defines)), kernel="decode_build", fast_math=True,
                         includes=[include or os.path.join(root, "kernels", "attention")],
                         defines=dict(groups=groups, **defines))


def median_ms(fn):
    return statistics.median(cuda_times(fn, warmup=10, rep=50, flush_l2=True))


def parse_build(text):
    name, _, rest = text.partition("=")
    defines = {}
    for item in filter(None, rest.split(",")):
        key, _, value = item.partition("=")
        if key not in PARAMS:
            raise SystemExit(f"--build: {key} is not one of {', '.join(PARAMS)}")
        defines[key] = int(value)
    return name, defines


def run_shape(shape, builds):
    batch, kv_len, heads = shape.split("x")
    batch, kv_len = int(batch), int(kv_len)
    heads, kv_heads = (int(x) for x in heads.split("/"))
    groups = heads // kv_heads
    torch.manual_seed(batch + kv_len)
    q = torch.randn(batch, heads, 128, device="cuda", dtype=torch.bfloat16)
    k, v = (torch.randn(batch, kv_len, kv_heads, 128, device="cuda", dtype=torch.bfloat16)
            for _ in range(2))
    ref = F.scaled_dot_product_attention(
        q[:, :, None].float(), k.float().repeat_interleave(groups, 2).transpose(1, 2),
        v.float().repeat_interleave(groups, 2).transpose(1, 2))[:, :, 0]
    calls = {}
    for name, (defines, include) in builds.items():
        try:
            kernel = compile_build(defines, groups, include)
        except tilec.CompileError as error:
            print(f"  {name}: does not compile: {str(error).strip().splitlines()[0]}")
            continue
        out = torch.full_like(q, float("nan"))
        calls[name] = lambda kernel=kernel, out=out: kernel(Q=q, K=k, V=v, Output=out)
        calls[name]()
        torch.cuda.synchronize()
        err = ((out.float() - ref).abs().max() / ref.abs().max()).item()
        if not err < 2e-2:
            raise SystemExit(f"{name} at {shape}: max rel err {err:.1e}")
    from torch.nn.attention import sdpa_kernel, SDPBackend
    qt, kt, vt = q[:, :, None], k.transpose(1, 2), v.transpose(1, 2)
    for name, backend in (("SDPA cuDNN", SDPBackend.CUDNN_ATTENTION),
                          ("SDPA FA2", SDPBackend.FLASH_ATTENTION)):
        def call(backend=backend):
            with sdpa_kernel([backend]):
                return F.scaled_dot_product_attention(qt, kt, vt, enable_gqa=heads != kv_heads)
        try:
            call()
            torch.cuda.synchronize()
            calls[name] = call
        except RuntimeError:
            pass
    cache = torch.cat([k.flatten(), v.flatten()])
    target = torch.empty_like(cache)
    calls["copy"] = lambda: target.copy_(cache)
    times = {name: [] for name in calls}
    for _ in range(2):
        for name, fn in calls.items():
            times[name].append(median_ms(fn))
    ms = {name: statistics.median(t) for name, t in times.items()}
    copy = ms.pop("copy") / 2
    nbytes = 2 * k.numel() * k.element_size()
    print(f"b{batch} L{kv_len} h{heads}/{kv_heads}: {nbytes / 1e6:.0f} MB of K and V, "
          f"copy {nbytes / copy / 1e12:.2f} TB/s")
    for name, t in sorted(ms.items(), key=lambda item: item[1]):
        print(f"  {name:24s} {t * 1e3:8.1f} us  {nbytes / t / 1e9:5.2f} TB/s  "
              f"{copy / t * 100:5.1f}% of copy")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--builds", help="comma-separated names of BUILDS (default: all)")
    parser.add_argument("--build", action="append", default=[],
                        help="NAME=param=value,...: a build of these parameters")
    parser.add_argument("--against", help="a folder holding another version of kernels/")
    parser.add_argument("shapes", nargs="*", default=SHAPES)
    args = parser.parse_args()
    names = args.builds.split(",") if args.builds else list(BUILDS)
    builds = {name: (BUILDS[name], None) for name in names}
    for text in args.build:
        name, defines = parse_build(text)
        builds[name] = (defines, None)
    if args.against:
        builds["default, " + os.path.basename(os.path.normpath(args.against))] = (
            {}, os.path.join(args.against, "kernels", "attention"))
    print(f"{torch.cuda.get_device_name()}: {' '.join(sys.argv)}")
    for shape in args.shapes:
        run_shape(shape, builds)


if __name__ == "__main__":
    main()
