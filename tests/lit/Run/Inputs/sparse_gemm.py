# A 2:4-sparse GEMM as TileLang writes it: A given by its kept values (K/2
# columns) and metadata E whose 4-bit groups place them, multiplied by a
# dense B with T.gemm_sp; optionally A and E stored transposed.
import tilelang
import tilelang.language as T
from tilelang.cuda.intrinsics.sparse_layout import get_e_factor


@tilelang.jit
def sparse_gemm(M, N, K, dtype, e_dtype, trans_AE, block_M=64, block_N=32, block_K=64):
    e_factor = get_e_factor(dtype, e_dtype)
    A_shape = (K // 2, M) if trans_AE else (M, K // 2)
    E_shape = (K // e_factor, M) if trans_AE else (M, K // e_factor)
    A_tile = (block_K // 2, block_M) if trans_AE else (block_M, block_K // 2)
    E_tile = (block_K // e_factor, block_M) if trans_AE else (block_M, block_K // e_factor)

    @T.prim_func
    def main(A_sparse: T.Tensor(A_shape, dtype), E: T.Tensor(E_shape, e_dtype),
             B: T.Tensor((K, N), dtype), C: T.Tensor((M, N), T.float32)):
        with T.Kernel(T.ceildiv(N, block_N), T.ceildiv(M, block_M), threads=128) as (bx, by):
            A_shared = T.alloc_shared(A_tile, dtype)
            E_shared = T.alloc_shared(E_tile, e_dtype)
            B_shared = T.alloc_shared((block_K, block_N), dtype)
            C_local = T.alloc_fragment((block_M, block_N), T.float32)
            T.clear(C_local)
            for k in T.Pipelined(T.ceildiv(K, block_K), num_stages=2):
                if trans_AE:
                    T.copy(A_sparse[k * block_K // 2, by * block_M], A_shared)
                    T.copy(E[k * block_K // e_factor, by * block_M], E_shared)
                else:
                    T.copy(A_sparse[by * block_M, k * block_K // 2], A_shared)
                    T.copy(E[by * block_M, k * block_K // e_factor], E_shared)
                T.copy(B[k * block_K, bx * block_N], B_shared)
                T.gemm_sp(A_shared, E_shared, B_shared, C_local, transpose_A=trans_AE,
                          transpose_E=trans_AE)
            T.copy(C_local, C[by * block_M, bx * block_N])
    return main
