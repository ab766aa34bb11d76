"""@tilec.jit on a TileLang kernel factory, without a GPU: the factory's
source, the module values and closure it names, its arguments as -D values;
out_idx outputs allocated and returned; GPU code compiled once per set of
values. Prints "ok" when every check holds."""

import os
import sys
import tempfile

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "runtime",
                                "python"))
os.environ["TILEC_CACHE_DIR"] = tempfile.mkdtemp(prefix="tilec-cache-")
import tilec  # noqa: E402
import tilec.language as T  # noqa: E402

accum_dtype = T.float32
base = 3


def make(target):
    scale = 2  # a closure value

    @tilec.jit(out_idx=[-1], target=target)
    def scaled_add(N, block=128, dtype="float32"):
        factor = base * scale

        @T.macro
        def combine(a, b):
            return a + b * factor

        @T.prim_func
        def main(A: T.Tensor((N,), dtype), B: T.Tensor((N,), dtype),
                 C: T.Tensor((N,), accum_dtype)):
            with T.Kernel(T.ceildiv(N, block), threads=128) as bx:
                for i in T.Parallel(block):
                    C[bx * block + i] = combine(A[bx * block + i], B[bx * block + i])

        return main

    return scaled_add


rng = np.random.default_rng(0)
a, b = rng.standard_normal(1000).astype(np.float32), rng.standard_normal(1000).astype(np.float32)
kernel = make("cpu")(1000)
c = kernel(a, b)
assert c.shape == (1000,) and np.abs(c - (a + 6 * b)).max() < 1e-5, "scaled_add on the CPU"
try:
    kernel(a)
    raise AssertionError("one argument for two inputs was accepted")
except TypeError as e:
    assert "(A, B)" in str(e), str(e)

# TileLang's eager form: tensors annotated in the body, T.const sizes read
# from the arguments (the kernel compiled for them), T.empty outputs returned.
@tilec.jit(target="cpu")
def row_scale(X, s, block=64):
    M, N = T.const("M, N")
    X: T.Tensor((M, N), "float32")
    Y = T.empty((M, N), "float32")
    Total = T.empty((M,), "float32")
    with T.Kernel(M, threads=32) as row:
        acc = T.alloc_fragment((block,), "float32")
        total = T.alloc_fragment((1,), "float32")
        T.clear(acc)
        for j in T.Parallel(block):
            if j < N:
                Y[row, j] = X[row, j] * s
                acc[j] = Y[row, j]
        T.reduce_sum(acc, total, dim=0)
        Total[row] = total[0]
    return Y, Total


x = rng.standard_normal((3, 50)).astype(np.float32)
y, total = row_scale(x, 2.0)
assert np.abs(y - 2 * x).max() < 1e-6 and np.abs(total - 2 * x.sum(1)).max() < 1e-4, "row_scale"
compiled = row_scale.compile(M=3, N=50, s=2.0)
assert compiled.kernel.metadata["constants"]["N"] == 50 and compiled.outputs == [1, 2]
assert compiled is row_scale.compile(M=3, N=50, s=2.0, block=64)

# For a GPU: compiled once per set of factory values, wgmma for a GEMM.
@tilec.jit(out_idx=-1)
def matmul(M, N, K, block_M=128, block_N=128, block_K=64, dtype=T.float16):
    @T.prim_func
    def main(A: T.Tensor((M, K), dtype), B: T.Tensor((K, N), dtype),
             C: T.Tensor((M, N), dtype)):
        with T.Kernel(T.ceildiv(N, block_N), T.ceildiv(M, block_M), threads=256) as (bx, by):
            A_s = T.alloc_shared((block_M, block_K), dtype)
            B_s = T.alloc_shared((block_K, block_N), dtype)
            C_l = T.alloc_fragment((block_M, block_N), "float32")
            T.clear(C_l)
            for k in T.Pipelined(T.ceildiv(K, block_K), num_stages=3):
                T.copy(A[by * block_M, k * block_K], A_s)
                T.copy(B[k * block_K, bx * block_N], B_s)
                T.gemm(A_s, B_s, C_l)
            T.copy(C_l, C[by * block_M, bx * block_N])

    return main


first = matmul(512, 512, 256)
assert first is matmul(512, 512, 256) and first is not matmul(512, 512, 128)
assert "wgmma.mma_async" in open(first.kernel.ptx).read()
assert first.kernel.metadata["constants"]["dtype"] == "float16"
print("ok")
