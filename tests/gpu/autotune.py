"""On a GPU machine: tilec.autotune over the GEMM (24 configurations) and
FlashAttention's forward (16), candidates compiled in parallel and checked
against the first before they are timed; prints each table, the chosen
configuration against the kernel's defaults, and "autotune: ok". A second
run of the same search comes from the tuning cache. Needs the tilec tool
($TILEC)."""

import os
import sys
import tempfile

root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
os.environ.setdefault("TILEC_CACHE_DIR", tempfile.mkdtemp(prefix="tilec-cache-"))
sys.path.insert(0, os.path.join(root, "runtime", "python"))
import torch  # noqa: E402
import tilec  # noqa: E402

kernels = os.path.join(root, "kernels")


def tune(label, path, kernel, space, args, flops):
    result = tilec.autotune(path, kernel, space=space, args=args, warmup=10, rep=50,
                            progress="lines")
    print(f"autotune: {label}\n{result.table()}")
    default = tilec.compile(path, kernel)
    default_args = [a.clone() for a in args]
    default_ms = tilec.bench(lambda: default(*default_args))
    print(f"autotune: {label}: best {result.ms:.4f} ms ({flops / result.ms / 1e9:.0f} TFLOP/s), "
          f"defaults {default_ms:.4f} ms ({flops / default_ms / 1e9:.0f} TFLOP/s)")
    again = tilec.autotune(path, kernel, space=space, args=args, warmup=10, rep=50)
    assert again.from_cache and again.config == result.config, "the tuning cache"


def main():
    torch.manual_seed(0)
    m = n = k = 4096
    a = torch.randn(m, k, device="cuda", dtype=torch.float16)
    b = torch.randn(k, n, device="cuda", dtype=torch.float16)
    c = torch.empty(m, n, device="cuda", dtype=torch.float16)
    tune("gemm fp16 4096^3", os.path.join(kernels, "gemm.tl"), "gemm",
         {"block_M": [64, 128], "block_N": [128, 256], "block_K": [32, 64],
          "num_stages": [2, 3, 4]}, (a, b, c), 2 * m * n * k)
    batch, seq, heads, dim = 4, 4096, 16, 128
    q, kk, v = (torch.randn(batch, seq, heads, dim, device="cuda", dtype=torch.bfloat16)
                for _ in range(3))
    out = torch.empty_like(q)
    tune("flash_attention bf16 b4 s4096 h16 d128", os.path.join(kernels, "flash_attention.tl"),
         "flash_attention", {"block_M": [64, 128], "block_N": [64, 128], "num_stages": [1, 2],
                             "threads": [128, 256]},
         (q, kk, v, out), 4 * batch * heads * seq * seq * dim)
    print("autotune: ok")


if __name__ == "__main__":
    main()
