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
import random
import statistics
import sys

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "runtime",
                                "python"))
from tilec._bench import cuda_times  # noqa: E402 - tilec.bench's timing loop

DTYPES = {torch.float16: "float16", torch.bfloat16: "bfloat16", torch.float32: "float32",
          torch.float8_e4m3fn: "float8_e4m3",
          torch.float64: "float64", torch.int16: "int16",
          torch.int32: "int32", torch.int64: "int64", torch.uint8: "uint8", torch.int8: "int8",
          torch.float8_e5m2: "float8_e5m2", torch.bool: "bool"}


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


def triton_matmul():
    """A plain blocked Triton matmul (tl.dot), autotuned over three tile
    configurations: the GEMM a Triton user writes, as a peer."""
    try:
        import triton
        import triton.language as tl
    except ImportError:
        return None

    configs = [triton.Config({"BM": 128, "BN": 256, "BK": 64}, num_stages=3, num_warps=8),
               triton.Config({"BM": 128, "BN": 128, "BK": 64}, num_stages=4, num_warps=4),
               triton.Config({"BM": 128, "BN": 256, "BK": 64}, num_stages=4, num_warps=8)]

    @triton.autotune(configs=configs, key=["M", "N", "K"])
    @triton.jit
    def kernel(a, b, c, M, N, K, sam, sak, sbk, sbn, scm, scn,
               BM: tl.constexpr, BN: tl.constexpr, BK: tl.constexpr):
        rm = tl.program_id(0) * BM + tl.arange(0, BM)
        rn = tl.program_id(1) * BN + tl.arange(0, BN)
        rk = tl.arange(0, BK)
        acc = tl.zeros((BM, BN), dtype=tl.float32)
        for k in range(0, tl.cdiv(K, BK)):
            ak = k * BK + rk
            x = tl.load(a + rm[:, None] * sam + ak[None, :] * sak,
                        mask=(rm[:, None] < M) & (ak[None, :] < K), other=0.0)
            y = tl.load(b + ak[:, None] * sbk + rn[None, :] * sbn,
                        mask=(ak[:, None] < K) & (rn[None, :] < N), other=0.0)
            acc += tl.dot(x, y)
        tl.store(c + rm[:, None] * scm + rn[None, :] * scn, acc.to(c.dtype.element_ty),
                 mask=(rm[:, None] < M) & (rn[None, :] < N))

    def matmul(a, b, c):
        m, k = a.shape
        n = b.shape[1]
        grid = lambda meta: (triton.cdiv(m, meta["BM"]), triton.cdiv(n, meta["BN"]))
        kernel[grid](a, b, c, m, n, k, a.stride(0), a.stride(1), b.stride(0), b.stride(1),
                     c.stride(0), c.stride(1))
    return matmul


def time_ms(fn, warmup=3, iters=20):
    """Median of `iters` calls after `warmup`, CUDA events, the L2 cache
    flushed before each call (tilec.bench's loop), for every row and peer."""
    return statistics.median(cuda_times(fn, 0, 0, True, n_warmup=warmup, n_repeat=iters))


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
    # As it comes, so that a run cut short (a hung kernel) still shows it.
    print(f"  {'ok ' if ok else 'BAD'} {name} {size}: err {err:.2e}, {t_ms:.3f} ms, "
          f"{peer} {peer_ms:.3f} ms {rate}", flush=True)


def poisoned(*shape, dtype):
    return torch.full(shape, float("nan"), device="cuda", dtype=dtype)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--lib", required=True)
    parser.add_argument("--kernels", required=True)
    parser.add_argument("--quick", action="store_true", help="small sizes only")
    parser.add_argument("--sweep", help="time the variants in this folder (tests/gpu/sweep.sh)")
    parser.add_argument("--ab", action="store_true",
                        help="time each build against its --disable'd twins and the peer, interleaved")
    args = parser.parse_args()
    if args.sweep:
        return sweep(args)
    if args.ab:
        return ab(args)
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

    # GELU, bf16: libdevice's erff, and with --fast-math (branch-free erf).
    for name, label in (("gelu", "gelu bf16"), ("gelu_fast", "gelu bf16 --fast-math")):
        k = K(name)
        for n in ([999_999] + ([128 * 1024 * 1024 + 5] if big else [])):
            x = torch.randn(n, device="cuda", dtype=torch.bfloat16)
            y = poisoned(n, dtype=torch.bfloat16)
            run = k.bind(x, y)
            run()
            torch.cuda.synchronize()
            err = rel_err(y, torch.nn.functional.gelu(x.double()))
            t = time_ms(run)
            peer = time_ms(lambda: torch.nn.functional.gelu(x))
            report(label, f"N={n}", err, 1e-2, t, "F.gelu", peer, bytes_moved=2 * 2 * n)

    # Row softmax and LayerNorm, fp32: the default build (rows of up to 4096
    # on chip, longer ones streamed) and a build for rows of up to 4352
    # (`-D block_N=4352`, as a user compiles for the row length they have).
    row_cases = [("softmax", "", (1000, 3000)), ("softmax", "", (16384, 4096)),
                 ("softmax", "", (16384, 4099)), ("softmax_4352", " block_N=4352", (16384, 4099))]
    row_cases = [c for c in row_cases if big or c[2][0] < 10000]
    row_cases += [("layernorm" + c[0][7:], c[1], c[2]) for c in row_cases]
    for name, build, (m, n) in row_cases:
        k = K(name)
        x = torch.randn(m, n, device="cuda") * (3 if name.startswith("softmax") else 1)
        y = poisoned(m, n, dtype=torch.float32)
        if name.startswith("softmax"):
            run = k.bind(x, y)
            ref = torch.softmax(x.double(), dim=1)
            peer_name, peer_fn = "torch.softmax", lambda: torch.softmax(x, dim=1)
        else:
            w, bias = torch.randn(n, device="cuda"), torch.randn(n, device="cuda")
            run = k.bind(x, w, bias, y, 1e-5)
            ref = torch.nn.functional.layer_norm(x.double(), (n,), w.double(), bias.double(), 1e-5)
            peer_name = "F.layer_norm"
            peer_fn = lambda: torch.nn.functional.layer_norm(x, (n,), w, bias, 1e-5)
        run()
        torch.cuda.synchronize()
        err = rel_err(y, ref)
        t = time_ms(run)
        peer = time_ms(peer_fn)
        report(name.split("_")[0] + " fp32" + build, f"{m}x{n}", err, 1e-5, t, peer_name, peer,
               bytes_moved=2 * 4 * m * n)

    # GEMV, fp16 (per-thread code: T.get_thread_binding), against cuBLAS
    # through torch.mv.
    k = K("gemv")
    for n, kk in ([(1000, 3001)] + ([(16384, 4096), (4096, 16384), (28672, 8192)] if big else [])):
        a = torch.randn(n, kk, device="cuda", dtype=torch.float16)
        x = torch.randn(kk, device="cuda", dtype=torch.float16)
        y = poisoned(n, dtype=torch.float16)
        run = k.bind(a, x, y)
        run()
        torch.cuda.synchronize()
        err = rel_err(y, a.double() @ x.double())
        t = time_ms(run)
        peer = time_ms(lambda: torch.mv(a, x))
        report("gemv fp16", f"{n}x{kk}", err, 1e-2, t, "torch.mv", peer,
               bytes_moved=2 * (n * kk + kk + n))

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

    # GEMM, fp16 and bf16: on sm_90a the kernel's T.gemm runs on wgmma.
    gemm_sizes = [(1000, 1000, 1000), (257, 8193, 1000), (384, 520, 72)]
    big_square = [(8192, 8192, 8192)] if big else []
    if big:
        gemm_sizes += [(4000, 4000, 4000), (8191, 8193, 1000), (4096, 4096, 4096),
                       (8192, 8192, 8192), (16384, 16384, 4096)]
    triton_mm = triton_matmul() if big else None
    # (kernel, dtype, A stored transposed, B stored transposed): the
    # transposed kernels read A as (K, M) or B as (N, K).
    gemms = [("gemm_fp16", torch.float16, False, False, gemm_sizes),
             ("gemm_bf16", torch.bfloat16, False, False, gemm_sizes),
             ("gemm_fp16_unstaged", torch.float16, False, False, gemm_sizes[:1] + gemm_sizes[5:7]),
             ("gemm_fp16_no_setmaxnreg", torch.float16, False, False,
              gemm_sizes[:1] + gemm_sizes[5:7]),
             ("gemm_fp16_m64", torch.float16, False, False, gemm_sizes[:3] + gemm_sizes[5:6]),
             ("gemm_fp16_m64_sm80", torch.float16, False, False, gemm_sizes[:3]),
             ("gemm_fp16_sm80", torch.float16, False, False, gemm_sizes[:3] + big_square),
             ("gemm_bf16_sm80", torch.bfloat16, False, False, gemm_sizes[:1] + gemm_sizes[2:3]),
             ("gemm_nt_sm80", torch.float16, False, True, gemm_sizes[:1] + gemm_sizes[2:3]),
             ("gemm_tn_sm80", torch.float16, True, False, gemm_sizes[:1] + gemm_sizes[2:3]),
             ("gemm_nt", torch.float16, False, True, gemm_sizes[:1] + gemm_sizes[2:3] + big_square),
             ("gemm_tn", torch.float16, True, False, gemm_sizes[:1] + gemm_sizes[2:3] + big_square)]
    for name, dtype, ta, tb, sizes in gemms:
        k = K(name)
        for m, n, kk in sizes:
            a = torch.randn(*((kk, m) if ta else (m, kk)), device="cuda", dtype=dtype)
            b = torch.randn(*((n, kk) if tb else (kk, n)), device="cuda", dtype=dtype)
            c = poisoned(m, n, dtype=dtype)
            run = k.bind(a, b, c)
            run()
            torch.cuda.synchronize()
            opa, opb = (a.t() if ta else a), (b.t() if tb else b)
            err = rel_err(c, opa.double() @ opb.double()) if m * n * kk <= 2**33 else \
                rel_err(c, (opa.float() @ opb.float()).double())
            t = time_ms(run, iters=10)
            peer = time_ms(lambda: torch.matmul(opa, opb), iters=10)
            report(name.replace("_", " "), f"{m}x{n}x{kk}", err, 1e-2, t, "cuBLAS", peer,
                   flops=2 * m * n * kk)
            if triton_mm and name in ("gemm_fp16", "gemm_bf16") and m >= 4096:
                out = torch.empty_like(c)
                triton_mm(a, b, out)  # autotunes
                peer = time_ms(lambda: triton_mm(a, b, out), iters=10)
                report(name.replace("_", " "), f"{m}x{n}x{kk}", err, 1e-2, t, "Triton", peer,
                       flops=2 * m * n * kk)

    # GEMM, fp8 e4m3 with B as (N, K), bf16 out, against torch._scaled_mm.
    k = K("gemm_fp8")
    fp8_sizes = [(1000, 1000, 1024), (384, 520, 96), (1024, 1024, 1024)] + \
        ([(4096, 4096, 4096), (8192, 8192, 8192)] if big else [])
    for m, n, kk in fp8_sizes:
        a = torch.randn(m, kk, device="cuda").to(torch.float8_e4m3fn)
        b = torch.randn(n, kk, device="cuda").to(torch.float8_e4m3fn)
        c = poisoned(m, n, dtype=torch.bfloat16)
        run = k.bind(a, b, c)
        run()
        torch.cuda.synchronize()
        ref = a.double() @ b.double().t()
        err = rel_err(c, ref)
        t = time_ms(run, iters=10)
        one = torch.tensor(1.0, device="cuda")
        scaled_mm = lambda fast: torch._scaled_mm(a, b.t(), scale_a=one, scale_b=one,
                                                  out_dtype=torch.bfloat16, use_fast_accum=fast)
        # cuBLAS takes fp8 only with every dimension a multiple of 16. The fp8
        # tensor cores accumulate with fewer bits than fp32, which long K
        # shows; tilec accumulates in them throughout, as cuBLAS's fast
        # accumulation does: that is the peer, and the tolerance is 1e-2 or
        # 1.5x its error, the larger.
        tol = 1e-2
        peer = math.nan
        if m % 16 == 0 and n % 16 == 0 and kk % 16 == 0:
            fast_err, exact_err = rel_err(scaled_mm(True), ref), rel_err(scaled_mm(False), ref)
            print(f"cuBLAS fp8 {m}x{n}x{kk}: max rel err {fast_err:.2e} with fast accumulation, "
                  f"{exact_err:.2e} without ({time_ms(lambda: scaled_mm(False), iters=10):.3f} ms)")
            tol = max(tol, 1.5 * fast_err)
            peer = time_ms(lambda: scaled_mm(True), iters=10)
        report("gemm fp8 e4m3", f"{m}x{n}x{kk}", err, tol, t, "cuBLAS fast", peer,
               flops=2 * m * n * kk)

    attention_checks(K, big, args.kernels)

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


def sweep(args):
    """Times every tile-size variant of the memory-bound kernels on the big sizes."""
    torch.manual_seed(0)
    rt = Runtime(args.lib)
    src = torch.empty(1 << 29, device="cuda", dtype=torch.float32)
    dst = torch.empty_like(src)
    copy_bw = 2 * src.numel() * 4 / time_ms(lambda: dst.copy_(src)) / 1e9
    del src, dst
    print(f"device-to-device copy: {copy_bw:.2f} TB/s")
    m = 16384
    rows = {n: (torch.randn(m, n, device="cuda"), torch.empty(m, n, device="cuda"),
                torch.randn(n, device="cuda"), torch.randn(n, device="cuda")) for n in (4096, 4099)}
    g = torch.randn(128 * 1024 * 1024 + 5, device="cuda", dtype=torch.bfloat16)
    gy = torch.empty_like(g)
    ga = torch.randn(4096, 4096, device="cuda", dtype=torch.float16)
    gb = torch.randn(4096, 4096, device="cuda", dtype=torch.float16)
    gc = torch.empty(4096, 4096, device="cuda", dtype=torch.float16)
    cublas_ms = time_ms(lambda: torch.matmul(ga, gb))
    print(f"cuBLAS fp16 4096^3: {2 * 4096**3 / cublas_ms / 1e9:.1f} TFLOP/s")
    results = []
    for name in sorted(f[:-4] for f in os.listdir(args.sweep) if f.endswith(".ptx")):
        k = Kernel(rt, args.sweep, name)
        if name.startswith("gemm"):
            gc.fill_(float("nan"))
            run = k.bind(ga, gb, gc)
            run()
            torch.cuda.synchronize()
            err = rel_err(gc, ga.float() @ gb.float())
            t = time_ms(run)
            results.append((name, err, t, 2 * 4096**3 / t / 1e12))
            continue
        if name.startswith("dcombine"):
            continue  # run with its split kernel
        if name.startswith("decode_"):
            splits = int(name.split("_")[1])
            combine = Kernel(rt, args.sweep, f"dcombine_{splits}")
            b, heads, kv_heads, n = 4, 32, 8, 10_001
            q = torch.randn(b, heads, 128, device="cuda", dtype=torch.bfloat16)
            kk = torch.randn(b, n, kv_heads, 128, device="cuda", dtype=torch.bfloat16)
            vv = torch.randn_like(kk)
            lse = torch.empty(b, heads, splits, device="cuda")
            part = torch.empty(b, heads, splits, 128, device="cuda")
            o = torch.empty(b, heads, 128, device="cuda", dtype=torch.bfloat16)
            run_split, run_combine = k.bind(q, kk, vv, lse, part), combine.bind(lse, part, o)
            both = lambda: (run_split(), run_combine())
            both()
            torch.cuda.synchronize()
            err = rel_err(o, sdpa_reference(q[:, None], kk, vv, False, heads // kv_heads)[:, 0])
            t = time_ms(both)
            qt, kt, vt = q[:, :, None], kk.transpose(1, 2), vv.transpose(1, 2)
            sdpa = time_ms(lambda: torch.nn.functional.scaled_dot_product_attention(
                qt, kt, vt, enable_gqa=True))
            results.append((name, err, t, 2 * b * n * kv_heads * 128 * 2 / t / 1e9, sdpa))
            continue
        if name.startswith("fa_"):
            b, heads, n, d = 4, 16, 8192, 128
            q = torch.randn(b, n, heads, d, device="cuda", dtype=torch.bfloat16)
            kk, vv, o = torch.randn_like(q), torch.randn_like(q), torch.empty_like(q)
            run = k.bind(q, kk, vv, o)
            run()
            torch.cuda.synchronize()
            err = rel_err(o[:1, :, :1], sdpa_reference(q[:1, :, :1], kk[:1, :, :1], vv[:1, :, :1],
                                                       False, 1))
            t = time_ms(run, warmup=2, iters=10)
            qt, kt, vt = q.transpose(1, 2), kk.transpose(1, 2), vv.transpose(1, 2)
            sdpa = time_ms(lambda: torch.nn.functional.scaled_dot_product_attention(qt, kt, vt))
            flops = 4 * b * heads * n * n * d
            results.append((name, err, t, flops / t / 1e12, sdpa))
            continue
        if name.startswith(("softmax", "layernorm")):
            for n, (x, y, w, bias) in rows.items():
                if name.startswith("softmax"):
                    run = k.bind(x, y)
                    check = lambda: rel_err(y, torch.softmax(x.double(), 1))
                else:
                    run = k.bind(x, w, bias, y, 1e-5)
                    check = lambda: rel_err(y, torch.nn.functional.layer_norm(
                        x.double(), (n,), w.double(), bias.double(), 1e-5))
                run()
                torch.cuda.synchronize()
                err = check()
                t = time_ms(run)
                results.append((f"{name} N={n}", err, t, 2 * 4 * m * n / t / 1e9))
            continue
        else:
            run, bytes_moved = k.bind(g, gy), 2 * 2 * g.numel()
            check = lambda: rel_err(gy, torch.nn.functional.gelu(g.double()))
        run()
        torch.cuda.synchronize()
        err = check()
        t = time_ms(run)
        results.append((name, err, t, bytes_moved / t / 1e9))
    for name, err, t, rate, *peer in results:
        if name.startswith("decode_"):
            print(f"{name:28} err {err:9.2e}  {t:8.3f} ms  {rate:5.2f} TB/s  {100 * rate / copy_bw:5.1f}% of copy  "
                  f"{100 * peer[0] / t:5.1f}% of SDPA")
            continue
        if name.startswith("fa_"):
            print(f"{name:28} err {err:9.2e}  {t:8.3f} ms  {1000 * rate:6.1f} TFLOP/s  "
                  f"{100 * peer[0] / t:5.1f}% of SDPA")
            continue
        if name.startswith("gemm"):
            print(f"{name:28} err {err:9.2e}  {t:8.3f} ms  {1000 * rate:6.1f} TFLOP/s  "
                  f"{100 * cublas_ms / t:5.1f}% of cuBLAS")
            continue
        print(f"{name:28} err {err:9.2e}  {t:8.3f} ms  {rate:5.2f} TB/s  {100 * rate / copy_bw:5.1f}% of copy")
    return 0


def ab(args, rounds=int(os.environ.get("TILEC_AB_ROUNDS", "7"))):
    """A/B timing: the builds of one kernel (`base` and every `base_*` in the
    folder: --disable'd twins, trial variants) and its peer take turns in a
    shuffled order, `rounds` times, so that clock and thermal drift reach
    all of them alike;
    prints the median of the rounds' medians, the spread, and each build's
    speed relative to `base`. Each build is first checked on a ragged size."""
    torch.manual_seed(0)
    rt = Runtime(args.lib)
    K = lambda name: Kernel(rt, args.kernels, name)
    names = sorted(f[:-4] for f in os.listdir(args.kernels) if f.endswith(".ptx"))
    def variants(base, exclude=()):
        return [base] + [n for n in names if n.startswith(base + "_") and not n.endswith("sm80")
                         and not any(x in n[len(base):] for x in exclude)]
    failed = 0
    groups = []
    # TILEC_AB_ONLY=attention (or gemm) times one family only.
    only = os.environ.get("TILEC_AB_ONLY", "")
    for n in ((4096, 8192) if only in ("", "gemm") else ()):
        a, b = (torch.randn(n, n, device="cuda", dtype=torch.float16) for _ in range(2))
        c = torch.empty(n, n, device="cuda", dtype=torch.float16)
        ref = a.float() @ b.float()
        builds = []
        for name in variants("gemm_fp16"):
            run = K(name).bind(a, b, c)
            c.fill_(float("nan"))
            run()
            torch.cuda.synchronize()
            err = rel_err(c, ref)
            failed += err > 1e-2
            print(f"{name} {n}^3: max rel err {err:.2e}")
            builds.append((name, run))
        builds.append(("cuBLAS", lambda a=a, b=b: torch.matmul(a, b)))
        groups.append((f"gemm fp16 {n}^3", 2 * n ** 3, builds))
    attention = (("fa_d128", False, 128, ("causal",)), ("fa_d128_causal", True, 128, ()),
                 ("fa_d64", False, 64, ("causal",)), ("fa_d64_causal", True, 64, ()))
    for base, causal, d, exclude in (attention if only in ("", "attention") else ()):
        h = 16
        small = [torch.randn(2, 1000, h, d, device="cuda", dtype=torch.bfloat16) for _ in range(3)]
        ref = sdpa_reference(*small, causal, 1)
        q, k, v = (torch.randn(4, 8192, h, d, device="cuda", dtype=torch.bfloat16) for _ in range(3))
        o = torch.empty_like(q)
        builds = []
        for name in variants(base, exclude):
            kernel = K(name)
            o_small = poisoned(2, 1000, h, d, dtype=torch.bfloat16)
            kernel.bind(*small, o_small)()
            torch.cuda.synchronize()
            err = rel_err(o_small, ref)
            failed += err > 2e-2
            print(f"{name} b2 s1000: max rel err {err:.2e}")
            builds.append((name, kernel.bind(q, k, v, o)))
        qt, kt, vt = q.transpose(1, 2), k.transpose(1, 2), v.transpose(1, 2)
        builds.append(("SDPA", lambda qt=qt, kt=kt, vt=vt, causal=causal:
                       torch.nn.functional.scaled_dot_product_attention(qt, kt, vt, is_causal=causal)))
        flops = 4 * 4 * h * 8192 * 8192 * d / (2 if causal else 1)
        groups.append((f"attention{' causal' if causal else ''} b4 h{h} s8192 d{d}", flops, builds))
    order = random.Random(0)
    for title, flops, builds in groups:
        times = {name: [] for name, _ in builds}
        for _ in range(rounds):
            # A fresh order each round: the build that follows the peer (or
            # a slow build) runs on a GPU in another power state, which a
            # fixed order would charge to the same build every time.
            for name, fn in order.sample(builds, len(builds)):
                times[name].append(time_ms(fn, warmup=1, iters=10))
        first = statistics.median(times[builds[0][0]])
        print(f"{title} ({rounds} interleaved rounds of 10 runs)")
        for name, _ in builds:
            t = statistics.median(times[name])
            print(f"  {name:26} {t:8.3f} ms  [{min(times[name]):.3f}-{max(times[name]):.3f}]"
                  f"  {flops / t / 1e9:7.1f} TFLOP/s  {first / t:5.3f}x of {builds[0][0]}")
    print(f"{failed} builds wrong")
    return 1 if failed else 0


def masked_decode_reference(q, k, v, allowed):
    """One query token per sequence, in float64: q [b, h, d], k/v
    [b, s, kv_heads, d], allowed [b, kv_heads, s] (the keys each KV head's
    query heads attend to) -> [b, h, d]."""
    g = q.shape[1] // k.shape[2]
    kd, vd = k.double().repeat_interleave(g, dim=2), v.double().repeat_interleave(g, dim=2)
    scores = torch.einsum("bhd,bshd->bhs", q.double(), kd) / math.sqrt(q.shape[2])
    scores = scores.masked_fill(~allowed.repeat_interleave(g, dim=1), float("-inf"))
    return torch.einsum("bhs,bshd->bhd", scores.softmax(-1), vd)


def selected_keys(idx, counts, sequences, length, block=64):
    """The keys of the first `count` blocks listed in idx [b, kv_heads, n],
    for the first `sequences` sequences: [sequences, kv_heads, length]."""
    allowed = torch.zeros(sequences, idx.shape[1], length, dtype=torch.bool, device="cuda")
    for bi in range(sequences):
        for h in range(idx.shape[1]):
            for t in idx[bi, h, :counts[bi, h]].tolist():
                allowed[bi, h, t * block:(t + 1) * block] = True
    return allowed


def sdpa_reference(q, k, v, causal, groups):
    """q: [b, s, h, d], k/v: [b, s, hk, d] -> [b, s, h, d] in float64."""
    q, k, v = (t.double().transpose(1, 2) for t in (q, k, v))
    k = k.repeat_interleave(groups, dim=1)
    v = v.repeat_interleave(groups, dim=1)
    out = torch.nn.functional.scaled_dot_product_attention(q, k, v, is_causal=causal)
    return out.transpose(1, 2)


def attention_checks(K, big, kernels_dir):
    bf16 = torch.bfloat16
    # FlashAttention forward: MHA and causal GQA, ragged sequence.
    # The fa_d* builds use the kernel's own tiles (128-row blocks on wgmma).
    for name, causal, heads, kv_heads, dt, d, big_shape in (
            ("fa_mha", False, 4, 4, bf16, 64, (8, 4096)),
            ("fa_gqa_causal", True, 4, 2, bf16, 64, (8, 4096)),
            ("fa_mha_fp16", False, 4, 4, torch.float16, 64, (8, 4096)),
            ("fa_d128", False, 16, 16, bf16, 128, (4, 8192)),
            ("fa_d128_causal", True, 16, 16, bf16, 128, (4, 8192)),
            ("fa_d128_no_setmaxnreg", False, 16, 16, bf16, 128, (4, 8192)),
            ("fa_d128_no_stmatrix", False, 16, 16, bf16, 128, (4, 8192)),
            ("fa_d64", False, 16, 16, bf16, 64, (4, 8192)),
            ("fa_d64_causal", True, 16, 16, bf16, 64, (4, 8192)),
            ("fa_d128_sm80", False, 16, 16, bf16, 128, (4, 8192)),
            ("fa_gqa_causal_sm80", True, 4, 2, bf16, 64, (8, 4096))):
        k = K(name)
        for b, s in ([(2, 1000)] + ([big_shape] if big else [])):
            q = torch.randn(b, s, heads, d, device="cuda", dtype=dt)
            kk = torch.randn(b, s, kv_heads, d, device="cuda", dtype=dt)
            vv = torch.randn(b, s, kv_heads, d, device="cuda", dtype=dt)
            o = poisoned(b, s, heads, d, dtype=dt)
            run = k.bind(q, kk, vv, o)
            run()
            torch.cuda.synchronize()
            g = heads // kv_heads
            if b * heads * s * s > 2**31:  # the float64 reference of one KV head's group
                err = rel_err(o[:1, :, :g], sdpa_reference(q[:1, :, :g], kk[:1, :, :1],
                                                           vv[:1, :, :1], causal, g))
            else:
                err = rel_err(o, sdpa_reference(q, kk, vv, causal, g))
            t = time_ms(run, warmup=2, iters=10)
            qt, kt, vt = q.transpose(1, 2), kk.transpose(1, 2), vv.transpose(1, 2)
            peer = time_ms(lambda: torch.nn.functional.scaled_dot_product_attention(
                qt, kt, vt, is_causal=causal, enable_gqa=True))
            flops = 4 * b * heads * s * s * d / (2 if causal else 1)
            label = f"attention {'causal' if causal else 'MHA'}" + (" GQA" if kv_heads < heads else "")
            label += (" fp16" if dt == torch.float16 else "") + ("" if name.startswith("fa_d") else " 64x32")
            label += " sm_80" if name.endswith("_sm80") else ""
            label += " " + name[len("fa_d128_"):] if name.startswith("fa_d128_no") else ""
            report(label, f"b{b} h{heads} s{s} d{d}",
                   err, 2e-2, t, "SDPA", peer, flops=flops)

    # Flash decoding: split KV + combine, GQA 32/8, d128, ragged cache.
    split, combine = K("decode_split"), K("decode_combine")
    b, heads, kv_heads, s = 4, 32, 8, 10_001
    q = torch.randn(b, heads, 128, device="cuda", dtype=bf16)
    kk = torch.randn(b, s, kv_heads, 128, device="cuda", dtype=bf16)
    vv = torch.randn(b, s, kv_heads, 128, device="cuda", dtype=bf16)
    lse = poisoned(b, heads, 8, dtype=torch.float32)
    part = poisoned(b, heads, 8, 128, dtype=torch.float32)
    o = poisoned(b, heads, 128, dtype=bf16)
    run_split, run_combine = split.bind(q, kk, vv, lse, part), combine.bind(lse, part, o)
    both = lambda: (run_split(), run_combine())
    both()
    torch.cuda.synchronize()
    ref = sdpa_reference(q[:, None], kk, vv, False, heads // kv_heads)[:, 0]
    err = rel_err(o, ref)
    t = time_ms(both, warmup=1, iters=5)
    qt, kt, vt = q[:, :, None], kk.transpose(1, 2), vv.transpose(1, 2)
    peer = time_ms(lambda: torch.nn.functional.scaled_dot_product_attention(qt, kt, vt, enable_gqa=True))
    report("flash decoding", f"b{b} h32/8 L{s}", err, 2e-2, t, "SDPA", peer,
           bytes_moved=2 * b * s * kv_heads * 128 * 2)
    # The same as one kernel of two launches (flash_decode): the runtime
    # runs them in order.
    lse.fill_(float("nan"))
    part.fill_(float("nan"))
    o = poisoned(b, heads, 128, dtype=bf16)
    one_call = K("decode_one_call").bind(q, kk, vv, lse, part, o)
    one_call()
    torch.cuda.synchronize()
    report("flash decoding, one call", f"b{b} h32/8 L{s}", rel_err(o, ref), 2e-2,
           time_ms(one_call, warmup=1, iters=5), "SDPA", peer,
           bytes_moved=2 * b * s * kv_heads * 128 * 2)

    # Block-sparse decode: each (sequence, kv head) reads a few 64-key
    # blocks; the big case keeps 10% of a 32k cache (SeerAttention-R's
    # setting), against dense SDPA decoding of the whole cache. The rate
    # counts the K and V bytes of the selected blocks.
    k = K("block_sparse")
    for b, heads, kv_heads, s, selected in ([(2, 16, 4, 5_000, 8)] +
                                            ([(16, 32, 8, 32_768, 51)] if big else [])):
        blocks = (s + 63) // 64
        q = torch.randn(b, heads, 128, device="cuda", dtype=bf16)
        kk = torch.randn(b, s, kv_heads, 128, device="cuda", dtype=bf16)
        vv = torch.randn(b, s, kv_heads, 128, device="cuda", dtype=bf16)
        idx = torch.stack([torch.randperm(blocks, device="cuda")[:selected]
                           for _ in range(b * kv_heads)])
        idx = idx.view(b, kv_heads, selected).to(torch.int32)
        counts = torch.randint(1, selected + 1, (b, kv_heads), device="cuda", dtype=torch.int32)
        if big:
            counts[1:] = selected  # the timed case reads all its blocks
        o = poisoned(b, heads, 128, dtype=bf16)
        run = k.bind(q, kk, vv, idx, counts, o)
        run()
        torch.cuda.synchronize()
        checked = min(b, 2)  # the float64 reference of the first sequences
        ref = masked_decode_reference(q[:checked], kk[:checked], vv[:checked],
                                      selected_keys(idx, counts, checked, s))
        qt, kt, vt = q[:, :, None], kk.transpose(1, 2), vv.transpose(1, 2)
        peer = time_ms(lambda: torch.nn.functional.scaled_dot_product_attention(
            qt, kt, vt, enable_gqa=True))
        read = int(counts.clamp(max=blocks).sum().item()) * 64 * 128 * 2 * 2
        report("block-sparse decode", f"b{b} h{heads}/{kv_heads} L{s} {selected} blk",
               rel_err(o[:checked], ref), 2e-2, time_ms(run, warmup=1, iters=10),
               "dense SDPA", peer, bytes_moved=read)

    # ReSA decode: 10% of the cache's blocks selected plus the latest 512
    # keys densely, against dense SDPA decoding; the rate counts the K and V
    # bytes read.
    k = K("resa")
    for b, heads, kv_heads, s, selected, tail in ([(2, 16, 4, 5_000, 8, 300)] +
                                                  ([(16, 32, 8, 32_768, 51, 512)] if big else [])):
        dense_from = s - tail
        sparse_blocks = dense_from // 64  # whole blocks before the tail
        q = torch.randn(b, heads, 128, device="cuda", dtype=bf16)
        kk = torch.randn(b, s, kv_heads, 128, device="cuda", dtype=bf16)
        vv = torch.randn(b, s, kv_heads, 128, device="cuda", dtype=bf16)
        idx = torch.stack([torch.randperm(sparse_blocks, device="cuda")[:selected]
                           for _ in range(b * kv_heads)]).view(b, kv_heads, selected).to(torch.int32)
        counts = torch.full((b, kv_heads), selected, device="cuda", dtype=torch.int32)
        counts[0, 0] = 0  # one head with the tail only
        o = poisoned(b, heads, 128, dtype=bf16)
        run = k.bind(q, kk, vv, idx, counts, o, dense_from)
        run()
        torch.cuda.synchronize()
        checked = min(b, 2)
        allowed = selected_keys(idx, counts, checked, s)
        allowed[:, :, dense_from:] = True
        ref = masked_decode_reference(q[:checked], kk[:checked], vv[:checked], allowed)
        qt, kt, vt = q[:, :, None], kk.transpose(1, 2), vv.transpose(1, 2)
        peer = time_ms(lambda: torch.nn.functional.scaled_dot_product_attention(
            qt, kt, vt, enable_gqa=True))
        read = (int(counts.sum().item()) * 64 + b * kv_heads * tail) * 128 * 2 * 2
        report("ReSA decode", f"b{b} h{heads}/{kv_heads} L{s} {selected} blk+{tail}",
               rel_err(o[:checked], ref), 2e-2, time_ms(run, warmup=1, iters=10),
               "dense SDPA", peer, bytes_moved=read)

    # A causal chunk of 1024 queries at the end of a 32k cache (chunked
    # prefill; ReSA's rectification), GQA 32/8, against SDPA with the
    # lower-right causal mask.
    if big:
        from torch.nn.attention.bias import causal_lower_right
        k = K("fa_chunk_gqa")
        b, heads, kv_heads, q_len, kv_len = 4, 32, 8, 1024, 32_768
        q = torch.randn(b, q_len, heads, 128, device="cuda", dtype=bf16)
        kk = torch.randn(b, kv_len, kv_heads, 128, device="cuda", dtype=bf16)
        vv = torch.randn(b, kv_len, kv_heads, 128, device="cuda", dtype=bf16)
        o = poisoned(b, q_len, heads, 128, dtype=bf16)
        run = k.bind(q, kk, vv, o)
        run()
        torch.cuda.synchronize()
        g = heads // kv_heads
        qd = q[:1, :, :g].double().transpose(1, 2)
        kd, vd = kk[:1, :, :1].double().transpose(1, 2), vv[:1, :, :1].double().transpose(1, 2)
        scores = (qd @ kd.transpose(-1, -2)) / math.sqrt(128)
        position = torch.arange(q_len, device="cuda")[:, None] + kv_len - q_len
        scores = scores.masked_fill(torch.arange(kv_len, device="cuda")[None, :] > position,
                                    float("-inf"))
        ref = (scores.softmax(-1) @ vd).transpose(1, 2)
        err = rel_err(o[:1, :, :g], ref)
        del qd, kd, vd, scores
        qt, kt, vt = q.transpose(1, 2), kk.transpose(1, 2), vv.transpose(1, 2)
        mask = causal_lower_right(q_len, kv_len)
        peer = time_ms(lambda: torch.nn.functional.scaled_dot_product_attention(
            qt, kt, vt, attn_mask=mask, enable_gqa=True), warmup=2, iters=10)
        pairs = q_len * (kv_len - q_len) + q_len * (q_len + 1) / 2
        report("attention chunk causal GQA", f"b{b} h{heads}/{kv_heads} q{q_len} kv{kv_len} d128",
               err, 2e-2, time_ms(run, warmup=2, iters=10), "SDPA", peer,
               flops=4 * b * heads * pairs * 128)

    # DiffQKV decode: 16 query heads, 1 K head (d 128), 4 V heads (d 256),
    # split-KV + combine; the rate counts one read of K and V.
    split, combine = K("diffqkv_split"), K("diffqkv_combine")
    for b, s in ([(4, 3_001)] + ([(8, 32_771)] if big else [])):
        q = torch.randn(b, 16, 128, device="cuda", dtype=bf16)
        kk = torch.randn(b, s, 1, 128, device="cuda", dtype=bf16)
        vv = torch.randn(b, s, 4, 256, device="cuda", dtype=bf16)
        lse = poisoned(b, 16, 8, dtype=torch.float32)
        part = poisoned(b, 16, 8, 256, dtype=torch.float32)
        o = poisoned(b, 16, 256, dtype=bf16)
        run_split, run_combine = split.bind(q, kk, vv, lse, part), combine.bind(lse, part, o)
        both = lambda: (run_split(), run_combine())
        both()
        torch.cuda.synchronize()
        c = min(b, 2)  # the float64 reference of the first sequences
        scores = torch.einsum("bhd,bsd->bhs", q[:c].double(), kk[:c, :, 0].double()) / math.sqrt(128)
        ref = torch.einsum("bhs,bshd->bhd", scores.softmax(-1),
                           vv[:c].double().repeat_interleave(4, dim=2))
        report("DiffQKV decode", f"b{b} h16 k1 v4 L{s}", rel_err(o[:c], ref), 2e-2,
               time_ms(both, warmup=1, iters=10), "-", float("nan"),
               bytes_moved=(kk.numel() + vv.numel()) * 2)
        del scores, ref

    # Retention, chunkwise: compare with the parallel form in float64.
    for name in ("retention", "retention_sm80"):
        retention_check(K(name), name)
    if big:
        retention_forms(K, kernels_dir)


def retention_check(k, name):
    bf16 = torch.bfloat16
    b, s, heads = 2, 1_000, 4
    q = torch.randn(b, s, heads, 64, device="cuda", dtype=bf16)
    kk = torch.randn(b, s, heads, 64, device="cuda", dtype=bf16)
    vv = torch.randn(b, s, heads, 64, device="cuda", dtype=bf16)
    o = poisoned(b, s, heads, 64, dtype=bf16)
    run = k.bind(q, kk, vv, o)
    run()
    torch.cuda.synchronize()
    pos = torch.arange(s, device="cuda", dtype=torch.float64)
    ref = torch.empty(b, s, heads, 64, dtype=torch.float64, device="cuda")
    for h in range(heads):
        gamma = 1 - 2.0 ** (-5 - h)
        decay = torch.where(pos[:, None] >= pos[None, :], gamma ** (pos[:, None] - pos[None, :]), 0.0)
        att = torch.einsum("bid,bjd->bij", q[:, :, h].double(), kk[:, :, h].double()) * decay / 8.0
        ref[:, :, h] = torch.einsum("bij,bjd->bid", att, vv[:, :, h].double())
    report("retention chunkwise" + (" sm_80" if name.endswith("_sm80") else ""),
           f"b{b} T{s} h{heads} d64", rel_err(o, ref), 2e-2,
           time_ms(run, warmup=1, iters=5), "-", float("nan"))


def retention_reference(q, k, v, heads):
    """The parallel form in float64 for the listed heads of q/k/v [b, s, h, d]."""
    s = q.shape[1]
    pos = torch.arange(s, device="cuda", dtype=torch.float64)
    out = {}
    for h in heads:
        gamma = 1 - 2.0 ** (-5 - h)
        decay = torch.where(pos[:, None] >= pos[None, :],
                            gamma ** (pos[:, None] - pos[None, :]).clamp(min=0), 0.0)
        att = torch.einsum("bid,bjd->bij", q[:, :, h].double(), k[:, :, h].double())
        att = att * decay / math.sqrt(q.shape[3])
        out[h] = torch.einsum("bij,bjd->bid", att, v[:, :, h].double())
        del att, decay
    return out


# FLA 0.5.2 on this H200 kind, 2026-11-30 (the recorded peer anchors; another run).
FLA_ANCHOR_MS = {("chunkwise", "k256"): 2.45, ("chunkwise", "k128"): 0.725,
                 ("chunkwise", "k128v128"): 0.919, ("parallel", "k256"): 8.98,
                 ("parallel", "k128"): 1.76, ("parallel", "k128v128"): 7.12}


def retention_forms(K, kernels_dir):
    """Retention's parallel and chunkwise forms at the FLA anchors' shapes
    (checked against float64 on the first sequence's first and last heads),
    and one recurrent decoding step of a RetNet-6.7B-sized state."""
    try:
        import fla.ops.retention as fla_retention  # the peer, where installed
    except ImportError:
        fla_retention = None
    bf16 = torch.bfloat16
    for tag, b, s, h, dk, dv in (("k256", 4, 4096, 32, 256, 512), ("k128", 8, 2048, 16, 128, 256),
                                 ("k128v128", 2, 16384, 16, 128, 128)):
        q = torch.randn(b, s, h, dk, device="cuda", dtype=bf16)
        k = torch.randn(b, s, h, dk, device="cuda", dtype=bf16)
        v = torch.randn(b, s, h, dv, device="cuda", dtype=bf16)
        ref = retention_reference(q[:1], k[:1], v[:1], (0, h - 1))
        flops = 2 * b * h * s * s * (dk + dv) / 2  # the causal half of both products
        for form in ("parallel", "chunkwise", "chunkwise_c32"):
            name = f"retention_{form.split('_')[0]}_{tag}" + ("_c32" if form.endswith("c32") else "")
            if not os.path.exists(os.path.join(kernels_dir, name + ".ptx")):
                continue  # a tile variant built for one shape only
            kernel = K(name)
            o = poisoned(b, s, h, dv, dtype=bf16)
            run = kernel.bind(q, k, v, o)
            run()
            torch.cuda.synchronize()
            err = max(rel_err(o[:1, :, hh], r) for hh, r in ref.items())
            t = time_ms(run, warmup=1, iters=5)
            peer, peer_ms = "-", float("nan")
            if fla_retention is not None:
                fn = getattr(fla_retention, f"{form.split('_')[0]}_retention")
                peer, peer_ms = "FLA", time_ms(lambda: fn(q, k, v), warmup=1, iters=5)
            # The chunkwise form does less work than the parallel one: a rate
            # in the parallel form's FLOPs would overstate it.
            report(f"retention {form.replace('_', ' ')}", f"b{b} T{s} h{h} k{dk} v{dv}", err, 2e-2,
                   t, peer, peer_ms, flops=flops if form == "parallel" else None)
            anchor = FLA_ANCHOR_MS.get((form.split("_")[0], tag))
            if anchor and fla_retention is None:
                print(f"    (FLA's {form.split('_')[0]}_retention at this shape: {anchor} ms in the "
                      f"anchors, another run: {anchor / t:.2f}x this row's time)")
        # The two-pass chunkwise form: states (bf16, one per chunk), then
        # outputs (each tile-size build of the output pass).
        states = f"retention_states_{tag}"
        outputs = sorted(f[:-4] for f in os.listdir(kernels_dir) if f.endswith(".ptx") and
                         (f[:-4] == f"retention_output_{tag}" or
                          f.startswith(f"retention_output_{tag}_")))
        if os.path.exists(os.path.join(kernels_dir, states + ".ptx")):
            chunks = (s + 63) // 64
            h_states = torch.empty(b, h, chunks, dk, dv, device="cuda", dtype=bf16)
            run_states = K(states).bind(k, v, h_states)
            t_states = time_ms(run_states, warmup=1, iters=5)
            for output in outputs:
                o = poisoned(b, s, h, dv, dtype=bf16)
                run_output = K(output).bind(q, k, v, h_states, o)
                both = lambda: (run_states(), run_output())
                both()
                torch.cuda.synchronize()
                err = max(rel_err(o[:1, :, hh], r) for hh, r in ref.items())
                t = time_ms(both, warmup=1, iters=5)
                variant = output[len(f"retention_output_{tag}"):].replace("_", " ")
                report("retention chunk 2-pass" + variant, f"b{b} T{s} h{h} k{dk} v{dv}", err, 2e-2,
                       t, "-", float("nan"))
                anchor = FLA_ANCHOR_MS[("chunkwise", tag)]
                print(f"    (states pass {t_states:.3f} ms; FLA's chunk_retention at this shape: "
                      f"{anchor} ms in the anchors, another run: {anchor / t:.2f}x this row's time)")
            del h_states
        del q, k, v, ref
    # One decoding step: the state is read and written once (in place); each
    # tile-size build of it.
    b, h, dk, dv = 64, 32, 256, 512
    q, k = (torch.randn(b, 1, h, dk, device="cuda", dtype=bf16) for _ in range(2))
    v = torch.randn(b, 1, h, dv, device="cuda", dtype=bf16)
    start = torch.randn(b, h, dk, dv, device="cuda")
    gamma = (1 - 2.0 ** (-5 - torch.arange(h, device="cuda", dtype=torch.float64)))[None, :, None, None]
    c = 4  # the float64 reference of the first sequences
    s_ref = gamma * start[:c].double() + \
        k[:c, 0].double()[..., :, None] * v[:c, 0].double()[..., None, :]
    o_ref = torch.einsum("bhd,bhde->bhe", q[:c, 0].double(), s_ref) / math.sqrt(dk)
    builds = sorted(f[:-4] for f in os.listdir(kernels_dir)
                    if f.startswith("retention_recurrent_k256") and f.endswith(".ptx"))
    for name in builds:
        state = start.clone()
        o = poisoned(b, 1, h, dv, dtype=bf16)
        run = K(name).bind(q, k, v, o, state)
        run()
        torch.cuda.synchronize()
        err = max(rel_err(o[:c, 0], o_ref), rel_err(state[:c], s_ref))
        t = time_ms(run, warmup=1, iters=10)  # each run decays the state once more: harmless
        report("retention recurrent step" + name[len("retention_recurrent_k256"):].replace("_", " "),
               f"b{b} h{h} k{dk} v{dv}", err, 2e-2, t, "-", float("nan"),
               bytes_moved=2 * state.numel() * 4)
        del state
    print("    (FLA's fused_recurrent_retention at this shape: 0.84 ms in the anchors, another run)")


if __name__ == "__main__":
    sys.exit(main())
