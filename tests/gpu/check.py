"""Numerics and speed of tilec kernels on a GPU, against PyTorch in the same run.

Each kernel runs on fresh random data of ragged sizes and is compared with a
float64 PyTorch reference; then it is timed with CUDA events (median of
repeated runs after warm-up) next to the peer that a user would call instead
(ATen/cuBLAS through PyTorch), and next to the device-to-device copy
bandwidth measured in the same run.
"""
import argparse
import ctypes
import json
import math
import os
import statistics
import sys

import torch

DTYPES = {torch.float16: "float16", torch.bfloat16: "bfloat16", torch.float32: "float32",
          torch.int32: "int32", torch.int64: "int64"}


class Runtime:
    def __init__(self, path):
        self.lib = ctypes.CDLL(path)
        self.lib.tilec_cuda_load.restype = ctypes.c_void_p
        self.lib.tilec_cuda_load.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_size_t]
        self.lib.tilec_cuda_bind.restype = ctypes.c_void_p
        self.lib.tilec_cuda_bind.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_size_t]
        self.lib.tilec_cuda_launch.restype = ctypes.c_int
        self.lib.tilec_cuda_launch.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p,
                                               ctypes.c_char_p, ctypes.c_size_t]
        self.lib.tilec_cuda_free_plan.argtypes = [ctypes.c_void_p]


class Kernel:
    def __init__(self, runtime, directory, name):
        self.rt = runtime
        self.error = ctypes.create_string_buffer(4096)
        ptx = os.path.join(directory, name + ".ptx").encode()
        meta = os.path.join(directory, name + ".json").encode()
        self.handle = runtime.lib.tilec_cuda_load(ptx, meta, self.error, 4096)
        if not self.handle:
            raise RuntimeError(self.error.value.decode())
        self.meta = json.load(open(meta))

    def bind(self, *args):
        spec = []
        for a in args:
            if isinstance(a, torch.Tensor):
                spec.append({"ptr": a.data_ptr(), "dtype": DTYPES[a.dtype], "shape": list(a.shape),
                             "strides": list(a.stride())})
            elif isinstance(a, float):
                spec.append({"float": a})
            else:
                spec.append({"int": int(a)})
        plan = self.rt.lib.tilec_cuda_bind(self.handle, json.dumps(spec).encode(), self.error, 4096)
        if not plan:
            raise RuntimeError(self.error.value.decode())
        stream = torch.cuda.current_stream().cuda_stream

        def launch():
            if self.rt.lib.tilec_cuda_launch(self.handle, plan, stream, self.error, 4096):
                raise RuntimeError(self.error.value.decode())
        return launch


def time_ms(fn, warmup=3, iters=20):
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(iters):
        start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        start.record()
        fn()
        end.record()
        torch.cuda.synchronize()
        times.append(start.elapsed_time(end))
    return statistics.median(times)


def rel_err(out, ref):
    out, ref = out.double(), ref.double()
    if torch.isnan(out).any():
        return math.inf
    return ((out - ref).abs().max() / ref.abs().max().clamp_min(1e-30)).item()


ROWS = []


def report(name, size, err, tol, t_ms, peer, peer_ms, bytes_moved=None, flops=None):
    ok = err <= tol
    ratio = peer_ms / t_ms if t_ms > 0 else float("nan")
    rate = ""
    if bytes_moved:
        rate = f"{bytes_moved / t_ms / 1e9:8.2f} TB/s"  # bytes per ms / 1e9 = TB/s
    if flops:
        rate = f"{flops / t_ms / 1e9:8.1f} TFLOP/s"  # flop per ms / 1e9 = TFLOP/s
    ROWS.append((name, size, err, tol, ok, t_ms, peer, peer_ms, ratio, rate))


def poisoned(*shape, dtype):
    return torch.full(shape, float("nan"), device="cuda", dtype=dtype)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--lib", required=True)
    parser.add_argument("--kernels", required=True)
    parser.add_argument("--quick", action="store_true", help="small sizes only")
    args = parser.parse_args()
    torch.manual_seed(0)
    rt = Runtime(args.lib)
    K = lambda name: Kernel(rt, args.kernels, name)
    big = not args.quick

    # The bandwidth to compare memory-bound kernels with.
    n_copy = (1 << 29) if big else (1 << 24)  # 2 GiB of float32 when big
    src = torch.empty(n_copy, device="cuda", dtype=torch.float32)
    dst = torch.empty_like(src)
    copy_ms = time_ms(lambda: dst.copy_(src))
    copy_bw = 2 * src.numel() * 4 / copy_ms / 1e9  # TB/s
    print(f"device-to-device copy: {copy_bw:.2f} TB/s (read + write)")
    del src, dst

    # vector_add, fp32.
    k = K("vector_add")
    for n in ([1_000_003] + ([64 * 1024 * 1024 + 7] if big else [])):
        a, b = torch.randn(n, device="cuda"), torch.randn(n, device="cuda")
        c = poisoned(n, dtype=torch.float32)
        run = k.bind(a, b, c)
        run()
        torch.cuda.synchronize()
        err = rel_err(c, a.double() + b.double())
        t = time_ms(run)
        peer = time_ms(lambda: torch.add(a, b, out=c))
        report("vector_add fp32", f"N={n}", err, 1e-6, t, "torch.add", peer, bytes_moved=3 * 4 * n)

    # GELU, bf16.
    k = K("gelu")
    for n in ([999_999] + ([128 * 1024 * 1024 + 5] if big else [])):
        x = torch.randn(n, device="cuda", dtype=torch.bfloat16)
        y = poisoned(n, dtype=torch.bfloat16)
        run = k.bind(x, y)
        run()
        torch.cuda.synchronize()
        err = rel_err(y, torch.nn.functional.gelu(x.double()))
        t = time_ms(run)
        peer = time_ms(lambda: torch.nn.functional.gelu(x))
        report("gelu bf16", f"N={n}", err, 1e-2, t, "F.gelu", peer, bytes_moved=2 * 2 * n)

    # Row softmax, fp32.
    k = K("softmax")
    for m, n in ([(1000, 3000)] + ([(16384, 4099)] if big else [])):
        x = torch.randn(m, n, device="cuda") * 3
        y = poisoned(m, n, dtype=torch.float32)
        run = k.bind(x, y)
        run()
        torch.cuda.synchronize()
        err = rel_err(y, torch.softmax(x.double(), dim=1))
        t = time_ms(run)
        peer = time_ms(lambda: torch.softmax(x, dim=1))
        report("softmax fp32", f"{m}x{n}", err, 1e-5, t, "torch.softmax", peer, bytes_moved=2 * 4 * m * n)

    # LayerNorm, fp32.
    k = K("layernorm")
    for m, n in ([(1000, 3000)] + ([(16384, 4099)] if big else [])):
        x = torch.randn(m, n, device="cuda")
        w, bias = torch.randn(n, device="cuda"), torch.randn(n, device="cuda")
        y = poisoned(m, n, dtype=torch.float32)
        run = k.bind(x, w, bias, y, 1e-5)
        run()
        torch.cuda.synchronize()
        ref = torch.nn.functional.layer_norm(x.double(), (n,), w.double(), bias.double(), 1e-5)
        err = rel_err(y, ref)
        t = time_ms(run)
        peer = time_ms(lambda: torch.nn.functional.layer_norm(x, (n,), w, bias, 1e-5))
        report("layernorm fp32", f"{m}x{n}", err, 1e-5, t, "F.layer_norm", peer, bytes_moved=2 * 4 * m * n)

    # Row sum and max, fp32.
    k = K("row_sum_max")
    for m, n in ([(1000, 3001)] + ([(16384, 4099)] if big else [])):
        x = torch.randn(m, n, device="cuda")
        s, mx = poisoned(m, dtype=torch.float32), poisoned(m, dtype=torch.float32)
        run = k.bind(x, s, mx)
        run()
        torch.cuda.synchronize()
        err = max(rel_err(s, x.double().sum(1)), rel_err(mx, x.double().amax(1)))
        t = time_ms(run)
        peer = time_ms(lambda: (x.sum(1), x.amax(1)))
        report("row sum+max fp32", f"{m}x{n}", err, 1e-5, t, "sum+amax", peer, bytes_moved=4 * m * n)

    # GEMM through the SIMT fallback, fp16 (tensor cores come with the GEMM work).
    k = K("gemm_simt_fp16")
    for m, n, kk in ([(1000, 1000, 1000)] + ([(4096, 4096, 4096)] if big else [])):
        a = torch.randn(m, kk, device="cuda", dtype=torch.float16)
        b = torch.randn(kk, n, device="cuda", dtype=torch.float16)
        c = poisoned(m, n, dtype=torch.float16)
        run = k.bind(a, b, c)
        run()
        torch.cuda.synchronize()
        err = rel_err(c, a.double() @ b.double())
        t = time_ms(run, iters=5)
        peer = time_ms(lambda: torch.matmul(a, b))
        report("gemm fp16 (SIMT)", f"{m}x{n}x{kk}", err, 1e-2, t, "cuBLAS", peer, flops=2 * m * n * kk)

    print()
    print(f"{'kernel':18} {'size':>16} {'max rel err':>12} {'ok':>3} {'tilec ms':>10} {'peer':>14} "
          f"{'peer ms':>9} {'peer/tilec':>10} {'tilec rate':>16} {'% copy bw':>9}")
    failed = 0
    for name, size, err, tol, ok, t, peer, peer_ms, ratio, rate in ROWS:
        failed += not ok
        pct = ""
        if rate.endswith("TB/s"):
            pct = f"{100 * float(rate.split()[0]) / copy_bw:8.1f}%"
        print(f"{name:18} {size:>16} {err:12.2e} {'yes' if ok else 'NO':>3} {t:10.3f} {peer:>14} "
              f"{peer_ms:9.3f} {ratio:10.3f} {rate:>16} {pct:>9}")
    print(f"\n{len(ROWS) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
