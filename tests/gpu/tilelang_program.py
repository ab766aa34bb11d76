# On a GPU machine: a program written for TileLang, run unchanged by
#   python3 -m tilec.tilelang tests/gpu/tilelang_program.py
# An autotuned GEMM factory checked by its profiler, and an eager kernel
# (T.const sizes, T.empty output) checked against PyTorch. Prints
# "tilelang program (gpu): ok" or raises.
import itertools

import tilelang
import tilelang.language as T
import torch
from tilelang.autotuner import autotune
from tilelang.profiler import do_bench


def configs():
    return [dict(block_M=m, block_N=n) for m, n in itertools.product((64, 128), (128, 256))]


@autotune(configs=configs(), warmup=5, rep=20)
@tilelang.jit(out_idx=[-1], pass_configs={tilelang.PassConfigKey.TL_ENABLE_FAST_MATH: True})
def matmul(M, N, K, block_M=128, block_N=128, block_K=64, dtype=T.float16, accum_dtype=T.float32):
    @T.prim_func
    def main(A: T.Tensor((M, K), dtype), B: T.Tensor((K, N), dtype), C: T.Tensor((M, N), dtype)):
        with T.Kernel(T.ceildiv(N, block_N), T.ceildiv(M, block_M), threads=256) as (bx, by):
            A_shared = T.alloc_shared((block_M, block_K), dtype)
            B_shared = T.alloc_shared((block_K, block_N), dtype)
            C_local = T.alloc_fragment((block_M, block_N), accum_dtype)
            T.clear(C_local)
            for k in T.Pipelined(T.ceildiv(K, block_K), num_stages=3):
                T.copy(A[by * block_M, k * block_K], A_shared)
                T.copy(B[k * block_K, bx * block_N], B_shared)
                T.gemm(A_shared, B_shared, C_local)
            T.copy(C_local, C[by * block_M, bx * block_N])

    return main


@tilelang.jit
def scaled_add(A, B, alpha, block_M=32, block_N=128, threads=128):
    M, N = T.const("M, N")
    A: T.Tensor((M, N), T.bfloat16)
    B: T.Tensor((M, N), T.bfloat16)
    C = T.empty((M, N), T.float32)
    with T.Kernel(T.ceildiv(N, block_N), T.ceildiv(M, block_M), threads=threads) as (bx, by):
        for i, j in T.Parallel(block_M, block_N):
            C[by * block_M + i, bx * block_N + j] = (
                alpha * A[by * block_M + i, bx * block_N + j] + B[by * block_M + i, bx * block_N + j])
    return C


def main():
    kernel = matmul(2048, 1536, 1024)
    profiler = kernel.get_profiler(tensor_supply_type=tilelang.TensorSupplyType.Normal)
    profiler.assert_allclose(lambda a, b: (a.float() @ b.float()).half(), rtol=1e-2, atol=1e-2)
    ms = profiler.do_bench()
    tflops = 2 * 2048 * 1536 * 1024 / ms / 1e9
    print(f"tilelang program (gpu): matmul {kernel.config} {ms:.4f} ms, {tflops:.0f} TFLOP/s")
    a = torch.randn(1000, 3000, device="cuda").bfloat16()
    b = torch.randn(1000, 3000, device="cuda").bfloat16()
    c = scaled_add(a, b, 0.5)
    torch.testing.assert_close(c, 0.5 * a.float() + b.float(), rtol=1e-2, atol=1e-2)
    print(f"tilelang program (gpu): scaled_add {do_bench(lambda: scaled_add(a, b, 0.5)):.4f} ms "
          "a call (compiled once)")
    print("tilelang program (gpu): ok")


if __name__ == "__main__":
    main()
