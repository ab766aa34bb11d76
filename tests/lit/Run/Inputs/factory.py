# TileLang's Python form: a kernel factory whose parameters are compile-time
# values (from -D or their defaults), computing constants and defining
# macros that the @T.prim_func it returns uses as closures.
import tilelang
import tilelang.language as T


@tilelang.jit(out_idx=[-1])
def matmul(M, N, K, block_M=64, block_N=64, block_K=32, dtype="float16", accum_dtype="float"):
    A_shape = (M, K)
    B_shape = (K, N)
    scale = 0.5 * 4
    if block_K > 16:
        num_stages = 2
    else:
        num_stages = 1

    @T.macro
    def load_tiles(A, B, A_s, B_s, bx, by, k):
        T.copy(A[by * block_M, k * block_K], A_s)
        T.copy(B[k * block_K, bx * block_N], B_s)

    @T.prim_func
    def main(A: T.Tensor(A_shape, dtype), B: T.Tensor(B_shape, dtype),
             C: T.Tensor((M, N), dtype)):
        with T.Kernel(T.ceildiv(N, block_N), T.ceildiv(M, block_M), threads=128) as (bx, by):
            A_s = T.alloc_shared((block_M, block_K), dtype)
            B_s = T.alloc_shared((block_K, block_N), dtype)
            C_l = T.alloc_fragment((block_M, block_N), accum_dtype)
            T.clear(C_l)
            for k in T.Pipelined(T.ceildiv(K, block_K), num_stages=num_stages):
                load_tiles(A, B, A_s, B_s, bx, by, k)
                T.gemm(A_s, B_s, C_l)
            for i, j in T.Parallel(block_M, block_N):
                C_l[i, j] = C_l[i, j] * scale
            T.copy(C_l, C[by * block_M, bx * block_N])

    return main


def host_code_is_not_compiled():
    return 0


@tilelang.jit(out_idx=[-1])
def scaled_copy(N, scale=None, block=128):
    # TileLang factories check their arguments and fill optional ones.
    assert N % 2 == 0, "N must be even"
    if scale is None:
        scale = 0.5
    assert scale is not None

    @T.prim_func
    def main(A: T.Tensor((N,), "float32"), B: T.Tensor((N,), "float32")):
        with T.Kernel(T.ceildiv(N, block), threads=128) as bx:
            for i in T.Parallel(block):
                B[bx * block + i] = A[bx * block + i] * scale

    return main
