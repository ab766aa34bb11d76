# A program written for TileLang, run unchanged by `python3 -m tilec.tilelang`
# (here on the cpu target, with NumPy arrays: TILEC_TARGET=cpu).
import numpy as np
import tilelang
import tilelang.language as T
from tilelang import tvm as tilelang_tvm  # noqa: F401 (TileLang programs do this)
from tilelang.autotuner import *  # noqa: F401,F403 (TileLang programs do this)
from tilelang.language.fp8 import determine_fp8_type
from tvm import DataType, tirx
from tilelang.cuda.intrinsics import make_mma_swizzle_layout
from tilelang.cuda.intrinsics.sparse_layout import get_e_factor
from tilelang.language.dtypes import dtype as tl_dtype
from tilelang.tileop.base import GemmWarpPolicy

dtype = T.float32


def _low_nibble(val: tirx.PrimExpr):
    # A helper written with TVM's expression builders (compiled by tilec).
    assert val.dtype == T.uint8
    return val & tirx.const(15, T.uint8)


@tilelang.jit(out_idx=[-1])
def low_nibbles(N):
    @T.prim_func
    def main(P: T.Tensor((N,), T.uint8), L: T.Tensor((N,), T.uint8)):
        with T.Kernel(1, threads=32) as _:
            for i in T.Parallel(N):
                L[i] = _low_nibble(P[i])

    return main


in_dtype = T.float32  # named by an annotation only


@tilelang.jit
def butterfly(A):
    # Warp shuffles in per-thread code, a shared tile in an MMA swizzle.
    R = T.const("R")
    A: T.Tensor((R, 32), T.float32)
    H = T.empty((R, 32), T.float32)
    with T.Kernel(R, threads=32) as r:
        tx = T.get_thread_binding(0)
        stage = T.alloc_shared((2, 32), T.float32)
        T.annotate_layout({stage: make_mma_swizzle_layout(stage)})
        value = T.alloc_var(T.float32)
        value = A[r, tx]
        for i in T.serial(5):
            other = T.shfl_xor(value, 1 << i)
            value = T.if_then_else((tx >> i) & 1 == 0, value + other, other - value)
        stage[1, tx] = value
        H[r, tx] = stage[1, tx]
    return H


@tilelang.jit
def twice(A):
    # TileLang's subscript form of a tensor annotation.
    M, N = T.const("M, N")
    A: T.Tensor[(M, N), in_dtype]
    B = T.empty((M, N), dtype)
    with T.Kernel(M, threads=32) as m:
        for j in T.Parallel(N):
            B[m, j] = A[m, j] * 2
    return B


@tilelang.jit
def pair_sums(X, W):
    # Sizes named through aliases (a convolution's KH, KW = K, K).
    R, K = T.const("R, K")
    KH, KW = K, K
    X: T.Tensor((R, KH), dtype)
    W: T.Tensor((KW,), dtype)
    S = T.empty((R, K - 1), dtype)
    with T.Kernel(R, threads=32) as r:
        for j in T.Parallel(K - 1):
            S[r, j] = X[r, j] * W[j] + X[r, j + 1] * W[j + 1]
    return S


@tilelang.jit(out_idx=[-1], pass_configs={tilelang.PassConfigKey.TL_ENABLE_FAST_MATH: True})
def saxpy(N, alpha, block=64):
    @T.prim_func
    def main(X: T.Tensor((N,), dtype), Y: T.Tensor((N,), dtype), Z: T.Tensor((N,), dtype)):
        with T.Kernel(tilelang.cdiv(N, block), threads=64) as bx:
            for i in T.Parallel(block):
                Z[bx * block + i] = alpha * X[bx * block + i] + Y[bx * block + i]

    return main


@tilelang.jit
def column_sums(A, block_M=16):
    M, N = T.const("M, N")
    A: T.Tensor((M, N), dtype)
    S = T.empty((N,), dtype)
    with T.Kernel(N, threads=32) as col:
        acc = T.alloc_fragment((block_M,), dtype)
        total = T.alloc_fragment((1,), dtype)
        T.clear(acc)
        for k in T.serial(T.ceildiv(M, block_M)):
            for i in T.Parallel(block_M):
                if k * block_M + i < M:
                    acc[i] += A[k * block_M + i, col]
        T.reduce_sum(acc, total, dim=0)
        S[col] = total[0]
    return S


def plus_one_kernels(N):
    # TileLang's API-mode autotuning: a plain function giving a kernel for
    # a configuration, tuned by AutoTuner.from_kernel(...).run().
    def kernel(block=None):
        @T.prim_func
        def main(X: T.Tensor((N,), dtype), Y: T.Tensor((N,), dtype)):
            with T.Kernel(tilelang.cdiv(N, block), threads=32) as bx:
                for i in T.Parallel(block):
                    Y[bx * block + i] = X[bx * block + i] + 1

        return main

    return kernel


@tilelang.jit(out_idx=[-1])
def scaled_copy(N, scale=None, shape_hint=(64, 1), dtype_in=T.float32, block=64):
    # `scale=None` passed explicitly; a tuple argument; a dtype argument.
    factor = 1.0 if scale is None else scale
    rows = shape_hint[0]
    @T.prim_func
    def main(X: T.Tensor((N,), dtype_in), Y: T.Tensor((N,), dtype_in)):
        with T.Kernel(tilelang.cdiv(N, block), threads=64) as bx:
            for i in T.Parallel(block):
                Y[bx * block + i] = X[bx * block + i] * factor + rows * 0
    return main


@tilelang.jit(out_idx=[1])
def nested_scale(N, factor):
    # The kernel comes from a function the factory defines and calls.
    block = 32

    def kernel_func(block_N, threads):
        @T.prim_func
        def nested_scale(X: T.Tensor((N,), dtype), Y: T.Tensor((N,), dtype)):
            with T.Kernel(tilelang.cdiv(N, block_N), threads=threads) as bx:
                for i in T.Parallel(block_N):
                    Y[bx * block_N + i] = X[bx * block_N + i] * factor

        return nested_scale

    return kernel_func(block, threads=32)


def main():
    rng = np.random.default_rng(1)
    # dtypes are strings, as TileLang's are (getattr(torch, T.float16) works).
    assert T.float32 == "float32" and getattr(np, T.float32) is np.float32
    assert T.bfloat16.bits == 16 and T.dtype("float16") == T.float16
    assert DataType(T.float16).bits == 16 and determine_fp8_type("e5m2") == "float8_e5m2"
    packed = rng.integers(0, 256, 70).astype(np.uint8)
    assert (low_nibbles(70)(packed) == packed & 15).all()
    rows, taps = rng.standard_normal((9, 6)).astype(np.float32), rng.standard_normal(6).astype(np.float32)
    pairs = rows[:, :-1] * taps[:-1] + rows[:, 1:] * taps[1:]
    assert np.abs(pair_sums(rows, taps) - pairs).max() < 1e-5
    assert np.abs(twice(rows) - 2 * rows).max() == 0
    # An autotuned eager kernel compiled for given sizes: `.compile(M=, N=)`.
    tuned_column_sums = autotune(configs=[{"block_M": 8}, {"block_M": 16}],  # noqa: F405
                                 warmup=1, rep=2)(column_sums)
    best = tuned_column_sums.compile(M=37, N=5)
    sums = best(rng.standard_normal((37, 5)).astype(np.float32))
    assert best.config in ({"block_M": 8}, {"block_M": 16}) and sums.shape == (5,)
    fast = {"pass_configs": {tilelang.PassConfigKey.TL_ENABLE_FAST_MATH: True}}
    result = (AutoTuner.from_kernel(kernel=plus_one_kernels(100),  # noqa: F405
                                    configs=[{"block": 32}, {"block": 64, **fast}])
              .set_compile_args(out_idx=[-1], target="auto")
              .set_profile_args(ref_prog=lambda x: x + 1, skip_check=False)
              .run(warmup=1, rep=2))
    assert result.config["block"] in (32, 64) and result.latency > 0
    ramp = np.arange(100, dtype=np.float32)
    assert np.abs(result.kernel(ramp) - (ramp + 1)).max() == 0
    # Every pass-config key TileLang has exists (tilec applies what it knows).
    assert tilelang.PassConfigKey.TL_PTXAS_REGISTER_USAGE_LEVEL == "tl.ptxas_register_usage_level"
    assert isinstance(tilelang.env.TILELANG_CACHE_DIR, str)
    from tilelang.contrib import nvcc  # noqa: F401 (imported as TileLang programs do)
    from tilelang.utils.tensor import get_tensor_supply, TensorSupplyType
    assert callable(get_tensor_supply(TensorSupplyType.Auto))
    from tilelang.engine.callback import register_cuda_postproc_callback
    try:
        register_cuda_postproc_callback(lambda code, _: code)
        raise AssertionError("a CUDA source callback cannot apply to PTX")
    except NotImplementedError:
        pass
    v = rng.standard_normal(100).astype(np.float32)
    plain = scaled_copy(100, None, (64, 1), T.dtype("float32"))(v)
    doubled = scaled_copy(100, 2.0, [32, 2])(v)
    assert np.abs(plain - v).max() == 0 and np.abs(doubled - 2 * v).max() < 1e-6
    assert "tile.launch" in scaled_copy.get_kernel_source(100, None)
    assert np.abs(nested_scale(100, 3.0)(v) - 3 * v).max() < 1e-6
    # An eager kernel's source for given T.const sizes.
    assert "tile.launch" in column_sums.get_kernel_source(M=37, N=5, block_M=8)
    # Autotuning on given inputs.
    with set_autotune_inputs(v):  # noqa: F405 (from tilelang.autotuner import *)
        tuned = autotune(configs=[{"block": 32}, {"block": 64}])(scaled_copy)(100, 3.0)  # noqa: F405
    assert np.abs(tuned(v) - 3 * v).max() < 1e-5
    x, y = rng.standard_normal(200).astype(np.float32), rng.standard_normal(200).astype(np.float32)
    z = saxpy(200, 3.0)(x, y)
    a = rng.standard_normal((37, 5)).astype(np.float32)
    s = column_sums(a)
    ok = np.abs(z - (3 * x + y)).max() < 1e-5 and np.abs(s - a.sum(0)).max() < 1e-4
    # The roller's recommendations, as TileLang's GEMM autotuning examples
    # read them.
    from tilelang.carver.arch import CUDA
    from tilelang.carver.roller.rasterization import NoRasterization
    from tilelang.carver.template import MatmulTemplate
    hints = MatmulTemplate(M=4096, N=4096, K=4096, in_dtype=T.float16, out_dtype=T.float16,
                           accum_dtype=T.float32).with_arch(CUDA("cuda")).recommend_hints(topk=6)
    assert len(hints) == 6 and all(h.block[0] % h.warp[0] == 0 and h.block[1] % h.warp[1] == 0
                                   and h.pipeline_stage >= 2 for h in hints)
    assert hints[0].rasterization_plan is not NoRasterization
    # TileLang's sparse-metadata helpers and dtype class, as programs use them.
    assert get_e_factor(T.float16, T.int16) == 16 and get_e_factor(tl_dtype("float32"), T.int8) == 4
    assert str(GemmWarpPolicy.FullRow) == "T.GemmWarpPolicy.FullRow"
    h = np.array([[1.0]])
    while len(h) < 32:
        h = np.block([[h, h], [h, -h]])
    rows = rng.integers(-4, 5, (3, 32)).astype(np.float32)
    ok = ok and np.array_equal(butterfly(rows), rows @ h.T)
    print("tilelang program:", "ok" if ok else "MISMATCH")


if __name__ == "__main__":
    main()
